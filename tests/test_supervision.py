"""`sannong serve` keeps its embedded database alive: killed, it is back by itself."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from sannong.db.client import open_command_client
from sannong.seed.regions import seed_regions
from tests.factories import METRICS_TOKEN

REGIONS = {"query": "{ regions { name } }"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid: int) -> list[int]:
    return [
        int(child)
        for task in Path(f"/proc/{pid}/task").iterdir()
        for child in (task / "children").read_text().split()
    ]


def regions_answer(port: int) -> dict | None:
    try:
        response = httpx.post(f"http://127.0.0.1:{port}/graphql", json=REGIONS, timeout=5)
    except httpx.TransportError:
        return None
    return response.json().get("data")


async def seed_regions_at(db_port: int) -> None:
    client = open_command_client(f"mongodb://127.0.0.1:{db_port}/?directConnection=true")
    try:
        await seed_regions(client["sannong"])
    finally:
        await client.close()


@pytest.mark.slow
def test_a_killed_embedded_database_is_restarted_with_its_data(tmp_path: Path) -> None:
    db_port, port = free_port(), free_port()
    env = {
        **os.environ,
        "SANNONG_DATA_DIR": str(tmp_path),
        "SANNONG_EMBEDDED_PORT": str(db_port),
        "SANNONG_METRICS_TOKEN": METRICS_TOKEN,
    }
    env.pop("SANNONG_MONGODB_URI", None)
    log = (tmp_path / "serve.log").open("w")
    serve = subprocess.Popen(
        [sys.executable, "-m", "sannong.cli", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while regions_answer(port) is None:
            assert time.monotonic() < deadline and serve.poll() is None, "serve did not start"
            time.sleep(0.2)
        asyncio.run(seed_regions_at(db_port))
        assert regions_answer(port) == {"regions": [{"name": "山东省"}]}

        [database] = children(serve.pid)
        os.kill(database, signal.SIGKILL)
        killed = time.monotonic()
        while regions_answer(port) != {"regions": [{"name": "山东省"}]}:
            assert time.monotonic() - killed < 10, "the API did not come back within 10 s"
            time.sleep(0.2)

        [restarted] = children(serve.pid)
        assert restarted != database
        headers = {"Authorization": f"Bearer {METRICS_TOKEN}"}
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", headers=headers).text
        assert "sannong_embedded_db_restarts_total 1.0" in metrics
    finally:
        serve.terminate()
        serve.wait(timeout=15)
        log.close()
    output = (tmp_path / "serve.log").read_text()
    assert "embedded database stopped, restarting it" in output
    assert "embedded database restarted" in output
    with socket.socket() as s:  # the restarted database went down with `serve`
        assert s.connect_ex(("127.0.0.1", db_port)) != 0
