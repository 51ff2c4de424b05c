"""Jobs: scheduled once, claimed by one worker, retried after failure or a dead worker,
and SMS keyed so a job that runs again sends nothing twice (loopback gateway)."""

import asyncio
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from pymongo import AsyncMongoClient

from sannong.api.app import create_app
from sannong.clock import now
from sannong.db import Database, Document
from sannong.db.client import open_client
from sannong.integrations.jobs import (
    MAX_ATTEMPTS,
    JobRunner,
    JobServices,
    retry_delay,
    schedule,
    unschedule,
)
from sannong.integrations.sms import HttpSms, OutboxSms
from tests.conftest import settings_for_tests, start_app
from tests.gateway import Gateway, running_gateway

PHONES = [f"1390000{n:04d}" for n in range(40)]


async def send_reminder(services: JobServices, job: Document) -> None:
    phone = job["payload"]["phone"]
    await services.sms.send(phone, "【三农】明天 9:00 专家咨询", purpose="test", key=job["_id"])


def runner(db: Database, sms: OutboxSms | HttpSms, **handlers: object) -> JobRunner:
    return JobRunner(JobServices(db, sms), {"reminder": send_reminder, **handlers})  # type: ignore[dict-item]


async def test_a_key_is_scheduled_once(db: Database) -> None:
    due = now()
    assert await schedule(db, "reminder", "r:1", due, {"phone": PHONES[0]}) is True
    assert await schedule(db, "reminder", "r:1", due + timedelta(hours=1)) is False
    assert await db.jobs.count_documents({}) == 1


async def test_due_jobs_run_and_are_gone_future_ones_wait(db: Database) -> None:
    await schedule(db, "reminder", "r:due", now() - timedelta(seconds=1), {"phone": PHONES[0]})
    await schedule(db, "reminder", "r:later", now() + timedelta(hours=1), {"phone": PHONES[1]})
    assert await runner(db, OutboxSms(db)).run_due() == 1
    assert [job["_id"] async for job in db.jobs.find({})] == ["r:later"]
    assert [m["phone"] async for m in db.sms_outbox.find({})] == [PHONES[0]]


async def test_two_workers_at_once_send_each_reminder_exactly_once(db: Database) -> None:
    for n, phone in enumerate(PHONES):
        await schedule(db, "reminder", f"r:{n}", now(), {"phone": phone})
    async with running_gateway() as (url, gateway), aiohttp.ClientSession() as session:
        sms = HttpSms(db, session, url)
        ran = await asyncio.gather(*(runner(db, sms).run_due() for _ in range(3)))
    assert sum(ran) == len(PHONES)
    assert sorted(m["to"] for m in gateway.received) == sorted(PHONES)
    assert await db.jobs.count_documents({}) == 0


async def test_a_job_run_again_after_a_crash_does_not_resend(db: Database) -> None:
    async with running_gateway() as (url, gateway), aiohttp.ClientSession() as session:
        sms = HttpSms(db, session, url)
        await sms.send(PHONES[0], "【三农】提醒", purpose="test", key="r:crashed")
        # The worker died after sending, before deleting the job: its lease ran out.
        await db.jobs.insert_one(
            {
                "_id": "r:crashed",
                "kind": "reminder",
                "notBefore": now() - timedelta(seconds=1),
                "claim": "dead-worker",
                "attempts": 1,
                "payload": {"phone": PHONES[0]},
            }
        )
        assert await runner(db, sms).run_due() == 1
    assert len(gateway.received) == 1
    assert await db.jobs.count_documents({}) == 0


async def test_a_failed_delivery_is_sent_again_under_its_key(db: Database) -> None:
    refusing = Gateway(failures=10, status=400)
    async with running_gateway(refusing) as (url, gateway), aiohttp.ClientSession() as session:
        sms = HttpSms(db, session, url, retries=0)
        first = await sms.send(PHONES[0], "【三农】提醒", purpose="test", key="k")
        gateway.failures = 0
        again = await sms.send(PHONES[0], "【三农】提醒", purpose="test", key="k")
        once_more = await sms.send(PHONES[0], "【三农】提醒", purpose="test", key="k")
    assert first == again == once_more
    assert [m["id"] for m in gateway.received] == [str(first)]


async def test_a_held_job_is_not_claimed_until_its_lease_ends(db: Database) -> None:
    await db.jobs.insert_one(
        {
            "_id": "r:held",
            "kind": "reminder",
            "notBefore": now() + timedelta(minutes=4),
            "claim": "other-worker",
            "attempts": 1,
            "payload": {"phone": PHONES[0]},
        }
    )
    assert await runner(db, OutboxSms(db)).run_due() == 0


async def test_a_failing_handler_is_retried_later_then_given_up(db: Database) -> None:
    async def broken(services: JobServices, job: Document) -> None:
        raise RuntimeError("gateway down")

    jobs = runner(db, OutboxSms(db), broken=broken)
    await schedule(db, "broken", "b:1", now())
    before = now()
    assert await jobs.run_due() == 1
    after = now()
    job = await db.jobs.find_one({"_id": "b:1"})
    assert job["attempts"] == 1 and job["lastError"] == "RuntimeError" and job["claim"] is None
    # the first retry within seconds: a red warning must not wait half a minute
    assert before + timedelta(seconds=1) <= job["notBefore"] <= after + timedelta(seconds=2)

    await db.jobs.update_one(
        {"_id": "b:1"}, {"$set": {"attempts": MAX_ATTEMPTS - 1, "notBefore": now()}}
    )
    assert await jobs.run_due() == 1
    job = await db.jobs.find_one({"_id": "b:1"})
    assert "notBefore" not in job and job["attempts"] == MAX_ATTEMPTS  # kept, never run again


async def test_an_unknown_kind_fails_without_stopping_the_others(db: Database) -> None:
    await schedule(db, "nobody-knows", "x:1", now() - timedelta(seconds=1))
    await schedule(db, "reminder", "r:1", now(), {"phone": PHONES[0]})
    assert await runner(db, OutboxSms(db)).run_due() == 2
    assert await db.sms_outbox.count_documents({}) == 1
    assert (await db.jobs.find_one({"_id": "x:1"}))["lastError"] == "LookupError"


async def test_unschedule_drops_waiting_jobs_not_held_ones(db: Database) -> None:
    await schedule(db, "reminder", "r:waiting", now() + timedelta(hours=1))
    await db.jobs.insert_one(
        {"_id": "r:held", "kind": "reminder", "notBefore": now(), "claim": "w", "attempts": 1}
    )
    assert await unschedule(db, ["r:waiting", "r:held", "r:unknown"]) == 1
    assert [job["_id"] async for job in db.jobs.find({})] == ["r:held"]


async def test_a_stopped_worker_gives_its_job_back_at_once(db: Database) -> None:
    started = asyncio.Event()

    async def slow(services: JobServices, job: Document) -> None:
        started.set()
        await asyncio.sleep(30)

    await schedule(db, "slow", "s:1", now())
    work = asyncio.create_task(runner(db, OutboxSms(db), slow=slow).run_due())
    await started.wait()
    work.cancel()
    with pytest.raises(asyncio.CancelledError):
        await work
    job = await db.jobs.find_one({"_id": "s:1"})
    assert job["claim"] is None and job["notBefore"] <= now()


async def test_the_app_runs_due_jobs_in_its_lifespan(
    mongodb_uri: str, mongo_client: AsyncMongoClient, db_name: str, tmp_path: Path
) -> None:
    db = mongo_client[db_name]
    await schedule(db, "reminder", "r:app", now(), {"phone": PHONES[0]})
    settings = settings_for_tests(
        database=db_name, data_dir=tmp_path, jobs_enabled=True, jobs_poll_seconds=0.05
    )
    app = create_app(settings, client=open_client(mongodb_uri, 5000))
    from sannong.rules import jobs as registry

    registry.HANDLERS["reminder"] = send_reminder
    try:
        lifespan = await start_app(app)
        for _ in range(200):
            if await db.jobs.count_documents({}) == 0:
                break
            await asyncio.sleep(0.05)
        await lifespan.__aexit__(None, None, None)
    finally:
        del registry.HANDLERS["reminder"]
    assert [m["phone"] async for m in db.sms_outbox.find({})] == [PHONES[0]]


def test_retries_back_off_with_jitter_from_seconds_to_two_minutes() -> None:
    for attempts, ceiling in [(1, 2), (2, 4), (3, 8), (6, 64), (7, 120), (9, 120)]:
        delays = [retry_delay(attempts).total_seconds() for _ in range(50)]
        assert all(ceiling / 2 <= delay <= ceiling for delay in delays), attempts
        assert len(set(delays)) > 1  # jobs that failed together do not come back together


async def test_a_job_running_past_its_lease_keeps_it_while_its_worker_lives(db: Database) -> None:
    runs, started = 0, asyncio.Event()

    async def long(services: JobServices, job: Document) -> None:
        nonlocal runs
        runs += 1
        started.set()
        await asyncio.sleep(7.5)  # 2.5 leases: the heartbeat keeps the claim

    await schedule(db, "long", "l:1", now())
    lease = timedelta(seconds=3)
    holder = JobRunner(JobServices(db, OutboxSms(db)), {"long": long}, lease=lease)
    other = JobRunner(JobServices(db, OutboxSms(db)), {"long": long}, lease=lease)
    work = asyncio.create_task(holder.run_due())
    await started.wait()
    while not work.done():
        await other.run_due()
        await asyncio.sleep(0.1)
    assert await work == 1
    assert runs == 1
    assert await db.jobs.count_documents({}) == 0


async def test_a_job_that_keeps_moving_is_never_given_up(db: Database) -> None:
    async def step_then_fail(services: JobServices, job: Document) -> None:
        await services.keep(job, step=job["payload"].get("step", 0) + 1)
        raise RuntimeError("the database timed out after this step")

    jobs = runner(db, OutboxSms(db), stepping=step_then_fail)
    await schedule(db, "stepping", "s:1", now())
    for _ in range(MAX_ATTEMPTS + 2):
        assert await jobs.run_due() == 1
        await db.jobs.update_one({"_id": "s:1"}, {"$set": {"notBefore": now()}})
    job = await db.jobs.find_one({"_id": "s:1"})
    assert job["payload"]["step"] == MAX_ATTEMPTS + 2  # each try went on from the last
    assert job["attempts"] == 1 and "notBefore" in job  # still tried again
