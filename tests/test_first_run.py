"""The first `make run` cannot half-fail: a seed stopped midway is finished by the next
one, `--if-empty` trusts the completion marker only, the database may stumble during a
seed, and the demo is dated in the past."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pymongo import AsyncMongoClient

from sannong.db import Database
from sannong.db.client import open_command_client
from sannong.db.embedded import EmbeddedServer
from sannong.security import Passwords
from sannong.seed import DEMO_ACCOUNTS, needs_seed, seed
from sannong.seed.regions import seed_regions
from tests.conftest import settings_for_tests
from tests.factories import Api
from tests.market import create_listing

PASSWORDS = Passwords(settings_for_tests())
LISTINGS = "{ listings(first: 3) { edges { node { title createdAt seller { name } } } } }"


@pytest.fixture
async def empty_db(mongo_client: AsyncMongoClient) -> AsyncIterator[Database]:
    name = f"test_{uuid.uuid4().hex[:12]}"
    yield mongo_client[name]
    await mongo_client.drop_database(name)


async def done_steps(db: Database) -> list[str]:
    marker = await db.seed_runs.find_one({"_id": "demo"})
    return marker["done"] if marker else []


async def wait_for_step(db: Database, step: str) -> None:
    deadline = time.monotonic() + 60
    while step not in await done_steps(db):
        assert time.monotonic() < deadline, f"the seed never finished {step}"
        await asyncio.sleep(0.05)


async def test_a_seed_stopped_midway_is_finished_by_the_next_run(empty_db: Database) -> None:
    db = empty_db
    assert await needs_seed(db)
    stopped = asyncio.create_task(seed(db, PASSWORDS, price_days=2))
    await wait_for_step(db, "catalog")
    stopped.cancel()
    with pytest.raises(asyncio.CancelledError):
        await stopped
    assert await db.regions.count_documents({}) == 60
    assert await db.listings.count_documents({}) == 0
    assert await needs_seed(db)  # regions are there, but the seed did not finish

    await seed(db, PASSWORDS, price_days=2)
    assert not await needs_seed(db)
    assert await db.listings.count_documents({}) == 225
    assert await db.prices.count_documents({}) > 0
    marker = await db.seed_runs.find_one({"_id": "demo"})
    assert marker["completedAt"] is not None
    assert {"regions", "catalog", "prices", "market"} <= set(marker["done"])


async def test_if_empty_reads_the_marker_and_leaves_foreign_data_alone(
    empty_db: Database,
) -> None:
    db = empty_db
    await seed_regions(db)  # data that no seed run wrote (or a seed older than the marker)
    assert not await needs_seed(db)
    await db.seed_runs.insert_one({"_id": "demo", "anchor": datetime.now(UTC), "done": []})
    assert await needs_seed(db)


async def test_a_database_seeded_before_the_marker_is_seeded_again_without_duplicates(
    empty_db: Database,
) -> None:
    db = empty_db
    await seed(db, PASSWORDS, price_days=2)
    listings = await db.listings.find({}, {"_id": 1, "createdAt": 1}).to_list()
    users = await db.users.count_documents({})
    await db.seed_runs.drop()  # as seeds before the marker left it
    await seed(db, PASSWORDS, price_days=2)
    assert await db.listings.find({}, {"_id": 1, "createdAt": 1}).to_list() == listings
    assert await db.users.count_documents({}) == users


async def test_demo_listings_are_in_the_past_and_a_new_listing_comes_first(api: Api) -> None:
    await seed(api.db, PASSWORDS, price_days=2)
    demo = (await api.gql(LISTINGS))["data"]["listings"]["edges"]
    now = datetime.now(UTC)
    assert all(datetime.fromisoformat(e["node"]["createdAt"]) < now for e in demo)

    await create_listing(api, await api.person(), title="刚摘的大白菜")
    newest = (await api.gql(LISTINGS))["data"]["listings"]["edges"]
    assert newest[0]["node"]["title"] == "刚摘的大白菜"
    assert [e["node"] for e in newest[1:]] == [e["node"] for e in demo[:2]]


@pytest.mark.slow
async def test_a_seed_goes_on_when_its_database_restarts_midway(tmp_path: Path) -> None:
    server = EmbeddedServer(path=tmp_path / "restart.sqlite")
    client = open_command_client(server.start())
    db = client["sannong"]
    try:
        seeding = asyncio.create_task(seed(db, PASSWORDS, price_days=30))
        await wait_for_step(db, "alerts")  # prices are being written now
        await asyncio.to_thread(server.stop)
        await asyncio.sleep(1.0)
        await asyncio.to_thread(server.start)  # same port, same file
        await asyncio.wait_for(seeding, 240)
        assert not await needs_seed(db)
        assert await db.listings.count_documents({}) == 225
    finally:
        await client.close()
        server.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_make_run_after_a_killed_seed_finishes_it(tmp_path: Path) -> None:
    db_port = free_port()
    env = {
        **os.environ,
        "SANNONG_DATA_DIR": str(tmp_path),
        "SANNONG_EMBEDDED_PORT": str(db_port),
        "SANNONG_ARGON2_MEMORY_KIB": "8",
        "SANNONG_ARGON2_TIME_COST": "1",
        "SANNONG_ARGON2_PARALLELISM": "1",
    }
    env.pop("SANNONG_MONGODB_URI", None)
    seed_command = [sys.executable, "-m", "sannong.cli", "seed", "--if-empty", "--price-days", "3"]
    first = subprocess.Popen(seed_command, env=env, stderr=subprocess.PIPE, text=True)
    assert first.stderr is not None
    for line in first.stderr:  # one JSON line per step when not on a terminal
        if '"seed step done"' in line and '"商品与市场"' in line:
            break
    first.send_signal(signal.SIGKILL)  # the harshest stop: nothing is cleaned up
    first.communicate()  # reaps it and closes the pipe
    deadline = time.monotonic() + 10
    while _listening(db_port):  # its orphaned database notices and stops
        assert time.monotonic() < deadline
        time.sleep(0.2)

    second = subprocess.run(seed_command, env=env, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    assert "演示数据已写入" in second.stdout
    steps = [line for line in second.stderr.splitlines() if '"seed step done"' in line]
    assert not any('"地区"' in line for line in steps)  # done before the kill: not redone
    assert any('"农户、商品和订单"' in line for line in steps)

    third = subprocess.run(seed_command, env=env, capture_output=True, text=True, timeout=120)
    assert "数据库已有数据" in third.stdout
    assert DEMO_ACCOUNTS[0].phone in third.stdout


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0
