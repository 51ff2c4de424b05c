"""`noticePublished(regionId)` over graphql-transport-ws: a village hears the notices of its
township and county, not its neighbours'; and across two server processes within 1 s."""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette

from sannong.auth import Role
from sannong.db import Database
from sannong.integrations.events import Topic
from sannong.seed.regions import village_code
from tests.factories import LUOCHENG, SUNJIAJI, Api, village_id
from tests.notices import PUBLISH, admin, notice_input, publish
from tests.servers import Socket, serving
from tests.test_market_subscriptions import eventually

SUBSCRIBE = """subscription($r: ID!) { noticePublished(regionId: $r) {
    id title region { code } } }"""
SHOUGUANG = "370783000000"


@pytest.fixture
async def ws_url(app: Starlette) -> AsyncIterator[str]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off"))
    running = asyncio.create_task(server.serve())
    await eventually(lambda: server.started)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"ws://127.0.0.1:{port}/graphql"
    server.should_exit = True
    await running


async def test_a_village_hears_its_townships_and_countys_notices_not_its_neighbours(
    api: Api, app: Starlette, ws_url: str
) -> None:
    township = await admin(api)
    county = await api.person(Role.PLATFORM_ADMIN, scope=SHOUGUANG)
    farmer = await api.person(village="孙家集村")
    socket = await Socket.open(ws_url, farmer.token)
    await socket.start(SUBSCRIBE, {"r": village_id("孙家集村")})
    feed = app.state.services.events
    await eventually(lambda: feed.listening(Topic.NOTICES, village_code("孙家集村")) == 1)
    await publish(api, township, region=village_code("胡营村"), title="邻村的通知")
    await publish(api, county, region=SHOUGUANG, title="全市的通知")
    await publish(api, township, title="街道的通知")
    heard = [(await socket.receive())["payload"]["data"]["noticePublished"] for _ in range(2)]
    assert [(n["title"], n["region"]["code"]) for n in heard] == [
        ("全市的通知", SHOUGUANG),
        ("街道的通知", SUNJIAJI),
    ]
    with pytest.raises(TimeoutError):
        await socket.receive(within=0.3)
    await socket.close()


async def test_subscribing_needs_a_token_and_a_real_region(api: Api, ws_url: str) -> None:
    anonymous = await Socket.open(ws_url, None)
    await anonymous.start(SUBSCRIBE, {"r": village_id("孙家集村")})
    message = await anonymous.receive()
    assert message["payload"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    farmer = await api.person()
    socket = await Socket.open(ws_url, farmer.token)
    await socket.start(SUBSCRIBE, {"r": "UmVnaW9uOjk5OTk="})  # Region:9999
    assert (await socket.receive())["payload"]["errors"][0]["extensions"][
        "code"
    ] == "BAD_USER_INPUT"
    for open_socket in (anonymous, socket):
        await open_socket.close()


@pytest.mark.slow
async def test_a_notice_published_on_one_process_reaches_a_subscriber_on_another_within_1_s(
    mongodb_uri: str, db_name: str, db: Database, tmp_path: Path
) -> None:
    async with (
        serving(mongodb_uri, db_name, tmp_path) as first,
        serving(mongodb_uri, db_name, tmp_path) as second,
    ):
        api = Api(httpx.AsyncClient(base_url=second.url), db)
        township = await admin(api)
        other = await admin(api, scope=LUOCHENG, village="东斟灌村")
        farmer = await api.person(village="孙家集村")
        subscriber = await Socket.open(first.ws_url, farmer.token)
        await subscriber.start(SUBSCRIBE, {"r": village_id("孙家集村")})
        writer = await Socket.open(second.ws_url, township.token)
        # the subscription starts asynchronously: publish until it hears one
        for attempt in range(10):
            await writer.execute(PUBLISH, {"i": notice_input(title=f"试发 {attempt}")})
            with contextlib.suppress(TimeoutError):
                await subscriber.receive(within=1)
                break
        else:
            raise AssertionError("the subscriber heard nothing")
        await api.gql(PUBLISH, {"i": notice_input(region=LUOCHENG, title="别处")}, as_=other)
        started = time.monotonic()
        result = await writer.execute(PUBLISH, {"i": notice_input(title="冬季防火通知")})
        published = result["data"]["publishNotice"]["notice"]
        message = await subscriber.receive()
        elapsed = time.monotonic() - started
        heard = message["payload"]["data"]["noticePublished"]
        assert heard == {
            "id": published["id"],
            "title": "冬季防火通知",
            "region": {"code": SUNJIAJI},
        }
        assert elapsed < 1.0, f"heard after {elapsed:.2f} s"
        for socket in (subscriber, writer):
            await socket.close()
        await api.http.aclose()
