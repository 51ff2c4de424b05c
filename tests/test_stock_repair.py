"""What a request that stopped between taking stock and storing its order (or between an
order's step and its stock) leaves behind is finished by the retry with the same key, or
put right by `repair_holds` once it is older than any request. The states are made as a
stopped request leaves them: the real rules run, then the step that never happened is
taken away from the database."""

from datetime import timedelta
from typing import Any

import pytest
from bson import ObjectId

from sannong.clock import now
from sannong.db import Database
from sannong.errors import RuleError
from sannong.rules import orders
from sannong.rules.market import HOLD_GRACE, OrderStatus
from sannong.rules.orders import move_order, place_order, repair_holds

STOCK = 10


async def _listing(db: Database) -> ObjectId:
    doc = {
        "sellerId": ObjectId(),
        "title": "玉米",
        "unit": "斤",
        "priceFen": 150,
        "quantityAvailable": STOCK,
        "quantitySold": 0,
        "minOrder": 1,
        "status": "ACTIVE",
        "path": ["370000000000"],
        "createdAt": now(),
        "updatedAt": now(),
    }
    return (await db.listings.insert_one(doc)).inserted_id


async def _order(db: Database, listing_id: ObjectId, quantity: int, key: str) -> dict[str, Any]:
    return await place_order(
        db, buyer_id=BUYER, listing_id=listing_id, quantity=quantity, idempotency_key=key
    )


async def _state(db: Database, listing_id: ObjectId) -> tuple[int, int, int, int]:
    """(available, held, sold, Σ open orders)."""
    listing = await db.listings.find_one({"_id": listing_id})
    assert listing is not None
    open_orders = await db.orders.find(
        {"listingId": listing_id, "status": {"$in": ["PENDING", "ACCEPTED"]}}
    ).to_list()
    held = sum(hold["quantity"] for hold in listing.get("holds") or [])
    return (
        listing["quantityAvailable"],
        held,
        listing["quantitySold"],
        sum(o["quantity"] for o in open_orders),
    )


def _later(monkeypatch: pytest.MonkeyPatch) -> None:
    """The repair runs `HOLD_GRACE` later, when no request can still be at work."""
    moment = now() + HOLD_GRACE + timedelta(seconds=1)
    monkeypatch.setattr(orders, "now", lambda: moment)


BUYER = ObjectId()


async def test_a_retry_stores_the_order_whose_stock_its_first_attempt_took(db: Database) -> None:
    listing_id = await _listing(db)
    first = await _order(db, listing_id, 3, "retry-key-0001")
    await db.orders.delete_one({"_id": first["_id"]})  # the insert never reached the server
    assert await _state(db, listing_id) == (7, 3, 0, 0)
    again = await _order(db, listing_id, 3, "retry-key-0001")
    assert again["_id"] == first["_id"]
    assert await _state(db, listing_id) == (7, 3, 0, 3)


async def test_a_hold_without_its_order_goes_back_once_it_is_old(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    listing_id = await _listing(db)
    order = await _order(db, listing_id, 4, "lost-order-0001")
    await db.orders.delete_one({"_id": order["_id"]})
    await repair_holds(db, listing_id)
    assert await _state(db, listing_id) == (6, 4, 0, 0)  # young: a request may be at work
    _later(monkeypatch)
    await repair_holds(db, listing_id)
    await repair_holds(db, listing_id)
    assert await _state(db, listing_id) == (STOCK, 0, 0, 0)


async def test_steps_that_stopped_before_their_stock_are_finished(db: Database) -> None:
    listing_id = await _listing(db)
    cancelled = await _order(db, listing_id, 2, "cancel-key-0001")
    completed = await _order(db, listing_id, 3, "complete-key-001")
    seller = cancelled["sellerId"]
    await move_order(db, seller, completed["_id"], OrderStatus.ACCEPTED)
    # Both steps change the order, then stop before the listing hears of it.
    for order, status in ((cancelled, "CANCELLED"), (completed, "COMPLETED")):
        await db.orders.update_one({"_id": order["_id"]}, {"$set": {"status": status}})
    assert await _state(db, listing_id) == (5, 5, 0, 0)
    await repair_holds(db, listing_id)
    assert await _state(db, listing_id) == (7, 0, 3, 0)
    await repair_holds(db, listing_id)  # run again: nothing moves twice
    assert await _state(db, listing_id) == (7, 0, 3, 0)


async def test_cancelling_again_finishes_a_cancel_that_stopped_before_the_stock(
    db: Database,
) -> None:
    listing_id = await _listing(db)
    order = await _order(db, listing_id, 2, "cancel-again-001")
    await db.orders.update_one({"_id": order["_id"]}, {"$set": {"status": "CANCELLED"}})
    with pytest.raises(RuleError) as refused:  # already cancelled: refused, as before
        await move_order(db, BUYER, order["_id"], OrderStatus.CANCELLED)
    assert [(f.code.value, f.message) for f in refused.value.failures] == [
        ("INVALID_TRANSITION", "订单已取消")
    ]
    assert await _state(db, listing_id) == (STOCK, 0, 0, 0)


async def test_an_order_stored_after_its_hold_was_given_up_takes_stock_again_or_is_rejected(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    listing_id = await _listing(db)
    late = await _order(db, listing_id, 6, "late-order-00001")
    other = await _order(db, listing_id, 4, "late-order-00002")
    # Their holds were given back (the orders looked lost) before the orders arrived...
    await db.listings.update_one(
        {"_id": listing_id}, {"$set": {"holds": [], "quantityAvailable": STOCK}}
    )
    # ...and another buyer took 3 meanwhile: 7 left for 6 + 4.
    await place_order(
        db, buyer_id=ObjectId(), listing_id=listing_id, quantity=3, idempotency_key="third-buyer-01"
    )
    _later(monkeypatch)
    await repair_holds(db, listing_id)
    statuses = {o["_id"]: o["status"] async for o in db.orders.find({"listingId": listing_id})}
    assert statuses[late["_id"]] == "PENDING"
    assert statuses[other["_id"]] == "REJECTED"
    assert await _state(db, listing_id) == (1, 9, 0, 9)
