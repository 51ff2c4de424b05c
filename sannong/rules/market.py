"""Marketplace rules, callable without GraphQL: stock, orders and their transitions.

Stock lives on the listing as `quantityAvailable`; an open order (PENDING or
ACCEPTED) holds its quantity as reserved, a COMPLETED one as sold. So for every
listing, at every moment:

    quantityAvailable + Σ open orders + Σ completed orders = stock ever offered

Stock changes are single conditional updates (`quantityAvailable >= q`), which
is what keeps it from ever going negative under concurrent buyers. An order's
status changes with a conditional update on its current status, so of two
concurrent transitions only one wins and stock is returned exactly once.
"""

import hashlib
from datetime import UTC, datetime
from enum import Enum
from typing import Any

import strawberry
from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from sannong.errors import Conflict, Forbidden
from sannong.integrations.events import Topic, publish
from sannong.types.common import UserErrorCode, UserErrors


@strawberry.enum(description="Where a listing stands")
class ListingStatus(Enum):
    ACTIVE = "ACTIVE"
    SOLD_OUT = "SOLD_OUT"  # no stock left; ACTIVE again when stock returns
    CLOSED = "CLOSED"  # the seller ended it
    HIDDEN = "HIDDEN"  # an admin hid it after reports


@strawberry.enum(description="Where an order stands")
class OrderStatus(Enum):
    PENDING = "PENDING"  # stock reserved, waiting for the seller
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    CANCELLED = "CANCELLED"
    COMPLETED = "COMPLETED"


OPEN_STATUSES = (OrderStatus.PENDING.value, OrderStatus.ACCEPTED.value)
ORDERABLE = (ListingStatus.ACTIVE.value, ListingStatus.SOLD_OUT.value)


def now() -> datetime:
    return datetime.now(UTC)


async def settle_status(db: AsyncDatabase, listing_id: ObjectId) -> None:
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


async def reserve_stock(
    db: AsyncDatabase, listing_id: ObjectId, quantity: int
) -> dict[str, Any] | None:
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


async def return_stock(db: AsyncDatabase, listing_id: ObjectId, quantity: int) -> None:
    await db.listings.update_one(
        {"_id": listing_id}, {"$inc": {"quantityAvailable": quantity}, "$set": {"updatedAt": now()}}
    )
    await settle_status(db, listing_id)


def _fingerprint(listing_id: ObjectId, quantity: int, note: str | None) -> str:
    return hashlib.sha256(f"{listing_id}|{quantity}|{note or ''}".encode()).hexdigest()


async def _replay(
    db: AsyncDatabase, buyer_id: ObjectId, key: str, fingerprint: str
) -> dict[str, Any] | None:
    """The order an earlier request with this key placed; another input with it is a conflict."""
    order = await db.orders.find_one({"buyerId": buyer_id, "idempotencyKey": key})
    if order is not None and order["fingerprint"] != fingerprint:
        raise Conflict("该幂等键已用于另一笔不同的订单", field="idempotencyKey")
    return order


async def place_order(
    db: AsyncDatabase,
    *,
    buyer_id: ObjectId,
    listing_id: ObjectId,
    quantity: int,
    idempotency_key: str,
    note: str | None = None,
    max_open_orders: int = 20,
) -> dict[str, Any]:
    """Reserves stock and records the order; a retry with the same key returns the first order."""
    if quantity < 1:  # the API checks it too; the rule must hold for every caller
        raise UserErrors.one("quantity", "购买数量应大于 0", UserErrorCode.INVALID)
    fingerprint = _fingerprint(listing_id, quantity, note)
    if (order := await _replay(db, buyer_id, idempotency_key, fingerprint)) is not None:
        return order
    listing = await db.listings.find_one({"_id": listing_id})
    if listing is None:
        raise UserErrors.one("listingId", "商品不存在", UserErrorCode.NOT_FOUND)
    if listing["sellerId"] == buyer_id:
        raise UserErrors.one("listingId", "不能购买自己发布的商品", UserErrorCode.OWN_LISTING)
    if listing["status"] not in ORDERABLE:
        raise UserErrors.one("listingId", "该商品已下架", UserErrorCode.NOT_AVAILABLE)
    if quantity < listing["minOrder"]:
        raise UserErrors.one(
            "quantity",
            f"起订量为 {listing['minOrder']}{listing['unit']}",
            UserErrorCode.BELOW_MINIMUM,
        )
    # A soft cap: concurrent orders of one buyer may pass it by a few, which is harmless.
    open_orders = await db.orders.count_documents(
        {"buyerId": buyer_id, "status": {"$in": list(OPEN_STATUSES)}}
    )
    if open_orders >= max_open_orders:
        raise UserErrors.one(
            None,
            f"未完成的订单已达 {max_open_orders} 笔，请先处理已有订单",
            UserErrorCode.TOO_MANY_OPEN_ORDERS,
        )
    reserved = await reserve_stock(db, listing_id, quantity)
    if reserved is None:
        current = await db.listings.find_one({"_id": listing_id}, {"status": 1})
        if current is None or current["status"] not in ORDERABLE:
            raise UserErrors.one("listingId", "该商品已下架", UserErrorCode.NOT_AVAILABLE)
        raise UserErrors.one("quantity", "库存不足", UserErrorCode.SOLD_OUT)
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
        "idempotencyKey": idempotency_key,
        "fingerprint": fingerprint,
        "createdAt": at,
        "updatedAt": at,
    }
    try:
        result = await db.orders.insert_one(order)
    except DuplicateKeyError:
        # A concurrent retry with the same key won the race: give the stock back, answer as it.
        await return_stock(db, listing_id, quantity)
        replayed = await _replay(db, buyer_id, idempotency_key, fingerprint)
        assert replayed is not None
        return replayed
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


def check_party(order: dict[str, Any], actor_id: ObjectId, party: str) -> None:
    allowed = {
        "seller": (order["sellerId"],),
        "buyer": (order["buyerId"],),
        "either": (order["sellerId"], order["buyerId"]),
    }[party]
    if actor_id not in allowed:
        raise Forbidden("只有订单的买家或卖家可以操作")


async def _announce(db: AsyncDatabase, order: dict[str, Any]) -> None:
    """Buyer and seller hear of a new order or a step of it; a replay changes nothing and
    so announces nothing."""
    await publish(db, Topic.ORDERS, {order["buyerId"], order["sellerId"]}, [order["_id"]])


async def move_order(
    db: AsyncDatabase,
    order: dict[str, Any],
    to: OrderStatus,
    actor_id: ObjectId,
    reason: str | None = None,
) -> dict[str, Any]:
    """One allowed transition, recorded with time and actor; stock goes back on reject/cancel."""
    source, party = TRANSITIONS[to]
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
        raise UserErrors.one("orderId", _REFUSALS[to], UserErrorCode.INVALID_TRANSITION)
    if to in _RETURNS_STOCK:
        await return_stock(db, order["listingId"], order["quantity"])
    elif to is OrderStatus.COMPLETED:
        await db.listings.update_one(
            {"_id": order["listingId"]}, {"$inc": {"quantitySold": order["quantity"]}}
        )
    await _announce(db, moved)
    return moved
