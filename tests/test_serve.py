"""`sannong serve` runs on uvloop and httptools, the fast loop and HTTP parser, not on
the pure-Python fallbacks uvicorn would pick silently if they were missing."""

from pathlib import Path

import pytest

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
