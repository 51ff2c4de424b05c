"""Telling every resident of some regions: one in-app notification and/or one SMS each.

A fan-out is a chain of jobs (`integrations.jobs`), one batch of residents each,
taken in `_id` order: a batch's job sends to its residents, then schedules the
next batch's job (key: the last resident's id) no earlier than the rate allows,
and ends. So a restart costs at most the batch at hand, which the next worker
runs again, and nothing goes out twice:

- each SMS has a key (`<what>:<resident>`): a key already delivered is not sent
  again (`SmsProvider.send`), and a gateway receives the outbox id to drop repeats;
- each notification has a unique `key` in `notifications`: a second insert is ignored;
- a worker stopped mid-batch (shutdown, cancellation) first finishes the messages in
  flight, so none is cut off between the gateway's answer and the outbox update.

Only a process killed outright during a request can repeat one message, with the
same outbox id.
"""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo.errors import BulkWriteError

from sannong.clock import now
from sannong.db import Database, Document
from sannong.integrations.jobs import JobServices, schedule
from sannong.settings import Settings

DUPLICATE_KEY = 11000


@dataclass(frozen=True)
class Pace:
    """How fast residents are told: a batch per job, at most `per_minute` messages."""

    batch: int = 50
    per_minute: int = 600
    concurrency: int = 5  # messages in flight at once within a batch

    @classmethod
    def from_settings(cls, settings: Settings) -> "Pace":
        return cls(settings.fanout_batch, settings.fanout_per_minute, settings.fanout_concurrency)

    def payload(self) -> Document:
        return {"batch": self.batch, "perMinute": self.per_minute, "concurrency": self.concurrency}


async def start_fanout(db: Database, kind: str, ref: str, pace: Pace, at: datetime) -> bool:
    """Schedules the first batch of `kind` about `ref` (a notice or alert id); once per ref."""
    return await schedule(
        db, kind, f"{kind}:{ref}", at, {"ref": ref, "after": None, **pace.payload()}
    )


type NotificationOf = Callable[[ObjectId], Document]


async def fan_out_batch(
    services: JobServices,
    job: Document,
    *,
    region_codes: Sequence[str],
    key: str,
    sms_text: str | None,
    purpose: str,
    notification: NotificationOf | None = None,
) -> int:
    """One batch of the fan-out `job` belongs to; returns how many residents it covered.

    `key` names what is told (e.g. "notice:<id>"): messages are keyed `key:<resident>`."""
    db, payload, started = services.db, job["payload"], now()
    size = int(payload["batch"])
    query: dict[str, Any] = {"path": {"$in": list(region_codes)}}
    if payload.get("after") is not None:
        query["_id"] = {"$gt": payload["after"]}
    # index users(path, _id)
    residents = await db.users.find(query, {"phone": 1}, sort=[("_id", 1)], limit=size).to_list()
    if notification is not None and residents:
        await _insert_new(
            db, [notification(r["_id"]) | {"key": f"{key}:{r['_id']}"} for r in residents]
        )
    if sms_text is not None:
        step = max(1, int(payload.get("concurrency", 1)))
        for start in range(0, len(residents), step):
            chunk = residents[start : start + step]
            await _finished_even_if_cancelled(
                asyncio.gather(
                    *(
                        services.sms.send(
                            r["phone"], sms_text, purpose=purpose, key=f"{key}:{r['_id']}"
                        )
                        for r in chunk
                    )
                )
            )
    if len(residents) == size:
        pause = timedelta(seconds=size * 60 / max(1, int(payload["perMinute"])))
        last = residents[-1]["_id"]
        await schedule(
            db,
            job["kind"],
            f"{job['kind']}:{payload['ref']}:{last}",
            started + pause,
            {**payload, "after": last},
        )
    return len(residents)


async def _finished_even_if_cancelled(work: Awaitable[Any]) -> None:
    """A cancelled send could reach the gateway and not be marked sent, so it would go out
    again: the messages in flight are finished first, then the cancellation goes on."""
    task = asyncio.ensure_future(work)
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        await task
        raise


async def _insert_new(db: Database, documents: list[Document]) -> None:
    """Inserts the notifications not there yet (unique `key`: a batch run again adds none)."""
    try:
        await db.notifications.insert_many(documents, ordered=False)
    except BulkWriteError as error:
        if any(e.get("code") != DUPLICATE_KEY for e in error.details.get("writeErrors", [])):
            raise
