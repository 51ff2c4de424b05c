"""`orderUpdated` over graphql-transport-ws on a real uvicorn on loopback: who hears what,
and that a token revoked or expired ends its subscriptions at once."""

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import uvicorn
import websockets
from starlette.applications import Starlette

from sannong.auth import Role
from sannong.db import Database
from sannong.integrations.events import Topic
from sannong.security import hash_token
from tests.factories import METRICS_TOKEN, PASSWORD, PROVINCE, Api, Person
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


async def subscribe(url: str, person: Person | str | None) -> Any:
    """A socket subscribed to `orderUpdated` as a person (or with a bare token)."""
    protocol = websockets.Subprotocol("graphql-transport-ws")
    socket = await websockets.connect(url, subprotocols=[protocol])
    token = person.token if isinstance(person, Person) else person
    payload = {"Authorization": f"Bearer {token}"} if token else {}
    await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
    ack = await socket.recv()
    assert isinstance(ack, str), "a text frame, which browsers' graphql-ws can read"
    assert json.loads(ack)["type"] == "connection_ack"
    await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}))
    return socket


async def listening(app: Starlette, *people: Person) -> None:
    """Subscriptions start asynchronously: wait until each one waits for events."""
    feed = app.state.services.events
    await eventually(lambda: all(feed.listening(Topic.ORDERS, _key(p.id)) for p in people))


async def eventually(condition: Callable[[], bool]) -> None:
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met within 5 s")


def _key(global_id: str) -> str:
    return base64.b64decode(global_id).decode().split(":", 1)[1]


async def next_message(socket: Any) -> dict[str, Any]:
    message = await asyncio.wait_for(socket.recv(), 5)
    assert isinstance(message, str), "graphql-transport-ws messages are text frames"
    return json.loads(message)


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


LOGOUT = "mutation { logout }"
LOGIN = """mutation($i: LoginInput!) { login(input: $i) { token } }"""
CHANGE_PASSWORD = """mutation($i: UpdateProfileInput!) { updateProfile(input: $i) {
    userErrors { code } } }"""
GRANT_ROLE = """mutation($i: GrantRoleInput!) { grantRole(input: $i) { userErrors { code } } }"""


async def ended_unauthenticated(socket: Any) -> None:
    """The subscription ends with UNAUTHENTICATED (no order event is needed for it)."""
    message = await next_message(socket)
    assert message["type"] == "next"
    assert message["payload"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert (await next_message(socket))["type"] == "complete"


async def test_logout_ends_an_open_subscription_of_that_token(
    api: Api, app: Starlette, ws_url: str
) -> None:
    buyer = await api.person()
    socket = await subscribe(ws_url, buyer)
    await listening(app, buyer)
    assert (await api.gql(LOGOUT, as_=buyer))["data"] == {"logout": True}
    await ended_unauthenticated(socket)
    await socket.close()


async def test_password_change_ends_the_subscriptions_of_other_sessions_only(
    api: Api, app: Starlette, ws_url: str
) -> None:
    seller, buyer = await api.person(), await api.person()
    login = await api.gql(LOGIN, {"i": {"phone": buyer.phone, "password": PASSWORD}})
    other_device = await subscribe(ws_url, login["data"]["login"]["token"])
    this_device = await subscribe(ws_url, buyer)
    await listening(app, buyer)
    await eventually(lambda: app.state.services.events.listening(Topic.ORDERS, _key(buyer.id)) == 2)
    changed = await api.gql(
        CHANGE_PASSWORD, {"i": {"currentPassword": PASSWORD, "newPassword": "xinmima2026"}}, buyer
    )
    assert changed["data"]["updateProfile"]["userErrors"] == []
    await ended_unauthenticated(other_device)
    listing = await create_listing(api, seller)
    await place(api, buyer, listing["id"], 2)
    message = await next_message(this_device)
    assert message["payload"]["data"]["orderUpdated"]["status"] == "PENDING"
    for socket in (other_device, this_device):
        await socket.close()


async def test_a_role_change_ends_the_subscriptions_of_that_person(
    api: Api, app: Starlette, ws_url: str
) -> None:
    platform = await api.person(Role.PLATFORM_ADMIN, scope=PROVINCE)
    farmer = await api.person()
    socket = await subscribe(ws_url, farmer)
    await listening(app, farmer)
    granted = await api.gql(
        GRANT_ROLE, {"i": {"userId": farmer.id, "role": "EXPERT"}}, as_=platform
    )
    assert granted["data"]["grantRole"]["userErrors"] == []
    await ended_unauthenticated(socket)
    await socket.close()


async def test_an_expiring_token_ends_its_subscription_when_it_expires(
    api: Api, app: Starlette, ws_url: str, db: Database
) -> None:
    buyer = await api.person()
    soon = datetime.now(UTC) + timedelta(seconds=2)
    await db.sessions.update_one(
        {"tokenHash": hash_token(buyer.token)}, {"$set": {"expiresAt": soon}}
    )
    socket = await subscribe(ws_url, buyer)
    await listening(app, buyer)
    await ended_unauthenticated(socket)
    await socket.close()


async def test_a_replayed_order_announces_nothing(api: Api, app: Starlette, ws_url: str) -> None:
    seller, buyer = await api.person(), await api.person()
    listing = await create_listing(api, seller)
    socket = await subscribe(ws_url, buyer)
    await listening(app, buyer)
    first = await place(api, buyer, listing["id"], 2, key="replayed-key-1")
    replay = await place(api, buyer, listing["id"], 2, key="replayed-key-1")
    order = first["data"]["placeOrder"]["order"]
    assert replay["data"]["placeOrder"]["order"]["id"] == order["id"]
    assert (await next_message(socket))["payload"]["data"]["orderUpdated"]["status"] == "PENDING"
    await api.gql(RESPOND, {"i": {"orderId": order["id"], "accept": True}}, as_=seller)
    # The next thing heard is the seller's answer, not a second PENDING from the replay.
    assert (await next_message(socket))["payload"]["data"]["orderUpdated"]["status"] == "ACCEPTED"
    await socket.close()


async def metric(http: httpx.AsyncClient, name: str) -> float:
    headers = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    text = (await http.get("/metrics", headers=headers)).text
    values = [line.split()[-1] for line in text.splitlines() if line.startswith(name)]
    return float(values[0]) if values else 0.0


async def test_metrics_count_events_published_and_delivered(
    api: Api, app: Starlette, ws_url: str, http: httpx.AsyncClient
) -> None:
    published = 'sannong_events_published_total{topic="orders"}'
    delivered = 'sannong_events_delivered_total{topic="orders"}'
    lag = "sannong_event_reader_lag_seconds_count"
    before = [await metric(http, name) for name in (published, delivered, lag)]
    seller, buyer = await api.person(), await api.person()
    listing = await create_listing(api, seller)
    sockets = [await subscribe(ws_url, p) for p in (seller, buyer)]
    await listening(app, seller, buyer)
    await place(api, buyer, listing["id"], 2)
    for socket in sockets:
        await next_message(socket)
        await socket.close()
    after = [await metric(http, name) for name in (published, delivered, lag)]
    assert [b - a for a, b in zip(before, after, strict=True)] == [1, 2, 1]


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
