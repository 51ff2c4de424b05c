"""Stock adds up whatever the answers were: 60 concurrent orders of one unit on two
30-unit listings, the database paused for 2.5 s in the middle of the burst, over several
rounds, through real HTTP to `sannong serve`. For every listing, afterwards:

    Σ quantities of its open orders + its available stock = its stock

A SERVICE_UNAVAILABLE answer is retried with the same idempotency key, as the app does,
and the retry must answer with what did happen (the order, or SOLD_OUT and no order)."""

import asyncio
from base64 import b64decode
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from bson import ObjectId

from sannong.rules.market import OPEN_STATUSES
from tests.factories import Api, Person, gid
from tests.market import CANCEL, PLACE, create_listing
from tests.pauses import (
    DRIVER_SOCKET_LEFT_TO_COLLECTOR,
    Stack,
    burst_with_pause,
    pausable_stack,
    settled,
    until_answered,
)

pytestmark = DRIVER_SOCKET_LEFT_TO_COLLECTOR

ROUNDS = 5
ORDERS_PER_ROUND = 60
STOCK = 30


async def _place(api: Api, buyer: Person, listing_id: str, key: str) -> dict[str, Any]:
    variables = {"i": {"listingId": listing_id, "quantity": 1, "idempotencyKey": key}}
    return await api.gql(PLACE, variables, as_=buyer)


async def _cancel(api: Api, buyer: Person, order_id: str) -> dict[str, Any]:
    return await api.gql(CANCEL, {"i": {"orderId": order_id}}, as_=buyer)


async def _stock_figures(stack: Stack, listing_ids: list[ObjectId]) -> dict[str, Any]:
    """Per listing: available stock and the sum of its open orders' quantities."""
    figures = {}
    for listing_id in listing_ids:
        listing = await stack.db.listings.find_one({"_id": listing_id})
        assert listing is not None
        orders = await stack.db.orders.find(
            {"listingId": listing_id, "status": {"$in": list(OPEN_STATUSES)}}
        ).to_list()
        figures[str(listing_id)] = {
            "available": listing["quantityAvailable"],
            "open": sum(o["quantity"] for o in orders),
        }
    return figures


def _assert_stock_adds_up(figures: dict[str, Any], when: str) -> None:
    for listing, figure in figures.items():
        assert figure["available"] >= 0, (when, listing, figure)
        assert figure["available"] + figure["open"] == STOCK, (when, listing, figure)


@pytest.mark.slow
async def test_stock_adds_up_when_the_database_pauses_mid_burst(tmp_path: Path) -> None:
    async with pausable_stack(tmp_path, max_open_orders_per_buyer="1000") as stack:
        api = stack.api
        seller = await api.person()
        buyers = [await api.person() for _ in range(6)]
        for round_ in range(ROUNDS):
            listings = [await create_listing(api, seller, quantity=STOCK) for _ in range(2)]
            listing_keys = [ObjectId(_key(listing["id"])) for listing in listings]
            figures_now = partial(_stock_figures, stack, listing_keys)
            attempts = [
                (buyers[n % len(buyers)], listings[n % 2]["id"], f"pause-{round_}-{n:03d}")
                for n in range(ORDERS_PER_ROUND)
            ]
            # The pause starts at a different moment of the burst each round.
            answers = await burst_with_pause(
                stack,
                [_place(api, buyer, listing, key) for buyer, listing, key in attempts],
                pause_after=0.05 + 0.15 * round_,
            )
            await settled(figures_now)

            # A request that was not answered is asked again with its key, as the app does.
            answers = await asyncio.gather(
                *(
                    until_answered(stack, partial(_place, api, buyer, listing, key), answer)
                    for (buyer, listing, key), answer in zip(attempts, answers, strict=True)
                )
            )
            stored = {
                order["idempotencyKey"]: str(order["_id"])
                async for order in stack.db.orders.find({"listingId": {"$in": listing_keys}})
            }
            for (_, _, key), answer in zip(attempts, answers, strict=True):
                assert answer.get("data"), (key, answer)
                placed = answer["data"]["placeOrder"]
                if placed["order"] is not None:
                    assert stored.get(key) == _key(placed["order"]["id"]), (key, answer)
                else:
                    assert [e["code"] for e in placed["userErrors"]] == ["SOLD_OUT"], answer
                    assert key not in stored, (key, answer)
            _assert_stock_adds_up(await settled(figures_now), "after orders")

            # Everything open is cancelled, the database paused again mid-burst.
            open_orders = await stack.db.orders.find(
                {"listingId": {"$in": listing_keys}, "status": {"$in": list(OPEN_STATUSES)}}
            ).to_list()
            by_id = {buyer.key: buyer for buyer in buyers}
            cancels = [(by_id[str(o["buyerId"])], gid("Order", str(o["_id"]))) for o in open_orders]
            answers = await burst_with_pause(
                stack,
                [_cancel(api, buyer, order) for buyer, order in cancels],
                pause_after=0.05 + 0.1 * round_,
            )
            await settled(figures_now)
            await asyncio.gather(
                *(
                    until_answered(stack, partial(_cancel, api, buyer, order), answer)
                    for (buyer, order), answer in zip(cancels, answers, strict=True)
                )
            )
            figures = await settled(figures_now)
            _assert_stock_adds_up(figures, "after cancels")
            assert all(figure["open"] == 0 for figure in figures.values()), figures


def _key(global_id: str) -> str:
    return b64decode(global_id).decode().split(":", 1)[1]
