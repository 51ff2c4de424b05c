"""Marketplace rules, callable without GraphQL: listings, stock, orders and moderation.

Stock lives on the listing as `quantityAvailable`; an open order (PENDING or
ACCEPTED) holds its quantity as reserved, a COMPLETED one as sold. So for every
listing, at every moment:

    quantityAvailable + Σ open orders + Σ completed orders = stock ever offered

Stock changes are single conditional updates (`quantityAvailable >= q`), which
is what keeps it from ever going negative under concurrent buyers. An order's
status changes with a conditional update on its current status, so of two
concurrent transitions only one wins and stock is returned exactly once.
"""

import asyncio
import hashlib
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from sannong.auth import Viewer, require_admin_of
from sannong.clock import now
from sannong.db import Database
from sannong.errors import Conflict, Forbidden, InputErrorCode, NotFound, RuleError
from sannong.integrations.events import Topic, publish
from sannong.loaders import HasLoaders
from sannong.media import PhotoErrorCode, PhotoStore, store_photos
from sannong.money import MAX_PRICE_FEN, yuan_to_fen
from sannong.rules.regions import RegionLevel, region_of_input
from sannong.text import tokens
from sannong.validation import Checks

MAX_QUANTITY = 10_000_000
IDEMPOTENCY_KEY_LENGTH = (8, 64)
CLAIM_POLL_SECONDS = 0.05
CLAIM_WAITS = 200  # ten seconds: far longer than placing an order takes
CLAIM_STALE_AFTER = timedelta(seconds=30)


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


@dataclass(frozen=True)
class ListingDraft:
    """What a seller writes; on an update, None leaves the field as it is."""

    commodity: str | None = None
    title: str | None = None
    description: str | None = None
    unit: str | None = None
    category: ListingCategory | None = None
    price: Decimal | None = None
    quantity: int | None = None
    min_order: int | None = None


def _count(checks: Checks, field: str, value: int, label: str) -> int:
    if not 1 <= value <= MAX_QUANTITY:
        checks.fail(field, f"{label}应在 1 到 {MAX_QUANTITY} 之间")
    return value


def _checked_fields(checks: Checks, draft: ListingDraft) -> dict[str, Any]:
    """The document fields a draft sets, each checked; failures go to `checks`."""
    fields: dict[str, Any] = {
        "commodity": checks.text("commodity", draft.commodity, label="品名", max_length=20),
        "title": checks.text("title", draft.title, label="标题", max_length=40),
        "description": checks.text(
            "description", draft.description, label="描述", max_length=500, min_length=0
        ),
        "unit": checks.text("unit", draft.unit, label="单位", max_length=8),
    }
    if draft.category is not None:
        fields["category"] = draft.category.value
    if draft.price is not None:
        fen = yuan_to_fen(draft.price)
        if fen is None:
            checks.fail("price", "价格最多保留两位小数")
        elif not 0 < fen <= MAX_PRICE_FEN:
            checks.fail("price", f"价格应大于 0 且不超过 {MAX_PRICE_FEN // 100} 元")
        fields["priceFen"] = fen
    if draft.quantity is not None:
        fields["quantityAvailable"] = _count(checks, "quantity", draft.quantity, "数量")
    if draft.min_order is not None:
        fields["minOrder"] = _count(checks, "minOrder", draft.min_order, "起订量")
    return {key: value for key, value in fields.items() if value is not None}


def _search_tokens(doc: dict[str, Any]) -> list[str]:
    return tokens(doc["commodity"], doc["title"], doc.get("description"))


def listing_document(
    *,
    seller_id: ObjectId,
    village: dict[str, Any],
    fields: dict[str, Any],
    photos: list[dict[str, Any]],
    at: Any,
) -> dict[str, Any]:
    """A new listing as stored; `fields` are checked draft fields (used by the seed too)."""
    doc = {
        "sellerId": seller_id,
        "category": None,
        "description": "",
        "quantitySold": 0,
        "minOrder": 1,
        **fields,
        "regionId": village["_id"],
        "path": village["path"],
        "photos": photos,
        "status": ListingStatus.ACTIVE.value,
        "reportCount": 0,
        "createdAt": at,
        "updatedAt": at,
    }
    doc["searchTokens"] = _search_tokens(doc)
    return doc


async def create_listing(
    db: Database,
    context: HasLoaders,
    store: PhotoStore,
    *,
    seller: Viewer,
    village_code: str,
    draft: ListingDraft,
    photos: list[bytes],
    photo_limit: int,
    photo_max_bytes: int,
) -> dict[str, Any]:
    """A new listing in a village (default: the seller's), photos checked before anything."""
    checks = Checks()
    fields = _checked_fields(checks, draft)
    if not checks.errors and fields["minOrder"] > fields["quantityAvailable"]:
        checks.fail("minOrder", "起订量不能大于数量")
    village = await region_of_input(
        context, village_code, checks, "villageId", level=RegionLevel.VILLAGE
    )
    checks.raise_if_any()
    assert village is not None
    stored = await store_photos(
        store, photos, already=0, limit=photo_limit, max_bytes=photo_max_bytes
    )
    doc = listing_document(
        seller_id=seller.id,
        village=village,
        fields=fields,
        photos=[photo.doc for photo in stored],
        at=now(),
    )
    doc["_id"] = (await db.listings.insert_one(doc)).inserted_id
    return doc


async def find_listing(db: Database, listing_id: ObjectId | None) -> dict[str, Any]:
    doc = None if listing_id is None else await db.listings.find_one({"_id": listing_id})
    if doc is None:
        raise NotFound("商品不存在", field="listingId")
    return doc


async def own_listing(db: Database, seller: Viewer, listing_id: ObjectId | None) -> dict[str, Any]:
    doc = await find_listing(db, listing_id)
    if doc["sellerId"] != seller.id:
        raise Forbidden("只能修改自己发布的商品")
    return doc


async def _current(db: Database, listing_id: ObjectId) -> dict[str, Any]:
    doc = await db.listings.find_one({"_id": listing_id})
    assert doc is not None  # listings are never deleted
    return doc


async def update_listing(
    db: Database,
    seller: Viewer,
    listing_id: ObjectId | None,
    draft: ListingDraft,
    add_quantity: int | None,
) -> dict[str, Any]:
    """Changes fields; stock only relatively (`add_quantity`), so an edit never races orders."""
    listing = await own_listing(db, seller, listing_id)
    checks = Checks()
    changes = _checked_fields(checks, draft)
    if add_quantity == 0:
        checks.fail("addQuantity", "数量变化不能为 0")
    if listing["status"] == ListingStatus.CLOSED.value:
        checks.fail("listingId", "商品已下架，不能修改", ListingErrorCode.NOT_AVAILABLE)
    checks.raise_if_any()
    if changes.keys() & {"commodity", "title", "description"}:
        changes["searchTokens"] = _search_tokens(listing | changes)
    delta = add_quantity or 0
    updated = await db.listings.find_one_and_update(
        # Taking stock away needs that much unreserved stock, checked in the same update.
        {"_id": listing["_id"], "quantityAvailable": {"$gte": max(0, -delta)}},
        {"$set": changes | {"updatedAt": now()}, "$inc": {"quantityAvailable": delta}},
        return_document=ReturnDocument.AFTER,
    )
    if updated is None:
        raise RuleError("addQuantity", "可售数量不足，无法减少这么多", ListingErrorCode.SOLD_OUT)
    if delta:
        await settle_status(db, listing["_id"])
        updated = await _current(db, listing["_id"])
    return updated


async def close_listing(
    db: Database, seller: Viewer, listing_id: ObjectId | None
) -> dict[str, Any]:
    """The seller ends a listing; open orders stay to be handled."""
    listing = await own_listing(db, seller, listing_id)
    closed = await db.listings.find_one_and_update(
        {"_id": listing["_id"]},
        {"$set": {"status": ListingStatus.CLOSED.value, "updatedAt": now()}},
        return_document=ReturnDocument.AFTER,
    )
    assert closed is not None
    return closed


async def add_listing_photos(
    db: Database,
    store: PhotoStore,
    seller: Viewer,
    listing_id: ObjectId | None,
    photos: list[bytes],
    *,
    limit: int,
    max_bytes: int,
) -> dict[str, Any]:
    listing = await own_listing(db, seller, listing_id)
    if not photos:
        return listing
    already = len(listing.get("photos", []))
    stored = await store_photos(store, photos, already=already, limit=limit, max_bytes=max_bytes)
    updated = await db.listings.find_one_and_update(
        # Concurrent uploads cannot pass the limit: room is checked in the same update.
        {"_id": listing["_id"], f"photos.{limit - len(stored)}": {"$exists": False}},
        {"$push": {"photos": {"$each": [photo.doc for photo in stored]}}},
        return_document=ReturnDocument.AFTER,
    )
    if updated is None:
        raise RuleError("photos", f"最多上传 {limit} 张照片", PhotoErrorCode.TOO_MANY_PHOTOS)
    return updated


async def remove_listing_photo(
    db: Database, seller: Viewer, listing_id: ObjectId | None, photo_key: str
) -> dict[str, Any]:
    listing = await own_listing(db, seller, listing_id)
    updated = await db.listings.find_one_and_update(
        {"_id": listing["_id"]},
        {"$pull": {"photos": {"key": photo_key}}},
        return_document=ReturnDocument.AFTER,
    )
    assert updated is not None
    return updated


async def report_listing(
    db: Database, reporter: Viewer, listing_id: ObjectId | None, reason: str
) -> dict[str, Any]:
    """Anyone signed in reports a listing to its region's admins, once."""
    listing = await find_listing(db, listing_id)
    checks = Checks()
    reason = checks.text("reason", reason, label="举报理由", max_length=200) or ""
    checks.raise_if_any()
    try:
        await db.listing_reports.insert_one(
            {
                "listingId": listing["_id"],
                "reporterId": reporter.id,
                "reason": reason,
                "createdAt": now(),
            }
        )
    except DuplicateKeyError:
        raise RuleError(
            "listingId", "您已举报过该商品", ListingErrorCode.ALREADY_REPORTED
        ) from None
    await db.listings.update_one({"_id": listing["_id"]}, {"$inc": {"reportCount": 1}})
    return listing


async def moderate_listing(
    db: Database,
    viewer: Viewer | None,
    listing_id: ObjectId | None,
    *,
    hide: bool,
    reason: str | None,
) -> dict[str, Any]:
    """Admins of the region hide a listing, or show a hidden one again."""
    listing = await find_listing(db, listing_id)
    admin = require_admin_of(viewer, listing["path"])
    checks = Checks()
    reason = checks.text("reason", reason, label="原因", max_length=200, min_length=0)
    checks.raise_if_any()
    source = list(ORDERABLE) if hide else [ListingStatus.HIDDEN.value]
    # Restored as ACTIVE; settle_status makes it SOLD_OUT when there is no stock.
    target = ListingStatus.HIDDEN if hide else ListingStatus.ACTIVE
    event = {"action": "HIDE" if hide else "RESTORE", "at": now(), "actorId": admin.id}
    moved = await db.listings.find_one_and_update(
        {"_id": listing["_id"], "status": {"$in": source}},
        {
            "$set": {"status": target.value, "updatedAt": event["at"]},
            "$push": {"moderation": event | {"reason": reason or None}},
        },
        return_document=ReturnDocument.AFTER,
    )
    if moved is None:
        message = "只能隐藏在售的商品" if hide else "该商品没有被隐藏"
        raise RuleError("listingId", message, ListingErrorCode.INVALID_TRANSITION)
    if not hide:
        await settle_status(db, listing["_id"])
        moved = await _current(db, listing["_id"])
    return moved


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


async def reserve_stock(db: Database, listing_id: ObjectId, quantity: int) -> dict[str, Any] | None:
    """Takes `quantity` from the stock in one conditional update, or None if there is not enough."""
    listing = await db.listings.find_one_and_update(
        {
            "_id": listing_id,
            "status": {"$in": list(ORDERABLE)},
            "quantityAvailable": {"$gte": quantity},
        },
        {"$inc": {"quantityAvailable": -quantity}, "$set": {"updatedAt": now()}},
        return_document=ReturnDocument.AFTER,
    )
    if listing is not None and listing["quantityAvailable"] == 0:
        await settle_status(db, listing_id)
    return listing


async def return_stock(db: Database, listing_id: ObjectId, quantity: int) -> None:
    await db.listings.update_one(
        {"_id": listing_id}, {"$inc": {"quantityAvailable": quantity}, "$set": {"updatedAt": now()}}
    )
    await settle_status(db, listing_id)


def _fingerprint(listing_id: ObjectId, quantity: int, note: str | None) -> str:
    return hashlib.sha256(f"{listing_id}|{quantity}|{note or ''}".encode()).hexdigest()


async def _replay(
    db: Database, buyer_id: ObjectId, key: str, fingerprint: str
) -> dict[str, Any] | None:
    """The order an earlier request with this key placed; another input with it is a conflict."""
    order = await db.orders.find_one({"buyerId": buyer_id, "idempotencyKey": key})
    if order is not None and order["fingerprint"] != fingerprint:
        raise Conflict("该幂等键已用于另一笔不同的订单", field="idempotencyKey")
    return order


def _check_order_input(quantity: int, key: str, note: str | None) -> str | None:
    checks = Checks()
    if not 1 <= quantity <= MAX_QUANTITY:
        checks.fail("quantity", "购买数量应大于 0")
    low, high = IDEMPOTENCY_KEY_LENGTH
    if not (low <= len(key) <= high and key.isascii() and key.isprintable()):
        checks.fail("idempotencyKey", f"幂等键应为 {low} 到 {high} 个 ASCII 字符")
    note = checks.text("note", note, label="留言", max_length=200, min_length=0)
    checks.raise_if_any()
    return note or None


async def place_order(
    db: Database,
    *,
    buyer_id: ObjectId,
    listing_id: ObjectId | None,
    quantity: int,
    idempotency_key: str,
    note: str | None = None,
    max_open_orders: int = 20,
) -> dict[str, Any]:
    """Reserves stock and records the order; a retry with the same key returns the first order.

    The key is claimed (a unique document) before any stock moves, so concurrent
    retries wait for the first call and answer with its order: a replay never
    reserves stock, never answers SOLD_OUT for an order that exists, never refuses
    other buyers in passing.
    """
    note = _check_order_input(quantity, idempotency_key, note)
    if listing_id is None:
        raise RuleError("listingId", "商品不存在", InputErrorCode.NOT_FOUND)
    fingerprint = _fingerprint(listing_id, quantity, note)
    claim = {"_id": f"order:{buyer_id}:{idempotency_key}", "fingerprint": fingerprint}
    for _ in range(CLAIM_WAITS):
        if (order := await _replay(db, buyer_id, idempotency_key, fingerprint)) is not None:
            return order
        try:
            await db.idempotency_claims.insert_one(claim | {"createdAt": now()})
        except DuplicateKeyError:
            # Another call with this key is at work; a claim left by a crashed process goes.
            stale = now() - CLAIM_STALE_AFTER
            await db.idempotency_claims.delete_one(
                {"_id": claim["_id"], "createdAt": {"$lt": stale}}
            )
            await asyncio.sleep(CLAIM_POLL_SECONDS)
            continue
        try:
            return await _place_claimed(
                db,
                buyer_id,
                listing_id,
                quantity,
                idempotency_key,
                note,
                fingerprint,
                max_open_orders,
            )
        finally:
            await db.idempotency_claims.delete_one({"_id": claim["_id"]})
    raise Conflict("同一笔订单正在处理中，请稍后再试", field="idempotencyKey")


async def _place_claimed(
    db: Database,
    buyer_id: ObjectId,
    listing_id: ObjectId,
    quantity: int,
    key: str,
    note: str | None,
    fingerprint: str,
    max_open_orders: int,
) -> dict[str, Any]:
    listing = await db.listings.find_one({"_id": listing_id})
    if listing is None:
        raise RuleError("listingId", "商品不存在", InputErrorCode.NOT_FOUND)
    if listing["sellerId"] == buyer_id:
        raise RuleError("listingId", "不能购买自己发布的商品", OrderErrorCode.OWN_LISTING)
    if listing["status"] not in ORDERABLE:
        raise RuleError("listingId", "该商品已下架", OrderErrorCode.NOT_AVAILABLE)
    if quantity < listing["minOrder"]:
        raise RuleError(
            "quantity",
            f"起订量为 {listing['minOrder']}{listing['unit']}",
            OrderErrorCode.BELOW_MINIMUM,
        )
    # A soft cap: concurrent orders of one buyer may pass it by a few, which is harmless.
    open_orders = await db.orders.count_documents(
        {"buyerId": buyer_id, "status": {"$in": list(OPEN_STATUSES)}}
    )
    if open_orders >= max_open_orders:
        raise RuleError(
            None,
            f"未完成的订单已达 {max_open_orders} 笔，请先处理已有订单",
            OrderErrorCode.TOO_MANY_OPEN_ORDERS,
        )
    reserved = await reserve_stock(db, listing_id, quantity)
    if reserved is None:
        current = await db.listings.find_one({"_id": listing_id}, {"status": 1})
        if current is None or current["status"] not in ORDERABLE:
            raise RuleError("listingId", "该商品已下架", OrderErrorCode.NOT_AVAILABLE)
        raise RuleError("quantity", "库存不足", OrderErrorCode.SOLD_OUT)
    at = now()
    order = {
        "listingId": listing_id,
        "sellerId": listing["sellerId"],
        "buyerId": buyer_id,
        "title": listing["title"],
        "unit": listing["unit"],
        "quantity": quantity,
        "unitPriceFen": reserved["priceFen"],
        "totalFen": reserved["priceFen"] * quantity,
        "note": note,
        "status": OrderStatus.PENDING.value,
        "history": [{"status": OrderStatus.PENDING.value, "at": at, "actorId": buyer_id}],
        "idempotencyKey": key,
        "fingerprint": fingerprint,
        "createdAt": at,
        "updatedAt": at,
    }
    try:
        result = await db.orders.insert_one(order)
    except BaseException:
        await return_stock(db, listing_id, quantity)  # the reservation must not outlive a failure
        raise
    order["_id"] = result.inserted_id
    await _announce(db, order)
    return order


# Who may move an order from which status to which, and whether stock goes back.
TRANSITIONS: dict[OrderStatus, tuple[OrderStatus, str]] = {
    OrderStatus.ACCEPTED: (OrderStatus.PENDING, "seller"),
    OrderStatus.REJECTED: (OrderStatus.PENDING, "seller"),
    OrderStatus.CANCELLED: (OrderStatus.PENDING, "buyer"),
    OrderStatus.COMPLETED: (OrderStatus.ACCEPTED, "either"),
}
_RETURNS_STOCK = frozenset({OrderStatus.REJECTED, OrderStatus.CANCELLED})
_REFUSALS = {
    OrderStatus.ACCEPTED: "只能接受待确认的订单",
    OrderStatus.REJECTED: "只能拒绝待确认的订单",
    OrderStatus.CANCELLED: "卖家确认后不能取消订单",
    OrderStatus.COMPLETED: "只能完成已确认的订单",
}
_WRONG_PARTY = {
    "seller": "只有卖家可以接受或拒绝订单",
    "buyer": "只有买家可以取消订单",
    "either": "只有订单的买家或卖家可以操作",
}


def check_party(order: dict[str, Any], actor_id: ObjectId, party: str) -> None:
    allowed = {
        "seller": (order["sellerId"],),
        "buyer": (order["buyerId"],),
        "either": (order["sellerId"], order["buyerId"]),
    }[party]
    if actor_id not in allowed:
        raise Forbidden(_WRONG_PARTY[party])


async def find_order(db: Database, order_id: ObjectId | None) -> dict[str, Any]:
    doc = None if order_id is None else await db.orders.find_one({"_id": order_id})
    if doc is None:
        raise NotFound("订单不存在", field="orderId")
    return doc


async def _announce(db: Database, order: dict[str, Any]) -> None:
    """Buyer and seller hear of a new order or a step of it; a replay changes nothing and
    so announces nothing."""
    await publish(db, Topic.ORDERS, {order["buyerId"], order["sellerId"]}, [order["_id"]])


async def move_order(
    db: Database,
    actor_id: ObjectId,
    order_id: ObjectId | None,
    to: OrderStatus,
    reason: str | None = None,
) -> dict[str, Any]:
    """One allowed transition, recorded with time and actor; stock goes back on reject/cancel."""
    order = await find_order(db, order_id)
    checks = Checks()
    reason = checks.text("reason", reason, label="原因", max_length=200, min_length=0)
    checks.raise_if_any()
    source, party = TRANSITIONS[to]
    if not order_visible_to_id(actor_id, order):
        raise Forbidden(_WRONG_PARTY["either"])
    check_party(order, actor_id, party)
    at = now()
    event: dict[str, Any] = {"status": to.value, "at": at, "actorId": actor_id}
    if reason:
        event["reason"] = reason
    moved = await db.orders.find_one_and_update(
        {"_id": order["_id"], "status": source.value},
        {"$set": {"status": to.value, "updatedAt": at}, "$push": {"history": event}},
        return_document=ReturnDocument.AFTER,
    )
    if moved is None:
        raise RuleError("orderId", _REFUSALS[to], OrderErrorCode.INVALID_TRANSITION)
    if to in _RETURNS_STOCK:
        await return_stock(db, order["listingId"], order["quantity"])
    elif to is OrderStatus.COMPLETED:
        await db.listings.update_one(
            {"_id": order["listingId"]}, {"$inc": {"quantitySold": order["quantity"]}}
        )
    await _announce(db, moved)
    return moved
