"""What one client may hold open over WebSocket: connections per address and per token,
operations per connection; each refusal coded (close code 4429 with `RATE_LIMITED: …`, or a
GraphQL error with `extensions.code`). A real uvicorn on loopback, real sockets."""

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
import websockets
from starlette.applications import Starlette

from sannong.api.app import create_app
from sannong.db.client import open_client
from tests.conftest import settings_for_tests, start_app
from tests.factories import Api, Person

SUBSCRIBE = "subscription { orderUpdated { status } }"
PROTOCOL = websockets.Subprotocol("graphql-transport-ws")


@pytest.fixture
async def capped(mongodb_uri: str, db_name: str, tmp_path: Path) -> AsyncIterator[Starlette]:
    app = create_app(
        settings_for_tests(
            database=db_name,
            data_dir=tmp_path,
            ws_connections_per_address=6,
            ws_connections_per_token=3,
            ws_operations_per_connection=2,
        ),
        client=open_client(mongodb_uri, 5000),
    )
    lifespan = await start_app(app)
    yield app
    await lifespan.__aexit__(None, None, None)


@pytest.fixture
async def ws_url(capped: Starlette) -> AsyncIterator[str]:
    server = uvicorn.Server(uvicorn.Config(capped, host="127.0.0.1", port=0, lifespan="off"))
    serving = asyncio.create_task(server.serve())
    for _ in range(2000):
        if server.started:
            break
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"ws://127.0.0.1:{port}/graphql"
    server.should_exit = True
    await serving


async def connect(url: str, person: Person | None) -> Any:
    """A socket past `connection_init` (acknowledged), or the close frame that refused it."""
    socket = await websockets.connect(url, subprotocols=[PROTOCOL])
    payload = {"Authorization": f"Bearer {person.token}"} if person else {}
    try:
        await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
        answer = json.loads(await asyncio.wait_for(socket.recv(), 10))
    except websockets.ConnectionClosed as closed:
        return closed
    assert answer["type"] == "connection_ack"
    return socket


def refused_with(closed: object, words: str) -> None:
    assert isinstance(closed, websockets.ConnectionClosed), closed
    assert closed.rcvd is not None
    assert closed.rcvd.code == 4429
    assert closed.rcvd.reason.startswith("RATE_LIMITED: ")
    assert words in closed.rcvd.reason


async def test_one_token_holds_at_most_its_cap_of_connections(api: Api, ws_url: str) -> None:
    farmer, neighbour = await api.person(), await api.person()
    held = [await connect(ws_url, farmer) for _ in range(3)]
    refused_with(await connect(ws_url, farmer), "同一账号")
    other = await connect(ws_url, neighbour)  # another person is not held back
    assert not isinstance(other, websockets.ConnectionClosed)
    await held.pop().close()
    for _ in range(100):  # the server notices the close a moment later
        again = await connect(ws_url, farmer)
        if not isinstance(again, websockets.ConnectionClosed):
            break
        await asyncio.sleep(0.05)
    assert not isinstance(again, websockets.ConnectionClosed), "a closed connection frees its place"
    for socket in [*held, other, again]:
        await socket.close()


async def test_one_address_holds_at_most_its_cap_of_connections(api: Api, ws_url: str) -> None:
    held = [await connect(ws_url, None) for _ in range(6)]
    assert not any(isinstance(socket, websockets.ConnectionClosed) for socket in held)
    refused_with(await connect(ws_url, None), "同一地址")
    for socket in held:
        await socket.close()


async def test_operations_past_the_cap_of_a_connection_are_refused_with_a_code(
    api: Api, ws_url: str
) -> None:
    farmer = await api.person()
    socket = await connect(ws_url, farmer)
    for number in ("1", "2", "3"):
        message = {"id": number, "type": "subscribe", "payload": {"query": SUBSCRIBE}}
        await socket.send(json.dumps(message))
    answer = json.loads(await asyncio.wait_for(socket.recv(), 10))
    assert answer["id"] == "3" and answer["type"] == "error"
    assert [e["extensions"]["code"] for e in answer["payload"]] == ["RATE_LIMITED"]
    assert "订阅过多" in answer["payload"][0]["message"]
    await socket.close()
