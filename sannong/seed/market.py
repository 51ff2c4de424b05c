"""Demo marketplace: farmers in every demo village, 225 listings, orders in every state.

Deterministic (fixed random seed, ids derived from numbers and the seed's anchor time)
and idempotent: listings are inserted only when missing, orders go through the same
rules as the API with fixed idempotency keys, so a second run changes nothing.
Listings are dated over the weeks before the anchor, the newest a few hours before
it, so a farmer's new listing comes first under "newest".
"""

import random
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId

from sannong.db import Database
from sannong.errors import RuleError
from sannong.rules.accounts import user_document
from sannong.rules.listings import listing_document
from sannong.rules.market import OrderStatus
from sannong.rules.orders import move_order, place_order
from sannong.security import Passwords
from sannong.seed import progress
from sannong.seed.batches import insert_missing
from sannong.seed.regions import region_documents

DEMO_FARMER_PASSWORD = "nongmin2026"
LISTINGS_PER_VILLAGE = 5
LISTING_EVERY = timedelta(hours=7)

# (commodity, category, unit, lowest and highest price in fen, stock range)
PRODUCE: tuple[tuple[str, str, str, int, int, int, int], ...] = (
    ("西红柿", "VEGETABLE", "斤", 150, 400, 200, 3000),
    ("黄瓜", "VEGETABLE", "斤", 120, 300, 200, 3000),
    ("大白菜", "VEGETABLE", "斤", 40, 120, 500, 5000),
    ("茄子", "VEGETABLE", "斤", 150, 350, 100, 2000),
    ("辣椒", "VEGETABLE", "斤", 200, 600, 100, 2000),
    ("玉米", "GRAIN", "斤", 110, 160, 1000, 20000),
    ("小麦", "GRAIN", "斤", 120, 150, 1000, 20000),
    ("花生", "GRAIN", "斤", 350, 600, 200, 3000),
    ("苹果", "FRUIT", "斤", 250, 700, 200, 5000),
    ("桃子", "FRUIT", "斤", 300, 800, 100, 2000),
    ("樱桃", "FRUIT", "斤", 1500, 4000, 20, 300),
    ("土鸡蛋", "EGG_DAIRY", "斤", 700, 1200, 30, 500),
    ("散养土鸡", "LIVESTOCK", "只", 6000, 12000, 5, 100),
    ("草鱼", "AQUATIC", "斤", 600, 1000, 50, 800),
    ("煎饼", "SPECIALTY", "斤", 1200, 2500, 20, 300),
)
ADJECTIVES = ("新鲜", "自家种的", "大棚", "有机", "今年新", "农家")
PHRASES = ("新鲜采摘，当天发货", "可以上门自提", "量大从优，欢迎批发", "支持先验货后付款")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ("建国", "秀英", "桂兰", "志强", "玉梅", "德明", "春花", "海军", "凤英", "永刚")
STATES = (
    OrderStatus.PENDING,
    OrderStatus.ACCEPTED,
    OrderStatus.REJECTED,
    OrderStatus.CANCELLED,
    OrderStatus.COMPLETED,
)


def _object_id(kind: int, n: int, at: datetime) -> ObjectId:
    """Time-ordered like a real ObjectId, and the same on every run."""
    return ObjectId(f"{int(at.timestamp()):08x}{kind:08x}{n:08x}")


def _villages() -> list[dict[str, Any]]:
    return [r for r in region_documents() if r["level"] == "VILLAGE"]


def _listing_span() -> timedelta:
    return LISTING_EVERY * len(_villages()) * LISTINGS_PER_VILLAGE


def _first_listing_at(anchor: datetime) -> datetime:
    return anchor - _listing_span()


async def anchor_of_demo_market(db: Database) -> datetime | None:
    """The anchor a demo market already in the database was written with: its farmers
    joined when the first listing was posted. Seeds before the marker used a fixed one;
    seeding again with it keeps every id."""
    farmer = await db.users.find_one({"phone": _farmer_phone(0)}, {"createdAt": 1})
    if farmer is None:
        return None
    joined: datetime = farmer["createdAt"]
    return joined + _listing_span()


def _farmer_phone(n: int) -> str:
    return f"1380001{n:04d}"


def farmer_documents(password_hash: str, anchor: datetime) -> list[dict[str, Any]]:
    villages = _villages()
    joined = _first_listing_at(anchor)
    return [
        user_document(
            phone=_farmer_phone(n),
            password_hash=password_hash,
            name=SURNAMES[(n + 1) % len(SURNAMES)] + GIVEN[(n + 3) % len(GIVEN)],
            village=village,
        )
        | {"_id": _object_id(1, n, joined), "createdAt": joined}
        for n, village in enumerate(villages)
    ]


def listing_documents(farmers: list[dict[str, Any]], anchor: datetime) -> list[dict[str, Any]]:
    rng = random.Random(2026)
    listings = []
    count = len(farmers) * LISTINGS_PER_VILLAGE
    first = _first_listing_at(anchor)
    for n in range(count):
        farmer = farmers[n % len(farmers)]
        commodity, category, unit, low, high, least, most = rng.choice(PRODUCE)
        # the newest is some hours before the anchor
        at = first + LISTING_EVERY * n + timedelta(minutes=rng.randrange(60))
        quantity = rng.randrange(least, most + 1, 10 if least >= 100 else 1)
        fields = {
            "commodity": commodity,
            "category": category,
            "title": f"{rng.choice(ADJECTIVES)}{commodity}",
            "description": "，".join(rng.sample(PHRASES, 2)),
            "priceFen": rng.randrange(low, high + 1, 10),
            "unit": unit,
            "quantityAvailable": quantity,
            "minOrder": 1 if quantity < 500 else 10,
        }
        village = {"_id": farmer["regionId"], "path": farmer["path"]}
        doc = listing_document(
            seller_id=farmer["_id"], village=village, fields=fields, photos=[], at=at
        )
        listings.append(doc | {"_id": _object_id(2, n, at)})
    return listings


async def _order_in_state(
    db: Database, n: int, listing: dict[str, Any], buyer_id: ObjectId, state: OrderStatus
) -> None:
    key = f"demo-order-{n:04d}"
    order = await db.orders.find_one({"buyerId": buyer_id, "idempotencyKey": key})
    written = order is None
    if order is None:
        order = await place_order(
            db,
            buyer_id=buyer_id,
            listing_id=listing["_id"],
            quantity=listing["minOrder"] * (1 + n % 3),
            idempotency_key=key,
            max_open_orders=1000,
        )
    seller, buyer = listing["sellerId"], buyer_id
    steps = {
        OrderStatus.PENDING: [],
        OrderStatus.ACCEPTED: [(OrderStatus.ACCEPTED, seller)],
        OrderStatus.REJECTED: [(OrderStatus.REJECTED, seller)],
        OrderStatus.CANCELLED: [(OrderStatus.CANCELLED, buyer)],
        OrderStatus.COMPLETED: [(OrderStatus.ACCEPTED, seller), (OrderStatus.COMPLETED, buyer)],
    }[state]
    for to, actor in steps:
        try:
            order = await move_order(db, actor, order["_id"], to)
        except RuleError:
            break  # already done by an earlier run
        written = True
    progress.wrote(int(written))  # the order, created or moved on (its stock moves with it)


async def seed_market(db: Database, passwords: Passwords, *, anchor: datetime) -> None:
    farmers = farmer_documents("", anchor)
    missing = [f for f in farmers if not await db.users.find_one({"_id": f["_id"]}, {"_id": 1})]
    if missing:
        password_hash = await passwords.hash(DEMO_FARMER_PASSWORD)  # one hash, shared: demo only
        await insert_missing(db.users, [f | {"passwordHash": password_hash} for f in missing])
    listings = listing_documents(farmers, anchor)
    await insert_missing(db.listings, listings)
    demo_buyer = await db.users.find_one({"phone": "13800000001"}, {"_id": 1})  # 王建国
    buyers = [farmers[(n * 7 + 3) % len(farmers)]["_id"] for n in range(len(STATES) * 8)]
    for n in range(len(STATES) * 8):
        listing = listings[n * 5]
        buyer = demo_buyer["_id"] if demo_buyer and n % 4 == 0 else buyers[n]
        if buyer == listing["sellerId"]:
            buyer = farmers[(n + 1) % len(farmers)]["_id"]
        await _order_in_state(db, n, listing, buyer, STATES[n % len(STATES)])
