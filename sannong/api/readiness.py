"""Whether the database answers, for `/readyz`, known before anyone asks."""

import asyncio
import contextlib
import time
from typing import Any

import pymongo

READY_PROBE_SECONDS = 2.0  # how often the database is pinged for /readyz
READY_TIMEOUT_SECONDS = 10.0  # a busy database answers late: slow, not down


class Readiness:
    """The database's last known state, kept by a background probe: `/readyz` reads it and
    answers at once, instead of a ping per request that a busy database answers late and
    a loaded loop times out (calling the database dead while it only works). The probe
    waits long for its answer; the state turns to down once no answer came for
    `stale_seconds`."""

    def __init__(self, stale_seconds: float) -> None:
        self.stale_seconds = stale_seconds
        self.last_answer: float | None = None
        self.probed = asyncio.Event()  # the first probe is over, answered or not
        self._stopping = asyncio.Event()

    @property
    def ready(self) -> bool:
        last = self.last_answer
        return last is not None and time.monotonic() - last <= self.stale_seconds

    async def wait_for_first_probe(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.probed.wait(), READY_TIMEOUT_SECONDS)

    def stop(self) -> None:
        """Ends `probe` after the ping under way: a ping cancelled midway would leave its
        connection to the garbage collector."""
        self._stopping.set()

    async def probe(self, db: Any) -> None:
        while not self._stopping.is_set():
            try:
                with pymongo.timeout(READY_TIMEOUT_SECONDS):  # not the requests' short one
                    await db.command("ping")
                self.last_answer = time.monotonic()
            except Exception:
                pass  # no answer: the last one ages until it is stale
            self.probed.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), READY_PROBE_SECONDS)
