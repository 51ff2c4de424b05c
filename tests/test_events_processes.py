"""Order updates cross server processes: real `sannong serve` processes on one embedded
database, subscribers over graphql-transport-ws.

The embedded server refuses change streams, so these processes follow the feed by
polling; a replica set (where the change-stream reader runs) cannot be started on
these machines."""

import contextlib
import time
from pathlib import Path

import httpx
import pytest

from sannong.db import Database
from tests.factories import Api, Person
from tests.market import PLACE, RESPOND, create_listing, new_key
from tests.servers import Server, Socket, serving, serving_pid

pytestmark = pytest.mark.slow

SUBSCRIBE = "subscription { orderUpdated { id status } }"


async def people(server: Server, db: Database) -> tuple[Api, Person, Person]:
    api = Api(httpx.AsyncClient(base_url=server.url), db)
    return api, await api.person(), await api.person()


async def heard_within_a_second(
    subscriber: Socket, writer: Socket, seller: Person, order_id: str
) -> None:
    """The seller accepts through `writer`; the buyer's `subscriber` hears it within 1 s."""
    started = time.monotonic()
    result = await writer.execute(RESPOND, {"i": {"orderId": order_id, "accept": True}})
    assert result["data"]["respondToOrder"]["userErrors"] == []
    message = await subscriber.receive()
    elapsed = time.monotonic() - started
    assert message["payload"]["data"]["orderUpdated"] == {"id": order_id, "status": "ACCEPTED"}
    assert elapsed < 1.0, f"heard after {elapsed:.2f} s"


async def first_order(subscriber: Socket, writer: Socket, listing_id: str) -> str:
    """The buyer orders through `writer` until the subscriber hears of it, which proves the
    subscription (started asynchronously) is listening."""
    placed = set()
    for _ in range(5):
        variables = {"i": {"listingId": listing_id, "quantity": 1, "idempotencyKey": new_key()}}
        result = await writer.execute(PLACE, variables)
        placed.add(result["data"]["placeOrder"]["order"]["id"])
        with contextlib.suppress(TimeoutError):
            heard = (await subscriber.receive(within=2))["payload"]["data"]["orderUpdated"]
            assert heard["id"] in placed and heard["status"] == "PENDING"
            return heard["id"]
    raise AssertionError("the subscriber heard none of five orders")


async def test_a_subscriber_on_one_process_hears_an_update_made_through_another(
    mongodb_uri: str, db_name: str, db: Database, tmp_path: Path
) -> None:
    async with (
        serving(mongodb_uri, db_name, tmp_path) as first,
        serving(mongodb_uri, db_name, tmp_path) as second,
    ):
        api, seller, buyer = await people(second, db)
        listing = await create_listing(api, seller)
        subscriber = await Socket.open(first.ws_url, buyer.token)
        await subscriber.start(SUBSCRIBE)
        as_buyer = await Socket.open(second.ws_url, buyer.token)
        as_seller = await Socket.open(second.ws_url, seller.token)
        order_id = await first_order(subscriber, as_buyer, listing["id"])
        await heard_within_a_second(subscriber, as_seller, seller, order_id)
        for socket in (subscriber, as_buyer, as_seller):
            await socket.close()
        await api.http.aclose()


async def test_with_two_workers_sockets_on_different_workers_hear_each_other(
    mongodb_uri: str, db_name: str, db: Database, tmp_path: Path
) -> None:
    async with serving(mongodb_uri, db_name, tmp_path, workers=2) as server:
        api, seller, buyer = await people(server, db)
        listing = await create_listing(api, seller)
        subscriber = await Socket.open(server.ws_url, buyer.token)
        await subscriber.start(SUBSCRIBE)
        worker = serving_pid(server, subscriber.client_port)
        # The kernel hands each connection to a worker: open until one lands on the other.
        tried = []
        for _ in range(40):
            as_seller = await Socket.open(server.ws_url, seller.token)
            if serving_pid(server, as_seller.client_port) != worker:
                break
            tried.append(as_seller)
        else:
            raise AssertionError("every connection landed on the same worker")
        as_buyer = await Socket.open(server.ws_url, buyer.token)
        order_id = await first_order(subscriber, as_buyer, listing["id"])
        await heard_within_a_second(subscriber, as_seller, seller, order_id)
        for socket in (subscriber, as_seller, as_buyer, *tried):
            await socket.close()
        await api.http.aclose()
