"""Work to be done later, done once however many processes run: reminders, SMS fan-out.

    await schedule(db, "consultation_reminder", f"consultation-reminder:{cid}:24h", due_at,
                   {"consultationId": cid})
    runner = JobRunner(JobServices(db, sms), HANDLERS, worker="web-1")
    await runner.run_due()          # or run_forever() in the app's lifespan

A job is one document in `jobs` whose `_id` is its key, so scheduling twice is a no-op.
`notBefore` is the only thing a worker looks at: a due job's time, then, once claimed,
the end of its lease. A worker claims a job with one conditional update that moves
`notBefore` past the lease, so two workers never hold it at once; a finished job is
deleted; a failed one waits (backing off) and is tried again; a job whose worker died
is claimed again when its lease ends. A handler may therefore run twice after a crash,
never twice at once: handlers are idempotent (SMS keys, deterministic notification ids).
"""

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError, PyMongoError

from sannong.clock import now
from sannong.db import Database, Document
from sannong.integrations.sms import SmsProvider
from sannong.logs import failure

log = logging.getLogger("sannong.jobs")

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=30)
LAST_RETRY = timedelta(hours=1)


@dataclass
class JobServices:
    """What a handler may use: it runs outside any request."""

    db: Database
    sms: SmsProvider


type Handler = Callable[[JobServices, Document], Awaitable[None]]


async def schedule(
    db: Database, kind: str, key: str, due_at: datetime, payload: Document | None = None
) -> bool:
    """The job `key` runs `kind`'s handler at `due_at`; False when it is already scheduled.
    Keys are logged: build them from ids, never from phone numbers or names."""
    try:
        await db.jobs.insert_one(
            {
                "_id": key,
                "kind": kind,
                "notBefore": due_at,
                "dueAt": due_at,
                "attempts": 0,
                "payload": payload or {},
                "createdAt": now(),
            }
        )
    except DuplicateKeyError:
        return False
    return True


async def unschedule(db: Database, keys: Sequence[str]) -> int:
    """Drops these jobs unless a worker holds one now (its handler re-checks what it acts
    on, e.g. that the consultation is still booked)."""
    result = await db.jobs.delete_many({"_id": {"$in": list(keys)}, "claim": None})
    return result.deleted_count


def retry_delay(attempts: int) -> timedelta:
    delay: timedelta = FIRST_RETRY * 2 ** (attempts - 1)
    return min(delay, LAST_RETRY)


class JobRunner:
    def __init__(
        self,
        services: JobServices,
        handlers: Mapping[str, Handler],
        *,
        worker: str | None = None,
        lease: timedelta = timedelta(minutes=5),
        poll_seconds: float = 2.0,
    ) -> None:
        self.services, self.handlers = services, handlers
        self.worker = worker or uuid.uuid4().hex[:12]
        self.lease, self.poll_seconds = lease, poll_seconds
        self._stopping = asyncio.Event()

    async def run_due(self, limit: int = 100) -> int:
        """Claims and runs due jobs one at a time; returns how many it ran (failures count)."""
        ran = 0
        while ran < limit and not self._stopping.is_set():
            job = await self._claim()
            if job is None:
                break
            await self._run(job)
            ran += 1
        return ran

    async def run_forever(self) -> None:
        """Until `stop()`: the job at hand is finished, then the loop ends."""
        while not self._stopping.is_set():
            try:
                ran = await self.run_due()
            except PyMongoError:
                log.warning("jobs: database unavailable, trying again later")
                ran = 0
            if ran == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self.poll_seconds)

    def stop(self) -> None:
        self._stopping.set()

    async def _claim(self) -> Document | None:
        at = now()
        # index jobs(notBefore): a failed job has none and is never claimed again
        job: Document | None = await self.services.db.jobs.find_one_and_update(
            {"notBefore": {"$lte": at}},
            {
                "$set": {"notBefore": at + self.lease, "claim": uuid.uuid4().hex},
                "$inc": {"attempts": 1},
            },
            sort=[("notBefore", 1)],
            return_document=ReturnDocument.AFTER,
        )
        return job

    async def _run(self, job: Document) -> None:
        jobs = self.services.db.jobs
        mine = {"_id": job["_id"], "claim": job["claim"]}
        handler = self.handlers.get(job["kind"])
        try:
            if handler is None:
                raise LookupError(f"no handler for job kind {job['kind']}")
            await handler(self.services, job)
        except asyncio.CancelledError:
            # Stopped mid-job (shutdown): give it back now rather than at the lease's end.
            # Whatever the handler did already, it skips when the job runs again.
            release = {"$set": {"notBefore": now(), "claim": None}}
            with contextlib.suppress(PyMongoError):
                await asyncio.shield(jobs.update_one(mine, release))
            raise
        except Exception as error:  # a handler's failure must not stop the worker
            attempts: int = job["attempts"]
            fields: dict[str, Any] = {"lastError": type(error).__name__, "claim": None}
            if attempts >= MAX_ATTEMPTS:
                update: Document = {"$set": fields, "$unset": {"notBefore": ""}}
            else:
                update = {"$set": {**fields, "notBefore": now() + retry_delay(attempts)}}
            await jobs.update_one(mine, update)
            log.warning(
                "job failed",
                extra={
                    "job": job["_id"],
                    "kind": job["kind"],
                    "attempts": attempts,
                    "error": failure(error),
                    "gave_up": attempts >= MAX_ATTEMPTS,
                },
            )
            return
        await jobs.delete_one(mine)
        log.info("job done", extra={"job": job["_id"], "kind": job["kind"]})
