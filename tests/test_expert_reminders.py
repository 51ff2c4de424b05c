"""Reminders of consultations and lectures: due 24 h and 30 min before, sent by SMS and in
the inbox exactly once even with two workers at once (counted at a loopback gateway)."""

import asyncio
from datetime import timedelta

import aiohttp
from bson import ObjectId

from sannong.clock import now
from sannong.db import Database
from sannong.integrations.jobs import JobRunner, JobServices, schedule
from sannong.integrations.sms import HttpSms
from sannong.rules.jobs import HANDLERS
from tests.experts import (
    CANCEL,
    REGISTER,
    SCHEDULE,
    booked,
    expert,
    key_of,
    later,
    slot,
)
from tests.factories import Api
from tests.gateway import running_gateway


async def make_due(db: Database) -> None:
    """As if the time had come for every job scheduled."""
    await db.jobs.update_many({}, {"$set": {"notBefore": now() - timedelta(seconds=1)}})


async def run_two_workers(db: Database) -> list[dict[str, str]]:
    async with running_gateway() as (url, gateway), aiohttp.ClientSession() as session:
        services = JobServices(db, HttpSms(db, session, url))
        workers = [JobRunner(services, HANDLERS, worker=f"w{n}") for n in range(2)]
        await asyncio.gather(*(w.run_due() for w in workers))
        return gateway.received


async def test_two_workers_send_each_consultation_reminder_once(api: Api) -> None:
    li = await expert(api)
    farmers = [await api.person() for _ in range(3)]
    for n, farmer in enumerate(farmers):
        await booked(api, farmer, (await slot(api, li, hours=48 + n))["id"])
    keys = sorted([job["_id"] async for job in api.db.jobs.find({})])
    assert len(keys) == 6 and keys[0].endswith(":24h") and keys[1].endswith(":30m")
    await make_due(api.db)
    received = await run_two_workers(api.db)
    # 3 bookings × 2 moments × 2 parties, each once
    assert len(received) == 12
    assert len({(m["to"], m["text"], m["id"]) for m in received}) == 12
    assert sorted(m["to"] for m in received).count(li.phone) == 6
    assert await api.db.jobs.count_documents({}) == 0
    inbox = await api.db.notifications.count_documents({"kind": "CONSULTATION_REMINDER"})
    assert inbox == 12
    # A job that runs again (a worker that died after sending) sends nothing new.
    again = {"consultationId": ObjectId(keys[0].split(":")[1])}
    await schedule(api.db, "consultation_reminder", keys[0], now(), again)
    assert await run_two_workers(api.db) == []


async def test_a_booking_made_shortly_before_gets_only_the_reminders_still_ahead(
    api: Api,
) -> None:
    li = await expert(api)
    farmer = await api.person()
    consultation = await booked(api, farmer, (await slot(api, li, hours=3))["id"])
    keys = [job["_id"] async for job in api.db.jobs.find({})]
    assert keys == [f"consultation-reminder:{key_of(consultation['id'])}:30m"]


async def test_a_cancelled_booking_is_not_reminded(api: Api) -> None:
    li = await expert(api)
    farmer = await api.person()
    consultation = await booked(api, farmer, (await slot(api, li))["id"])
    assert await api.db.jobs.count_documents({}) == 2
    await api.gql(CANCEL, {"i": {"consultationId": consultation["id"]}}, as_=farmer)
    assert await api.db.jobs.count_documents({}) == 0
    assert await run_two_workers(api.db) == []


async def test_registered_people_are_reminded_of_a_lecture_once(api: Api) -> None:
    li = await expert(api)
    farmers = [await api.person() for _ in range(4)]
    lecture = {
        "title": "大棚蔬菜冬季管理",
        "startsAt": later(hours=5),
        "durationMinutes": 60,
        "streamUrl": "https://live.example.cn/room/1",
        "capacity": 100,
    }
    result = await api.gql(SCHEDULE, {"i": lecture}, as_=li)
    session = result["data"]["scheduleVideoSession"]["videoSession"]
    for farmer in farmers[:3]:
        await api.gql(REGISTER, {"i": {"sessionId": session["id"]}}, as_=farmer)
    await make_due(api.db)
    received = await run_two_workers(api.db)
    assert sorted(m["to"] for m in received) == sorted(f.phone for f in farmers[:3])
    assert "大棚蔬菜冬季管理" in received[0]["text"]
