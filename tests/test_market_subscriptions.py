"""`orderUpdated` over graphql-transport-ws on a real uvicorn on loopback."""

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import uvicorn
import websockets
from starlette.applications import Starlette

from tests.factories import Api, Person
from tests.market import RESPOND, create_listing, place

SUBSCRIBE = "subscription { orderUpdated { status quantity buyer { id } } }"


@pytest.fixture
async def ws_url(app: Starlette) -> AsyncIterator[str]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off"))
    serving = asyncio.create_task(server.serve())
    await eventually(lambda: server.started)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"ws://127.0.0.1:{port}/graphql"
    server.should_exit = True
    await serving


async def subscribe(url: str, person: Person | None) -> Any:
    protocol = websockets.Subprotocol("graphql-transport-ws")
    socket = await websockets.connect(url, subprotocols=[protocol])
    payload = {"Authorization": f"Bearer {person.token}"} if person else {}
    await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
    assert json.loads(await socket.recv())["type"] == "connection_ack"
    await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}))
    return socket


async def listening(app: Starlette, *people: Person) -> None:
    """Subscriptions start asynchronously: wait until each one waits for events."""
    broker = app.state.services.broker
    await eventually(lambda: all(broker.subscribers(f"orders:{_key(p.id)}") for p in people))


async def eventually(condition: Callable[[], bool]) -> None:
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met within 5 s")


def _key(global_id: str) -> str:
    return base64.b64decode(global_id).decode().split(":", 1)[1]


async def next_message(socket: Any) -> dict[str, Any]:
    return json.loads(await asyncio.wait_for(socket.recv(), 5))


async def test_buyer_and_seller_hear_of_their_order_and_others_do_not(
    api: Api, app: Starlette, ws_url: str
) -> None:
    seller, buyer, stranger = await api.person(), await api.person(), await api.person()
    listing = await create_listing(api, seller)
    sockets = [await subscribe(ws_url, p) for p in (seller, buyer, stranger)]
    await listening(app, seller, buyer, stranger)
    order = (await place(api, buyer, listing["id"], 2))["data"]["placeOrder"]["order"]
    for socket in sockets[:2]:
        message = await next_message(socket)
        assert message["payload"]["data"]["orderUpdated"] == {
            "status": "PENDING",
            "quantity": 2,
            "buyer": {"id": buyer.id},
        }
    await api.gql(RESPOND, {"i": {"orderId": order["id"], "accept": True}}, as_=seller)
    update = await next_message(sockets[1])
    assert update["payload"]["data"]["orderUpdated"]["status"] == "ACCEPTED"
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(sockets[2].recv(), 0.3)
    for socket in sockets:
        await socket.close()


async def test_subscription_needs_sign_in(app: Starlette, ws_url: str) -> None:
    socket = await subscribe(ws_url, None)
    message = await next_message(socket)
    assert message["payload"]["data"] is None
    assert message["payload"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    await socket.close()


async def test_an_invalid_subscription_is_refused_with_a_code(ws_url: str) -> None:
    protocol = websockets.Subprotocol("graphql-transport-ws")
    async with websockets.connect(ws_url, subprotocols=[protocol]) as socket:
        await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        for query, code in [
            ("subscription { orderUpdatd { status } }", "BAD_USER_INPUT"),
            ("subscription { orderUpdated { " + "buyer { " * 20 + "id" + " }" * 22, None),
        ]:
            await socket.send(
                json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}})
            )
            message = await next_message(socket)
            assert message["type"] == "error"
            assert [e["extensions"]["code"] for e in message["payload"]] == [
                code or "QUERY_TOO_COMPLEX"
            ]
            assert "Did you mean" not in str(message)
