"""Orders: placing one with an idempotency key, and the allowed steps after it.

An order's status changes with a conditional update on its current status, so of
two concurrent transitions only one wins and stock is returned exactly once."""

import hashlib
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument

from sannong.clock import now
from sannong.db import Database
from sannong.errors import Conflict, Forbidden, InputErrorCode, NotFound, RuleError
from sannong.integrations.events import Topic, publish
from sannong.rules.idempotency import once
from sannong.rules.market import (
    MAX_QUANTITY,
    OPEN_STATUSES,
    ORDERABLE,
    OrderErrorCode,
    OrderStatus,
    order_visible_to_id,
    reserve_stock,
    return_stock,
)
from sannong.validation import Checks

IDEMPOTENCY_KEY_LENGTH = (8, 64)
NOTE_MAX = 200  # the app's limits (frontend/src/limits.ts) are these numbers


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
    note = checks.text("note", note, label="留言", max_length=NOTE_MAX, min_length=0)
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
    return await once(
        db,
        f"order:{buyer_id}:{idempotency_key}",
        replay=lambda: _replay(db, buyer_id, idempotency_key, fingerprint),
        act=lambda: _place_claimed(
            db,
            buyer_id,
            listing_id,
            quantity,
            idempotency_key,
            note,
            fingerprint,
            max_open_orders,
        ),
        busy="同一笔订单正在处理中，请稍后再试",
    )


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
        "path": listing["path"],  # the listing's region: an admin's figures of its subtree
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
