"""Telling every resident of some regions: one in-app notification and/or one SMS each.

A fan-out is one job (`integrations.jobs`) that walks the residents in `_id` order, a
batch at a time: it tells a batch, keeps on the job the last resident told after every
few messages (`payload.after`), and asks to run again for the next batch no earlier than
the rate allows. So a try that fails, or a worker that dies, costs at most the messages
in flight: the next try, here or on another worker, goes on after the last resident
kept, and nothing goes out twice:

- each SMS has a key (`<what>:<resident>`): a key already delivered is not sent
  again (`SmsProvider.send`), and a gateway receives the outbox id to drop repeats;
- each notification has a unique `key` in `notifications`: a second insert is ignored;
- a worker stopped mid-batch (shutdown, cancellation) first finishes the messages in
  flight, so none is cut off between the gateway's answer and the outbox update;
- a worker that lost its claim (`ClaimLost`: its lease ran out, another took over)
  stops before the next messages.

On a busy machine a batch's database writes can take longer than a job's timeout: the
batch is halved for the next try (down to `MIN_BATCH`), and doubles back after a batch
that went through. Only a process killed outright during a request can repeat one
message, with the same outbox id.
"""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo.errors import BulkWriteError, PyMongoError

from sannong.clock import now
from sannong.db import Database, Document
from sannong.integrations.jobs import ClaimLost, JobServices, schedule
from sannong.settings import Settings

DUPLICATE_KEY = 11000
MIN_BATCH = 5


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
    """Schedules the fan-out of `kind` about `ref` (a notice or alert id); once per ref."""
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
) -> datetime | None:
    """One batch of the fan-out `job`; returns when the next batch is due, None when every
    resident has been told.

    `key` names what is told (e.g. "notice:<id>"): messages are keyed `key:<resident>`."""
    payload, started = job["payload"], now()
    size = int(payload.get("size") or payload["batch"])
    try:
        told = await _tell_batch(
            services, job, size, Telling(region_codes, key, sms_text, purpose, notification)
        )
    except PyMongoError as error:
        if error.timeout and size > MIN_BATCH:
            # The database is slower than the job's timeout: smaller writes next time.
            with contextlib.suppress(PyMongoError, ClaimLost):
                await services.keep(job, size=max(MIN_BATCH, size // 2))
        raise
    if told < size:
        return None
    if size < int(payload["batch"]):
        await services.keep(job, size=min(int(payload["batch"]), size * 2))
    return started + timedelta(seconds=told * 60 / max(1, int(payload["perMinute"])))


@dataclass(frozen=True)
class Telling:
    """Who is told what: the residents of `region_codes`, messages keyed `key:<resident>`."""

    region_codes: Sequence[str]
    key: str
    sms_text: str | None
    purpose: str
    notification: NotificationOf | None


async def _tell_batch(services: JobServices, job: Document, size: int, what: Telling) -> int:
    """Tells the next `size` residents after the last one kept; returns how many."""
    db, payload, key = services.db, job["payload"], what.key
    query: dict[str, Any] = {"path": {"$in": list(what.region_codes)}}
    if payload.get("after") is not None:
        query["_id"] = {"$gt": payload["after"]}
    # index users(path, _id)
    residents = await db.users.find(query, {"phone": 1}, sort=[("_id", 1)], limit=size).to_list()
    if not residents:
        return 0
    if what.notification is not None:
        services.check_claim()
        await _insert_new(
            db, [what.notification(r["_id"]) | {"key": f"{key}:{r['_id']}"} for r in residents]
        )
    if what.sms_text is None:
        await services.keep(job, after=residents[-1]["_id"])
        return len(residents)
    step = max(1, int(payload.get("concurrency", 1)))
    for start in range(0, len(residents), step):
        chunk = residents[start : start + step]
        services.check_claim()  # taken over by another worker: not one message more
        await _finished_even_if_cancelled(
            asyncio.gather(
                *(
                    services.sms.send(
                        r["phone"], what.sms_text, purpose=what.purpose, key=f"{key}:{r['_id']}"
                    )
                    for r in chunk
                )
            )
        )
        await services.keep(job, after=chunk[-1]["_id"])
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
