"""Doing something once per idempotency key, however many retries race each other.

    doc = await once(db, f"consultation:{farmer_id}:{key}", replay=find_earlier, act=book)

The key is claimed (a unique document in `idempotency_claims`) before anything is
done, so concurrent retries wait for the first call and answer with what it made:
a replay never acts again and never fails for a result that exists. `replay` finds
the earlier result (and raises CONFLICT when the same key came with other input).
"""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta

from pymongo.errors import DuplicateKeyError

from sannong.clock import now
from sannong.db import Database, Document
from sannong.errors import Conflict

CLAIM_POLL_SECONDS = 0.05
CLAIM_WAITS = 200  # ten seconds: far longer than an action takes
CLAIM_STALE_AFTER = timedelta(seconds=30)


async def once(
    db: Database,
    claim_id: str,
    *,
    replay: Callable[[], Awaitable[Document | None]],
    act: Callable[[], Awaitable[Document]],
    busy: str,
) -> Document:
    for _ in range(CLAIM_WAITS):
        if (earlier := await replay()) is not None:
            return earlier
        try:
            await db.idempotency_claims.insert_one({"_id": claim_id, "createdAt": now()})
        except DuplicateKeyError:
            # Another call with this key is at work; a claim left by a crashed process goes.
            stale = now() - CLAIM_STALE_AFTER
            await db.idempotency_claims.delete_one({"_id": claim_id, "createdAt": {"$lt": stale}})
            await asyncio.sleep(CLAIM_POLL_SECONDS)
            continue
        try:
            return await act()
        finally:
            await db.idempotency_claims.delete_one({"_id": claim_id})
    raise Conflict(busy, field="idempotencyKey")
