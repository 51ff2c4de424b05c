"""A short lease on a name, held by one caller at a time across every process:

    async with serialized(db, f"slots:{expert_id}"):
        ...check for overlaps, then write...

Taking it is one insert of a document whose `_id` is the name (a unique key, so of two
callers one wins); a lease whose holder died is taken over by a conditional update
once it has expired. For invariants that span several documents (no two overlapping
slots of one expert), where no single conditional update can say it.
"""

import asyncio
import random
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from pymongo.errors import DuplicateKeyError

from sannong.db import Database
from sannong.errors import Conflict

LEASE = timedelta(seconds=30)  # far longer than a check and a write take
WAIT_SECONDS = 10.0


@asynccontextmanager
async def serialized(
    db: Database, name: str, *, lease: timedelta = LEASE, wait: float = WAIT_SECONDS
) -> AsyncIterator[None]:
    holder = uuid.uuid4().hex
    give_up = time.monotonic() + wait
    while not await _take(db, name, holder, lease):
        if time.monotonic() > give_up:
            raise Conflict("操作繁忙，请稍后再试")
        await asyncio.sleep(0.01 + random.random() * 0.03)  # jitter: waiters do not march
    try:
        yield
    finally:
        await db.locks.delete_one({"_id": name, "holder": holder})


async def _take(db: Database, name: str, holder: str, lease: timedelta) -> bool:
    at = datetime.now(UTC)
    held = {"holder": holder, "expiresAt": at + lease}
    try:
        await db.locks.insert_one({"_id": name, **held})
        return True
    except DuplicateKeyError:
        stale = await db.locks.find_one_and_update(
            {"_id": name, "expiresAt": {"$lt": at}}, {"$set": held}
        )
        return stale is not None
