"""A real `sannong serve` over an embedded database in its own process, which a test can
pause (SIGSTOP) in the middle of a burst of requests, as a hung disk or a stalled
machine would: the server keeps the commands it was sent and applies them when it runs
again, long after the API gave up on them and answered SERVICE_UNAVAILABLE."""

import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from sannong.db import Database
from sannong.db.client import open_command_client
from sannong.db.embedded import EmbeddedServer
from sannong.db.indexes import ensure_indexes
from sannong.seed.regions import seed_regions
from tests.factories import Api, codes
from tests.servers import serving

# The driver's half-made socket, when a connection attempt to the paused database is
# cancelled: PyMongo's async connection creation does not close its socket then (PYTHON-5867,
# open upstream), so the garbage collector closes it and Python says so. It is the driver's,
# not a connection of ours left open; only this one warning is let through, in these tests.
DRIVER_SOCKET_LEFT_TO_COLLECTOR = pytest.mark.filterwarnings(
    "ignore:Exception ignored in. <socket.socket:pytest.PytestUnraisableExceptionWarning"
)

PAUSE_SECONDS = 2.5  # longer than the API's database timeout (2 s)


@dataclass
class Stack:
    database_server: EmbeddedServer
    db: Database  # the test's own patient client, for set-up and for checking
    api: Api  # real HTTP to the `sannong serve` process
    retrying: asyncio.Semaphore  # retries a few at a time, as phones spread them out


@contextlib.asynccontextmanager
async def pausable_stack(tmp_path: Path, **settings: str) -> AsyncIterator[Stack]:
    database_server = EmbeddedServer(path=None)
    uri = database_server.start()
    client = open_command_client(uri)
    db = client["pauses"]
    try:
        await ensure_indexes(db)
        await seed_regions(db)
        async with (
            serving(uri, "pauses", tmp_path, db_timeout_ms="2000", **settings) as server,
            # A connection per request: a kept-alive one the server is closing at that very
            # moment fails the request (ReadError) on a loaded machine.
            httpx.AsyncClient(
                base_url=server.url,
                timeout=120,
                limits=httpx.Limits(max_keepalive_connections=0),
            ) as http,
        ):
            yield Stack(database_server, db, Api(http, db), asyncio.Semaphore(8))
    finally:
        await client.close()
        database_server.stop()


async def pause_database(stack: Stack, *, after: float, seconds: float = PAUSE_SECONDS) -> None:
    """Stops the database process `after` seconds from now for `seconds`, then lets it go on."""
    process = stack.database_server.process
    assert process is not None
    await asyncio.sleep(after)
    os.kill(process.pid, signal.SIGSTOP)
    try:
        await asyncio.sleep(seconds)
    finally:
        os.kill(process.pid, signal.SIGCONT)


async def burst_with_pause[T](
    stack: Stack, calls: list[Awaitable[T]], *, pause_after: float
) -> list[T]:
    """All `calls` at once, the database paused `pause_after` seconds into the burst."""
    *answers, _ = await asyncio.gather(*calls, pause_database(stack, after=pause_after))
    return answers  # type: ignore[return-value]


async def settled(read: Callable[[], Awaitable[Any]], *, quiet: float = 0.5) -> Any:
    """What `read` returns once it has stopped changing for `quiet` seconds: commands the
    paused server kept are applied shortly after it runs again, in no promised order."""
    last = await read()
    for _ in range(60):
        await asyncio.sleep(quiet)
        current = await read()
        if current == last:
            return current
        last = current
    raise AssertionError("the database kept changing for 30 s")


def unavailable(answer: dict[str, Any]) -> bool:
    return "SERVICE_UNAVAILABLE" in codes(answer)


async def until_answered(
    stack: Stack, ask: Callable[[], Awaitable[dict[str, Any]]], answer: dict[str, Any] | None
) -> dict[str, Any]:
    """Asks again while the answer is SERVICE_UNAVAILABLE, backing off as the app does: a
    loaded machine may time a retry out too, without any pause."""
    async with stack.retrying:
        for attempt in range(10):
            if answer is not None and not unavailable(answer):
                return answer
            if answer is not None:
                await asyncio.sleep(min(0.25 * 2**attempt, 4.0))
            answer = await ask()
    assert answer is not None and not unavailable(answer), answer
    return answer
