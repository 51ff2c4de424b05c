"""With the database stopped the API answers SERVICE_UNAVAILABLE fast and recovers by itself."""

import asyncio
import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from sannong.api.app import create_app
from sannong.db.client import open_client
from sannong.db.embedded import EmbeddedServer
from sannong.seed.regions import seed_regions
from tests.conftest import settings_for_tests, start_app


@pytest.mark.slow
async def test_database_outage_is_reported_and_recovered(tmp_path: Path) -> None:
    # Its own server with a SQLite file: this test stops it and starts it again.
    server = EmbeddedServer(path=tmp_path / "outage.sqlite")
    uri = server.start()
    app = create_app(
        settings_for_tests(database="outage", ready_stale_seconds=3),
        client=open_client(uri, 2000),
    )
    lifespan = await start_app(app)
    transport = httpx.ASGITransport(app=app)
    query = {"query": "{ regions { name } }"}
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            await seed_regions(app.state.services.db)
            assert (await http.post("/graphql", json=query)).json()["data"] == {
                "regions": [{"name": "山东省"}]
            }
            assert (await http.get("/readyz")).status_code == 200

            server.stop()
            started = time.perf_counter()
            response = await http.post("/graphql", json=query)
            elapsed = time.perf_counter() - started
            body = response.json()
            assert [e["extensions"]["code"] for e in body["errors"]] == ["SERVICE_UNAVAILABLE"]
            assert body["errors"][0]["message"] == "服务暂时不可用，请稍后再试"
            assert "mongo" not in str(body).lower()
            assert elapsed < 3.0
            # /readyz reads the background probe's last answer: down once it is stale.
            deadline = time.monotonic() + 30
            while (await http.get("/readyz")).status_code != 503:
                assert time.monotonic() < deadline, "the outage was not reported"
                await asyncio.sleep(0.2)
            assert (await http.get("/healthz")).status_code == 200

            server.start()  # same file, same port
            deadline = time.monotonic() + 20
            while (await http.get("/readyz")).status_code != 200:
                assert time.monotonic() < deadline, "did not recover"
                await asyncio.sleep(0.2)
            # data survived the restart of the embedded server
            assert (await http.post("/graphql", json=query)).json()["data"] == {
                "regions": [{"name": "山东省"}]
            }
    finally:
        await lifespan.__aexit__(None, None, None)
        server.stop()


@pytest.mark.slow
async def test_a_hung_database_fails_every_request_within_the_timeout(tmp_path: Path) -> None:
    # A stopped (not dead) server accepts connections and never answers: only the
    # client's own deadline ends the wait.
    timeout_ms = 1500
    server = EmbeddedServer(path=tmp_path / "hung.sqlite")
    uri = server.start()
    assert server.process is not None
    app = create_app(settings_for_tests(database="hung"), client=open_client(uri, timeout_ms))
    lifespan = await start_app(app)
    query = {"query": "{ regions { name } }"}
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as http:
            await seed_regions(app.state.services.db)
            assert (await http.post("/graphql", json=query)).json()["data"]["regions"]

            os.kill(server.process.pid, signal.SIGSTOP)
            try:
                for _ in range(3):
                    started = time.perf_counter()
                    body = (await http.post("/graphql", json=query)).json()
                    elapsed = time.perf_counter() - started
                    assert [e["extensions"]["code"] for e in body["errors"]] == [
                        "SERVICE_UNAVAILABLE"
                    ]
                    # the driver looks for a server again every 0.5 s, hence the margin
                    assert elapsed < timeout_ms / 1000 + 1.0
            finally:
                os.kill(server.process.pid, signal.SIGCONT)

            deadline = time.monotonic() + 20
            while (await http.get("/readyz")).status_code != 200:
                assert time.monotonic() < deadline, "did not recover"
                await asyncio.sleep(0.2)
            assert (await http.post("/graphql", json=query)).json()["data"] == {
                "regions": [{"name": "山东省"}]
            }
    finally:
        await lifespan.__aexit__(None, None, None)
        server.stop()
