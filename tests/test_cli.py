"""The command line: seeding is idempotent, and `sannong serve` runs on the embedded database."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from sannong.db import Database
from sannong.security import Passwords
from sannong.seed import DEMO_ACCOUNTS, seed
from tests.conftest import settings_for_tests
from tests.factories import Api

LOGIN = """mutation($i: LoginInput!) {
  login(input: $i) { token user { name role } userErrors { code } } }"""


async def counts(db: Database) -> dict[str, int]:
    return {
        name: await db[name].count_documents({})
        for name in ("regions", "users", "listings", "orders")
    }


async def test_seed_twice_changes_nothing_and_demo_accounts_sign_in(api: Api, db: Database) -> None:
    passwords = Passwords(settings_for_tests())
    await seed(db, passwords, price_days=2)
    first = await counts(db)
    await seed(db, passwords, price_days=2)
    assert await counts(db) == first
    assert first["regions"] == 60 and first["users"] >= len(DEMO_ACCOUNTS)
    for account in DEMO_ACCOUNTS:
        result = await api.gql(LOGIN, {"i": {"phone": account.phone, "password": account.password}})
        assert result["data"]["login"]["user"] == {"name": account.name, "role": account.role.value}


async def test_seed_reset_starts_from_empty(db: Database) -> None:
    await db.users.insert_one({"phone": "13999999999", "name": "x"})
    await seed(db, Passwords(settings_for_tests()), reset=True, price_days=2)
    assert await db.users.find_one({"phone": "13999999999"}) is None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_serve_starts_the_embedded_database_and_answers(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "SANNONG_DATA_DIR": str(tmp_path),
        "SANNONG_EMBEDDED_PORT": str(free_port()),
        "SANNONG_ARGON2_MEMORY_KIB": "8",
        "SANNONG_ARGON2_TIME_COST": "1",
        "SANNONG_ARGON2_PARALLELISM": "1",
    }
    env.pop("SANNONG_MONGODB_URI", None)
    cli = [sys.executable, "-m", "sannong.cli"]
    subprocess.run(
        [*cli, "seed", "--if-empty", "--price-days", "2"],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    port = free_port()
    server = subprocess.Popen(
        [*cli, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, "serve did not start"
            time.sleep(0.2)
        # while serve runs, other commands use its database instead of starting another
        again = subprocess.run(
            [*cli, "seed", "--if-empty"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        assert "数据库已有数据" in again.stdout
        farmer = DEMO_ACCOUNTS[0]
        response = httpx.post(
            f"http://127.0.0.1:{port}/graphql",
            json={
                "query": LOGIN,
                "variables": {"i": {"phone": farmer.phone, "password": farmer.password}},
            },
        )
        assert response.json()["data"]["login"]["user"]["name"] == farmer.name
    finally:
        server.terminate()
        server.communicate(timeout=15)  # reaps it and closes its output pipe
    assert (tmp_path / "sannong.sqlite").exists()
    # the embedded database went down with `serve`: its port is free again
    with socket.socket() as s:
        s.bind(("127.0.0.1", int(env["SANNONG_EMBEDDED_PORT"])))
