"""`consultationUpdated` over graphql-transport-ws: both parties hear of a booking and of
its steps, nobody else does."""

import asyncio
import contextlib
import json
from typing import Any

import websockets
from starlette.applications import Starlette

from sannong.integrations.events import Topic
from tests.experts import CANCEL, booked, expert, slot
from tests.factories import Api, Person
from tests.test_market_subscriptions import eventually, next_message, ws_url

SUBSCRIBE = "subscription { consultationUpdated { id status topic } }"
__all__ = ["ws_url"]  # the fixture, shared with the marketplace's subscription tests


async def subscribe(url: str, person: Person) -> Any:
    protocol = websockets.Subprotocol("graphql-transport-ws")
    socket = await websockets.connect(url, subprotocols=[protocol])
    payload = {"Authorization": f"Bearer {person.token}"}
    await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
    assert json.loads(await socket.recv())["type"] == "connection_ack"
    await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}))
    return socket


async def test_both_parties_hear_of_a_booking_and_its_cancellation(
    api: Api, app: Starlette, ws_url: str
) -> None:
    li = await expert(api)
    farmer, stranger = await api.person(), await api.person()
    target = await slot(api, li)
    sockets = [await subscribe(ws_url, p) for p in (farmer, li, stranger)]
    feed = app.state.services.events
    keys = [str(p.key) for p in (farmer, li, stranger)]
    await eventually(lambda: all(feed.listening(Topic.CONSULTATIONS, k) for k in keys))
    consultation = await booked(api, farmer, target["id"])
    for socket in sockets[:2]:
        heard = (await next_message(socket))["payload"]["data"]["consultationUpdated"]
        assert heard == {"id": consultation["id"], "status": "BOOKED", "topic": "大棚黄瓜霜霉病"}
    await api.gql(CANCEL, {"i": {"consultationId": consultation["id"]}}, as_=farmer)
    for socket in sockets[:2]:
        heard = (await next_message(socket))["payload"]["data"]["consultationUpdated"]
        assert heard["status"] == "CANCELLED"
    with contextlib.suppress(TimeoutError):
        overheard = await asyncio.wait_for(sockets[2].recv(), 0.5)
        raise AssertionError(f"a stranger heard {overheard}")
    for socket in sockets:
        await socket.close()
