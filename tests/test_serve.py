"""`sannong serve` runs on uvloop and httptools, the fast loop and HTTP parser, not on
the pure-Python fallbacks uvicorn would pick silently if they were missing; the line it
prints gives the app's address first."""

import asyncio
import re
from pathlib import Path

import httpx
import pytest

from sannong.cli import app_address
from tests.servers import serving, worker_pids


def loaded_libraries(pid: int) -> str:
    return Path(f"/proc/{pid}/maps").read_text()


@pytest.mark.slow
async def test_the_server_runs_on_uvloop_and_httptools(
    mongodb_uri: str, db_name: str, tmp_path: Path
) -> None:
    async with serving(mongodb_uri, db_name, tmp_path) as server:
        (pid,) = worker_pids(server)
        loaded = loaded_libraries(pid)
    assert "/uvloop/loop." in loaded
    assert "/httptools/parser/parser." in loaded


@pytest.mark.slow
async def test_the_terminal_names_the_app_at_the_servers_address(
    mongodb_uri: str, db_name: str, tmp_path: Path
) -> None:
    app = tmp_path / "dist"
    app.mkdir()
    (app / "index.html").write_text("<title>三农</title>", encoding="utf-8")
    async with serving(
        mongodb_uri, db_name, tmp_path, stdout=asyncio.subprocess.PIPE, app_dir=str(app)
    ) as server:
        assert server.process.stdout is not None
        line = (await asyncio.wait_for(server.process.stdout.readline(), 60)).decode()
        addresses = re.findall(r"http://\S+?/(?:\w+)?", line)
        # The first address is the one a newcomer opens: the app, not the API.
        assert addresses[0] == f"http://127.0.0.1:{server.port}/"
        async with httpx.AsyncClient() as http:
            page = await http.get(addresses[0])
        assert page.status_code == 200
        assert "<title>三农</title>" in page.text
        assert f"http://127.0.0.1:{server.port}/graphql" in addresses[1:]


def test_a_server_on_every_interface_is_opened_through_loopback() -> None:
    assert app_address("0.0.0.0", 8000) == "http://127.0.0.1:8000/"
    assert app_address("::", 8000) == "http://127.0.0.1:8000/"
    assert app_address("::1", 8000) == "http://[::1]:8000/"
    assert app_address("192.168.1.20", 8080) == "http://192.168.1.20:8080/"
