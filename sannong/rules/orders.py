"""Orders: placing one with an idempotency key, and the allowed steps after it.

An order's status changes with a conditional update on its current status, so of
two concurrent transitions only one wins; its stock then moves by its hold on the
listing (`rules.market`), once however often the step is repeated. What a request
leaves half done when it stops between the order and the listing is finished by its
retry, by the order's next step, or by `repair_holds`."""

import hashlib
import logging
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from sannong.auth import Viewer
from sannong.clock import now
from sannong.db import Database, Document, find_by_id
from sannong.db.pagination import Page, paginate
from sannong.errors import Conflict, Forbidden, InputErrorCode, RuleError
from sannong.integrations.events import Topic, publish
from sannong.integrations.jobs import JobServices, schedule
from sannong.rules.market import (
    HOLD_GRACE,
    MAX_QUANTITY,
    OPEN_STATUSES,
    ORDERABLE,
    OrderErrorCode,
    OrderRole,
    OrderStatus,
    hold_key,
    hold_of,
    hold_taken_at,
    listing_for_order,
    order_visible_to_id,
    release_stock,
    reserve_stock,
    return_unheld_stock,
)
from sannong.validation import Checks

log = logging.getLogger("sannong.orders")

IDEMPOTENCY_KEY_LENGTH = (8, 64)
REPAIR_KIND = "stock_repair"
HOLD_FINGERPRINT = 16  # enough to tell one buyer's inputs under one key apart
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
    """Takes the stock and records the order; a retry with the same key answers with what
    the first attempt did, however far it got.

    The key is in the listing's hold (`rules.market.reserve_stock`) and in the order
    (unique per buyer), so attempts with one key, concurrent or one after another, take
    stock once and store one order: a retry finds the order, or the hold an interrupted
    attempt left and stores its order. A replay never takes stock, never answers
    SOLD_OUT for an order that exists and never refuses other buyers in passing.
    """
    note = _check_order_input(quantity, idempotency_key, note)
    if listing_id is None:
        raise RuleError("listingId", "商品不存在", InputErrorCode.NOT_FOUND)
    fingerprint = _fingerprint(listing_id, quantity, note)
    if (earlier := await _replay(db, buyer_id, idempotency_key, fingerprint)) is not None:
        return earlier
    key = hold_key(buyer_id, idempotency_key)
    listing = await db.listings.find_one({"_id": listing_id}, listing_for_order(key))
    if listing is None:
        raise RuleError("listingId", "商品不存在", InputErrorCode.NOT_FOUND)
    hold = hold_of(listing, key)
    if hold is None:
        hold = await _take_stock(db, listing, buyer_id, quantity, key, fingerprint, max_open_orders)
    if hold["fingerprint"] != fingerprint[:HOLD_FINGERPRINT]:
        raise Conflict("该幂等键已用于另一笔不同的订单", field="idempotencyKey")
    at = now()
    order = {
        "_id": hold["orderId"],
        "listingId": listing_id,
        "sellerId": listing["sellerId"],
        "buyerId": buyer_id,
        "path": listing["path"],  # the listing's region: an admin's figures of its subtree
        "title": listing["title"],
        "unit": listing["unit"],
        "quantity": quantity,
        "unitPriceFen": hold["priceFen"],
        "totalFen": hold["priceFen"] * quantity,
        "note": note,
        "status": OrderStatus.PENDING.value,
        "history": [{"status": OrderStatus.PENDING.value, "at": at, "actorId": buyer_id}],
        "idempotencyKey": idempotency_key,
        "fingerprint": fingerprint,
        "held": True,  # its stock is a hold on the listing (older orders took it unrecorded)
        "createdAt": at,
        "updatedAt": at,
    }
    # Should this fail or time out, the hold stays: whether the order was stored is not
    # known here, and the retry or `repair_holds` settles it either way.
    try:
        await db.orders.insert_one(order)
    except DuplicateKeyError:  # a concurrent attempt with this key stored it first
        earlier = await _replay(db, buyer_id, idempotency_key, fingerprint)
        if earlier is None:
            raise
        return earlier
    await _announce(db, order)
    return order


async def _take_stock(
    db: Database,
    listing: dict[str, Any],
    buyer_id: ObjectId,
    quantity: int,
    key: str,
    fingerprint: str,
    max_open_orders: int,
) -> dict[str, Any]:
    """The checks of a new order, then its hold on the listing (or the hold a concurrent
    attempt with the same key took)."""
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
    hold = {
        "orderId": ObjectId(),
        "key": key,
        "fingerprint": fingerprint[:HOLD_FINGERPRINT],
        "priceFen": listing["priceFen"],
    }
    reserved = await reserve_stock(db, listing["_id"], quantity, hold)
    if reserved is not None:
        await _repair_if_stale(db, reserved)
        return hold | {"quantity": quantity}
    current = await db.listings.find_one(
        {"_id": listing["_id"]}, {"status": 1, "holds": {"$elemMatch": {"key": key}}}
    )
    if (taken := hold_of(current, key)) is not None:
        return taken
    if current is None or current["status"] not in ORDERABLE:
        raise RuleError("listingId", "该商品已下架", OrderErrorCode.NOT_AVAILABLE)
    raise RuleError("quantity", "库存不足", OrderErrorCode.SOLD_OUT)


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
_ALREADY = {  # a retry of a step that was done, though its answer was lost
    OrderStatus.ACCEPTED: "订单已接受",
    OrderStatus.REJECTED: "订单已拒绝",
    OrderStatus.CANCELLED: "订单已取消",
    OrderStatus.COMPLETED: "订单已完成",
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
    return await find_by_id(db.orders, order_id, "订单不存在", "orderId")


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
        # Perhaps this very step, asked again: its first attempt may have stopped between
        # the order and the stock.
        current = await find_order(db, order["_id"])
        await settle_order_stock(db, current)
        refusal = _ALREADY[to] if current["status"] == to.value else _REFUSALS[to]
        raise RuleError("orderId", refusal, OrderErrorCode.INVALID_TRANSITION)
    if moved.get("held"):
        await settle_order_stock(db, moved)
    elif to in _RETURNS_STOCK:
        await return_unheld_stock(db, order["listingId"], order["quantity"])
    elif to is OrderStatus.COMPLETED:
        await db.listings.update_one(
            {"_id": order["listingId"]}, {"$inc": {"quantitySold": order["quantity"]}}
        )
    await _announce(db, moved)
    return moved


async def settle_order_stock(db: Database, order: dict[str, Any]) -> None:
    """An order that is no longer open gives its hold back to the stock (rejected,
    cancelled) or into the sold count (completed); at most once, however often it runs."""
    if not order.get("held") or order["status"] in OPEN_STATUSES:
        return
    sold = order["status"] == OrderStatus.COMPLETED.value
    await release_stock(db, order["listingId"], order["_id"], order["quantity"], sold=sold)


async def _repair_if_stale(db: Database, listing: dict[str, Any]) -> None:
    """Schedules `repair_holds` for a listing that shows a hold older than any request."""
    stale_before = now() - HOLD_GRACE
    if any(hold_taken_at(hold) < stale_before for hold in listing.get("holds") or []):
        await schedule(
            db, REPAIR_KIND, f"stock-repair:{listing['_id']}", now(), {"listingId": listing["_id"]}
        )


async def repair_holds(db: Database, listing_id: ObjectId) -> None:
    """Brings a listing's holds and its orders into step after requests that stopped
    between the two (a timeout, a paused database, a killed process) and were not
    retried. Only what is older than `HOLD_GRACE` is touched, so a request still at work
    is never overtaken:

    - a hold whose order was never stored goes back to the stock;
    - a hold whose order is no longer open is released (or sold) as its step would have;
    - an open order without a hold (stored after its hold was given back) takes its
      stock again, or, none being left, is rejected.
    """
    listing = await db.listings.find_one({"_id": listing_id}, {"holds": 1})
    if listing is None:
        return
    stale_before = now() - HOLD_GRACE
    holds = listing.get("holds") or []
    orders = {
        o["_id"]: o
        async for o in db.orders.find({"_id": {"$in": [hold["orderId"] for hold in holds]}})
    }
    for hold in holds:
        order = orders.get(hold["orderId"])
        if order is not None:
            await settle_order_stock(db, order)
        elif hold_taken_at(hold) < stale_before:
            await release_stock(db, listing_id, hold["orderId"], hold["quantity"])
    held = {hold["orderId"] for hold in holds}
    unheld = db.orders.find(  # index orders(listingId, status)
        {"listingId": listing_id, "status": {"$in": list(OPEN_STATUSES)}, "held": True}
    )
    async for order in unheld:
        if order["_id"] not in held and order["createdAt"] < stale_before:
            await _hold_again(db, order)


async def _hold_again(db: Database, order: dict[str, Any]) -> None:
    hold = {
        "orderId": order["_id"],
        "key": hold_key(order["buyerId"], order["idempotencyKey"]),
        "fingerprint": order["fingerprint"][:HOLD_FINGERPRINT],
        "priceFen": order["unitPriceFen"],
    }
    if await reserve_stock(db, order["listingId"], order["quantity"], hold) is not None:
        return
    at = now()
    event = {"status": OrderStatus.REJECTED.value, "at": at, "actorId": None, "reason": "库存不足"}
    rejected = await db.orders.find_one_and_update(
        {"_id": order["_id"], "status": OrderStatus.PENDING.value},
        {
            "$set": {"status": OrderStatus.REJECTED.value, "updatedAt": at},
            "$push": {"history": event},
        },
        return_document=ReturnDocument.AFTER,
    )
    if rejected is not None:
        await _announce(db, rejected)
    else:
        log.error("an accepted order holds no stock", extra={"order_id": str(order["_id"])})


async def run_stock_repair(services: JobServices, job: Document) -> None:
    await repair_holds(services.db, job["payload"]["listingId"])


# -- reading -----------------------------------------------------------------------------


async def my_orders(
    db: Database,
    viewer: Viewer,
    role: OrderRole,
    status: OrderStatus | None,
    *,
    first: int | None,
    after: str | None,
) -> Page:
    """The orders `viewer` placed (BUYER) or received (SELLER), newest first."""
    party = "buyerId" if role is OrderRole.BUYER else "sellerId"
    query: dict[str, Any] = {party: viewer.id}  # indexes orders(<party>, [status,] _id)
    if status is not None:
        query["status"] = status.value
    return await paginate(db.orders, query, first=first, after=after)
