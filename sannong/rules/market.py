"""Marketplace vocabulary and stock, shared by `rules.listings` and `rules.orders`.

Stock lives on the listing as `quantityAvailable`, and so does the record of who holds
the rest: `holds`, one entry per open order (its id, the buyer's idempotency key, the
quantity). Taking stock and recording the hold is one conditional update of the listing
(`quantityAvailable >= q`, no hold with this key yet); giving it back (cancel, reject) or
selling it (complete) is one conditional update on the hold being there (SOLD_OUT and
ACTIVE follow in a second, conditional one). So for every
listing, at every moment, whatever request timed out or process died between two steps:

    quantityAvailable + Σ holds + quantitySold = stock ever offered

and a step repeated moves no stock twice. The order documents follow their holds: an
order is stored after its hold is taken and changes status before its hold is released;
a request interrupted between the two is finished by its retry (same idempotency key) or
by `rules.orders.repair_holds`, so Σ open orders = Σ holds once nothing is under way.
"""

from datetime import datetime, timedelta
from enum import Enum, StrEnum
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument

from sannong.auth import Viewer
from sannong.clock import now
from sannong.db import Database, Document

MAX_QUANTITY = 10_000_000
# Longer than any request takes between taking stock and storing its order: a hold older
# than this without its order was left by a request that stopped (`rules.orders.repair_holds`).
HOLD_GRACE = timedelta(minutes=2)


class ListingStatus(Enum):
    ACTIVE = "ACTIVE"
    SOLD_OUT = "SOLD_OUT"  # no stock left; ACTIVE again when stock returns
    CLOSED = "CLOSED"  # the seller ended it
    HIDDEN = "HIDDEN"  # an admin hid it after reports


class ListingCategory(Enum):
    GRAIN = "GRAIN"  # 粮油
    VEGETABLE = "VEGETABLE"  # 蔬菜
    FRUIT = "FRUIT"  # 水果
    LIVESTOCK = "LIVESTOCK"  # 畜禽
    AQUATIC = "AQUATIC"  # 水产
    EGG_DAIRY = "EGG_DAIRY"  # 蛋奶
    SPECIALTY = "SPECIALTY"  # 土特产
    OTHER = "OTHER"


class OrderStatus(Enum):
    PENDING = "PENDING"  # stock reserved, waiting for the seller
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    CANCELLED = "CANCELLED"
    COMPLETED = "COMPLETED"


class OrderRole(Enum):
    BUYER = "BUYER"
    SELLER = "SELLER"


class ListingErrorCode(StrEnum):
    SOLD_OUT = "SOLD_OUT"
    NOT_AVAILABLE = "NOT_AVAILABLE"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    ALREADY_REPORTED = "ALREADY_REPORTED"


class OrderErrorCode(StrEnum):
    SOLD_OUT = "SOLD_OUT"
    NOT_AVAILABLE = "NOT_AVAILABLE"
    OWN_LISTING = "OWN_LISTING"
    BELOW_MINIMUM = "BELOW_MINIMUM"
    TOO_MANY_OPEN_ORDERS = "TOO_MANY_OPEN_ORDERS"
    INVALID_TRANSITION = "INVALID_TRANSITION"


OPEN_STATUSES = (OrderStatus.PENDING.value, OrderStatus.ACCEPTED.value)
ORDERABLE = (ListingStatus.ACTIVE.value, ListingStatus.SOLD_OUT.value)

# Ready-made phrases for people who find typing hard; tap to add to the description.
PHRASES: dict[ListingCategory | None, list[str]] = {
    None: [
        "自家种植，品质有保证",
        "新鲜采摘，当天发货",
        "可以上门自提",
        "量大从优，欢迎批发",
        "支持先验货后付款",
        "本地可送货上门",
        "欢迎电话咨询",
    ],
    ListingCategory.VEGETABLE: ["大棚种植，无农药残留", "早上现摘，保证新鲜"],
    ListingCategory.FRUIT: ["树上熟，口感甜", "个头均匀，可以挑选", "坏果包赔"],
    ListingCategory.GRAIN: ["今年新粮，颗粒饱满", "晒干扬净，水分低"],
    ListingCategory.LIVESTOCK: ["散养土鸡，吃粮食长大", "已检疫，手续齐全"],
    ListingCategory.AQUATIC: ["活鲜现捞", "自家鱼塘养殖"],
    ListingCategory.EGG_DAIRY: ["散养土鸡蛋，蛋黄颜色深", "当天的鲜蛋"],
    ListingCategory.SPECIALTY: ["本地特产，老手艺制作", "适合送礼"],
}


def phrases_for(category: ListingCategory | None) -> list[str]:
    return PHRASES[None] + (PHRASES.get(category, []) if category else [])


def listing_visible_to(viewer: Viewer | None, doc: dict[str, Any]) -> bool:
    """A hidden listing is seen only by its seller and the admins of its region."""
    if doc["status"] != ListingStatus.HIDDEN.value:
        return True
    return viewer is not None and (viewer.id == doc["sellerId"] or viewer.administers(doc["path"]))


def order_visible_to(viewer: Viewer | None, doc: dict[str, Any]) -> bool:
    """Only the two parties see an order."""
    return viewer is not None and order_visible_to_id(viewer.id, doc)


def order_visible_to_id(person_id: ObjectId, doc: dict[str, Any]) -> bool:
    return person_id in (doc["buyerId"], doc["sellerId"])


def parties_see_phones(viewer: Viewer | None, order: dict[str, Any]) -> bool:
    """Once the seller accepts, buyer and seller call each other to arrange delivery."""
    return order["status"] == OrderStatus.ACCEPTED.value and order_visible_to(viewer, order)


async def settle_status(db: Database, listing_id: ObjectId) -> None:
    """SOLD_OUT at zero stock, ACTIVE when stock is back; conditional, so races settle."""
    await db.listings.update_one(
        {"_id": listing_id, "status": ListingStatus.ACTIVE.value, "quantityAvailable": 0},
        {"$set": {"status": ListingStatus.SOLD_OUT.value}},
    )
    await db.listings.update_one(
        {
            "_id": listing_id,
            "status": ListingStatus.SOLD_OUT.value,
            "quantityAvailable": {"$gt": 0},
        },
        {"$set": {"status": ListingStatus.ACTIVE.value}},
    )


async def _settle_if_needed(db: Database, listing: Document | None) -> None:
    """After a stock move: the status follows the stock (a status left behind by an
    interrupted request is put right by the next move)."""
    if listing is None or listing["status"] not in ORDERABLE:
        return
    sold_out = listing["quantityAvailable"] == 0
    if sold_out != (listing["status"] == ListingStatus.SOLD_OUT.value):
        await settle_status(db, listing["_id"])


# What a stock move reads back: the embedded server's cost grows with what it sends.
_STATUS = {"quantityAvailable": 1, "status": 1}
_AFTER_RESERVE = _STATUS | {"holds.orderId": 1}  # the age of every hold, for repairs


def listing_for_order(key: str) -> Document:
    """The fields placing an order reads, and of the holds only the one with this key."""
    fields = ("sellerId", "status", "minOrder", "unit", "priceFen", "title", "path")
    return dict.fromkeys(fields, 1) | {"holds": {"$elemMatch": {"key": key}}}


def hold_taken_at(hold: Document) -> datetime:
    """When the hold was taken: its order's id is made then. (Holds stay small, and the
    embedded server's cost grows with the size of a document.)"""
    taken: datetime = hold["orderId"].generation_time
    return taken


def hold_key(buyer_id: ObjectId, idempotency_key: str) -> str:
    return f"{buyer_id}:{idempotency_key}"


def hold_of(listing: Document | None, key: str) -> Document | None:
    """The hold an attempt with this key took on the listing, if it is still there."""
    holds = (listing or {}).get("holds") or []
    return next((hold for hold in holds if hold["key"] == key), None)


async def reserve_stock(
    db: Database, listing_id: ObjectId, quantity: int, hold: Document
) -> Document | None:
    """Takes `quantity` from the stock and records who holds it (`hold`: a new orderId, the
    key, and what a retry needs to store the order) in one conditional update of the
    listing; None if there is not enough stock or a hold with this key is already there.
    The listing comes back with its stock, status and holds' order ids only."""
    at = now()
    listing = await db.listings.find_one_and_update(
        {
            "_id": listing_id,
            "status": {"$in": list(ORDERABLE)},
            "quantityAvailable": {"$gte": quantity},
            "holds.key": {"$ne": hold["key"]},
        },
        {
            "$inc": {"quantityAvailable": -quantity},
            "$push": {"holds": hold | {"quantity": quantity}},
            "$set": {"updatedAt": at},
        },
        projection=_AFTER_RESERVE,
        return_document=ReturnDocument.AFTER,
    )
    await _settle_if_needed(db, listing)
    return listing


async def release_stock(
    db: Database, listing_id: ObjectId, order_id: ObjectId, quantity: int, *, sold: bool = False
) -> bool:
    """The order's hold goes back to the stock (or, `sold`, into the sold count) in one
    conditional update on the hold being there: run twice, it moves the stock once."""
    listing = await db.listings.find_one_and_update(
        {"_id": listing_id, "holds.orderId": order_id},
        {
            "$inc": {"quantitySold" if sold else "quantityAvailable": quantity},
            "$pull": {"holds": {"orderId": order_id}},
            "$set": {"updatedAt": now()},
        },
        projection=_STATUS,
        return_document=ReturnDocument.AFTER,
    )
    await _settle_if_needed(db, listing)
    return listing is not None


async def return_unheld_stock(db: Database, listing_id: ObjectId, quantity: int) -> None:
    """Orders placed before holds were recorded on the listing give their stock back as they
    took it, without a record."""
    await db.listings.update_one(
        {"_id": listing_id}, {"$inc": {"quantityAvailable": quantity}, "$set": {"updatedAt": now()}}
    )
    await settle_status(db, listing_id)
