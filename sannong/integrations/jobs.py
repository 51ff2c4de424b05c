"""Work to be done later, done once however many processes run: reminders, SMS fan-out.

    await schedule(db, "consultation_reminder", f"consultation-reminder:{cid}:24h", due_at,
                   {"consultationId": cid})
    runner = JobRunner(JobServices(db, sms), HANDLERS, worker="web-1")
    await runner.run_due()          # or run_forever() in the app's lifespan

A job is one document in `jobs` whose `_id` is its key, so scheduling twice is a no-op.
`notBefore` is the only thing a worker looks at: a due job's time, then, once claimed,
the end of its lease. A worker claims a job with one conditional update that moves
`notBefore` past a short lease and writes a claim token, so two workers never hold it at
once. While the handler runs, the runner's heartbeat moves the lease on every few seconds
(a conditional update on its own token), so a job whose worker died is claimed again by
another within the lease (15 s), however long a live worker takes. A renewal that finds
the token gone, or a lease that ran out before one got through, means the claim is lost:
the handler stops at its next checkpoint (`JobServices.keep`), before sending more.

A finished job is deleted; a handler that returns a time runs again then (a fan-out's
next batch), released for any worker. A failed one waits, backing off with jitter, and is
tried again; `attempts` counts the tries in a row that made no progress, so a long job
that keeps moving on a slow machine is never given up. Progress a handler keeps on the
job (`JobServices.keep`, e.g. the last resident told) is where the next try starts.
A handler may still run again after a crash, never twice at once: handlers are
idempotent (SMS keys, deterministic notification ids).
"""

import asyncio
import contextlib
import dataclasses
import logging
import os
import random
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pymongo
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError, PyMongoError

from sannong.clock import now
from sannong.db import Database, Document
from sannong.integrations.sms import SmsProvider
from sannong.logs import failure

log = logging.getLogger("sannong.jobs")

MAX_ATTEMPTS = 10  # tries in a row without progress: about ten minutes of them
FIRST_RETRY = timedelta(seconds=2)
LAST_RETRY = timedelta(minutes=2)
LEASE = timedelta(seconds=15)
HEARTBEATS_PER_LEASE = 5


class ClaimLost(Exception):
    """Another worker holds the job now (this one's lease ran out): stop, touch nothing."""


class Claim:
    """A worker's hold on one job: its token, and until when the lease surely holds."""

    def __init__(self, db: Database, job: Document, lease: timedelta) -> None:
        self.db, self.lease = db, lease
        self.mine: Document = {"_id": job["_id"], "claim": job["claim"]}
        # Counted from before the claim was sent: the lease on the server ends later.
        self.expires = time.monotonic() + lease.total_seconds()
        self.lost = False
        self.progressed = False

    def check(self) -> None:
        if not self.lost and time.monotonic() >= self.expires:
            self.lost = True
        if self.lost:
            raise ClaimLost(self.mine["_id"])

    async def renew(self) -> None:
        sent = time.monotonic()
        # A renewal slower than half the lease is no use: the next one tries again.
        with pymongo.timeout(self.lease.total_seconds() / 2):
            result = await self.db.jobs.update_one(
                self.mine, {"$set": {"notBefore": now() + self.lease}}
            )
        if result.matched_count == 0:
            self.lost = True
        else:
            self.expires = max(self.expires, sent + self.lease.total_seconds())

    async def keep(self, fields: Document) -> None:
        """Stores `fields` in the job's payload, only while this worker holds it."""
        self.check()
        update = {"$set": {f"payload.{name}": value for name, value in fields.items()}}
        if (await self.db.jobs.update_one(self.mine, update)).matched_count == 0:
            self.lost = True
            raise ClaimLost(self.mine["_id"])
        self.progressed = True


@dataclass
class JobServices:
    """What a handler may use: it runs outside any request, with its own database client
    (operations may take as long as a busy machine needs, `open_job_client`)."""

    db: Database
    sms: SmsProvider
    claim: Claim | None = None  # set by the runner for the job at hand

    async def keep(self, job: Document, **progress: Any) -> None:
        """Progress of `job` kept on it, so a retry (here or on another worker) goes on from
        there; raises `ClaimLost` when another worker took the job over."""
        if self.claim is not None:
            await self.claim.keep(progress)
        job["payload"].update(progress)

    def check_claim(self) -> None:
        """Raises `ClaimLost` when this worker may no longer act for the job."""
        if self.claim is not None:
            self.claim.check()


# A handler returns None when the job is done, or when it is to run again (a next batch).
type Handler = Callable[[JobServices, Document], Awaitable[datetime | None]]


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
    """Doubling from 2 s to at most 2 minutes, each between half and all of that at random,
    so jobs that failed together (a database that was away) do not all come back at once."""
    ceiling: timedelta = min(FIRST_RETRY * 2 ** (attempts - 1), LAST_RETRY)
    return ceiling * random.uniform(0.5, 1.0)


class JobRunner:
    def __init__(
        self,
        services: JobServices,
        handlers: Mapping[str, Handler],
        *,
        worker: str | None = None,
        lease: timedelta = LEASE,
        poll_seconds: float = 2.0,
    ) -> None:
        self.services, self.handlers = services, handlers
        # `claimedBy` on a job names the process holding it, for an operator to find
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}"
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
                "$set": {
                    "notBefore": at + self.lease,
                    "claim": uuid.uuid4().hex,
                    "claimedBy": self.worker,
                },
                "$inc": {"attempts": 1},
            },
            sort=[("notBefore", 1)],
            return_document=ReturnDocument.AFTER,
        )
        return job

    async def _run(self, job: Document) -> None:
        jobs, claim = self.services.db.jobs, Claim(self.services.db, job, self.lease)
        handler = self.handlers.get(job["kind"])
        try:
            if handler is None:
                raise LookupError(f"no handler for job kind {job['kind']}")
            services = dataclasses.replace(self.services, claim=claim)
            again = await self._with_heartbeat(claim, handler(services, job))
        except asyncio.CancelledError:
            # Stopped mid-job (shutdown): give it back now rather than at the lease's end.
            # Whatever the handler did already, it skips when the job runs again.
            release = {"$set": {"notBefore": now(), "claim": None}}
            with contextlib.suppress(PyMongoError):
                await asyncio.shield(jobs.update_one(claim.mine, release))
            raise
        except ClaimLost:
            log.warning("job taken over", extra={"job": job["_id"], "kind": job["kind"]})
            return
        except Exception as error:  # a handler's failure must not stop the worker
            await self._failed(job, claim, error)
            return
        if claim.lost:  # finished, but another worker may run it again: handlers are idempotent
            return
        if again is None:
            await jobs.delete_one(claim.mine)
            log.info("job done", extra={"job": job["_id"], "kind": job["kind"]})
        else:
            rearm: Document = {"notBefore": again, "claim": None, "attempts": 0}
            await jobs.update_one(claim.mine, {"$set": rearm, "$unset": {"lastError": ""}})

    async def _with_heartbeat(
        self, claim: Claim, work: Awaitable[datetime | None]
    ) -> datetime | None:
        heartbeat = asyncio.create_task(self._keep_alive(claim))
        try:
            return await work
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat

    async def _failed(self, job: Document, claim: Claim, error: Exception) -> None:
        # A try that moved the job on starts the count again: only a job stuck where it is
        # is given up.
        attempts: int = 1 if claim.progressed else job["attempts"]
        fields: dict[str, Any] = {
            "lastError": type(error).__name__,
            "claim": None,
            "attempts": attempts,
        }
        if attempts >= MAX_ATTEMPTS:
            update: Document = {"$set": fields, "$unset": {"notBefore": ""}}
        else:
            update = {"$set": {**fields, "notBefore": now() + retry_delay(attempts)}}
        await self.services.db.jobs.update_one(claim.mine, update)
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

    async def _keep_alive(self, claim: Claim) -> None:
        """The heartbeat: moves the lease on while the handler runs, until it is lost."""
        every = self.lease.total_seconds() / HEARTBEATS_PER_LEASE
        while not claim.lost:
            await asyncio.sleep(every)
            try:
                await claim.renew()
            except PyMongoError:
                # Not lost yet: the lease still runs (`Claim.check`); the next beat tries.
                log.warning("jobs: could not renew a claim", extra={"job": claim.mine["_id"]})
        log.warning(
            "jobs: claim lost, stopping at the next checkpoint", extra={"job": claim.mine["_id"]}
        )
