"""Background work on a busy machine: a red warning reaches every resident while the
database answers in fits and starts (its process stopped for 2.5 s of every 3 s, as when
other work holds the CPU), through the app's own job worker and a loopback SMS gateway."""

import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from pymongo import AsyncMongoClient

from sannong.api.app import create_app
from sannong.db.client import open_command_client
from sannong.db.embedded import EmbeddedServer
from sannong.db.indexes import ensure_indexes
from sannong.rules.alerts import ALERT_FANOUT
from sannong.rules.fanout import Pace
from sannong.seed.regions import seed_regions
from tests.conftest import settings_for_tests, start_app
from tests.gateway import running_gateway
from tests.notices import red_alert, villagers

pytestmark = pytest.mark.slow  # a database server of its own, stopped and resumed

RESIDENTS = 100
STALLED, RUNNING = 2.5, 0.5  # seconds of each pulse: longer than a request may wait


@pytest.fixture
def stalling_server() -> Iterator[EmbeddedServer]:
    server = EmbeddedServer(path=None)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextlib.asynccontextmanager
async def stalls(server: EmbeddedServer) -> AsyncIterator[None]:
    """The database process stopped and resumed in pulses while the block runs."""
    assert server.process is not None
    pid = server.process.pid

    async def pulse() -> None:
        while True:
            os.kill(pid, signal.SIGSTOP)
            try:
                await asyncio.sleep(STALLED)
            finally:
                os.kill(pid, signal.SIGCONT)
            await asyncio.sleep(RUNNING)

    task = asyncio.create_task(pulse())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_a_red_alert_reaches_every_resident_while_the_database_stalls(
    stalling_server: EmbeddedServer, tmp_path: Path
) -> None:
    setup: AsyncMongoClient = open_command_client(stalling_server.uri)
    db = setup["stress"]
    await ensure_indexes(db)
    await seed_regions(db)
    people = await villagers(db, "胡营村", RESIDENTS, 13740000000)
    async with running_gateway() as (url, gateway):
        # The app as `sannong serve` builds it: its own clients, a request's 2 s timeout.
        settings = settings_for_tests(
            mongodb_uri=stalling_server.uri,
            database="stress",
            data_dir=tmp_path,
            db_timeout_ms=2000,
            jobs_enabled=True,
            jobs_poll_seconds=0.2,
            sms_gateway_url=url,
        )
        lifespan = await start_app(create_app(settings))
        try:
            alert_id = await red_alert(db, "胡营村", Pace(per_minute=600_000))
            told = {"alert": str(alert_id)}
            async with stalls(stalling_server):
                # Every try on today's main times out, then waits 30 s, 60 s: 90 s leave room
                # for a slow machine, not for a fan-out that cannot get through.
                deadline = asyncio.get_running_loop().time() + 90
                while (
                    len(set(gateway.ids())) < RESIDENTS
                    or await db.notifications.count_documents({"refId": alert_id}) < RESIDENTS
                ):
                    if asyncio.get_running_loop().time() > deadline:
                        job = await db.jobs.find_one({"kind": ALERT_FANOUT})
                        told |= {
                            "sms": len(set(gateway.ids())),
                            "lastError": (job or {}).get("lastError"),
                        }
                        raise AssertionError(f"the warning did not get through: {told}")
                    await asyncio.sleep(0.5)
        finally:
            await lifespan.__aexit__(None, None, None)
        notified = await db.notifications.find({"refId": alert_id}, {"userId": 1}).to_list()
        users = await db.users.find({"_id": {"$in": people}}, {"phone": 1}).to_list()
        await setup.drop_database("stress")
        await setup.close()
    assert sorted(n["userId"] for n in notified) == sorted(people)  # each once
    by_phone = {m["to"] for m in gateway.received}
    assert by_phone == {u["phone"] for u in users}
    assert len(set(gateway.ids())) == RESIDENTS  # one message each
    assert all("霜冻红色预警" in m["text"] for m in gateway.received)
