"""Fixed-window counters in the database, so every worker process sees the same count."""

import hashlib
import time
from datetime import UTC, datetime, timedelta

from pymongo import ReturnDocument

from sannong.db import Database


def _window_key(kind: str, subject: str, window_seconds: int) -> tuple[str, datetime]:
    bucket = int(time.time()) // window_seconds
    # The subject (a phone, an address) is hashed: counters never hold personal data.
    digest = hashlib.sha256(subject.encode()).hexdigest()[:32]
    ends = datetime.fromtimestamp((bucket + 1) * window_seconds, UTC)
    return f"{kind}:{digest}:{bucket}", ends


async def hit(db: Database, kind: str, subject: str, window_seconds: int) -> int:
    """Adds one to the current window and returns the new count."""
    key, ends = _window_key(kind, subject, window_seconds)
    doc = await db.throttle.find_one_and_update(
        {"key": key},
        {"$inc": {"count": 1}, "$setOnInsert": {"expiresAt": ends + timedelta(seconds=60)}},
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )
    assert doc is not None  # upserted
    return int(doc["count"])


async def give_back(db: Database, kind: str, subject: str, window_seconds: int) -> None:
    """Takes back one hit of the current window (an attempt claimed, then not a failure)."""
    key, _ = _window_key(kind, subject, window_seconds)
    await db.throttle.update_one({"key": key, "count": {"$gt": 0}}, {"$inc": {"count": -1}})
