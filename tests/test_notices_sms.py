"""SMS and in-app fan-out to residents: batched, paced, from jobs that survive a restart
without telling anyone twice (a real aiohttp gateway on loopback)."""

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import aiohttp
import httpx
import pytest
from aiohttp import web
from bson import ObjectId
from pymongo.errors import NetworkTimeout

from sannong.api.app import create_app
from sannong.auth import Role
from sannong.clock import now
from sannong.db import Database
from sannong.db.client import open_client
from sannong.integrations.jobs import JobRunner, JobServices
from sannong.integrations.sms import HttpSms
from sannong.rules.fanout import Pace
from sannong.rules.jobs import HANDLERS
from sannong.seed.regions import village_code
from tests.conftest import settings_for_tests, start_app
from tests.factories import PROVINCE, SUNJIAJI, Api, region_id
from tests.gateway import Gateway, running_gateway
from tests.notices import WITHDRAW, admin, publish, red_alert, residents, villagers

ALERT = """mutation($i: CreateAlertInput!) { createAlert(input: $i) {
    alert { id } userErrors { field code } } }"""
INBOX = "{ myNotifications(first: 5) { edges { node { kind title read } } } }"


@pytest.fixture
async def fast_api(
    mongodb_uri: str, db_name: str, db: Database, tmp_path: Path
) -> AsyncIterator[Api]:
    """The app with a fan-out pace a test can wait for: 50 a batch, no pause to speak of."""
    settings = settings_for_tests(
        database=db_name, data_dir=tmp_path, fanout_batch=50, fanout_per_minute=600_000
    )
    app = create_app(settings, client=open_client(mongodb_uri, 5000))
    lifespan = await start_app(app)
    transport = httpx.ASGITransport(app=app, client=("10.1.2.3", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://sannong.test") as http:
        yield Api(http, db)
    await lifespan.__aexit__(None, None, None)


def runner(db: Database, sms: HttpSms) -> JobRunner:
    return JobRunner(JobServices(db, sms), HANDLERS)


async def run_until_done(db: Database, *runners: JobRunner) -> None:
    """Runs the chain of batch jobs to its end, several workers at once."""
    for _ in range(2000):
        if await db.jobs.count_documents({}) == 0:
            return
        await asyncio.gather(*(r.run_due() for r in runners))
        await asyncio.sleep(0.005)
    raise AssertionError("the fan-out did not finish")


class PausingGateway(Gateway):
    """Holds the message number `at` until released: a worker is cut off mid-request."""

    def __init__(self, at: int) -> None:
        super().__init__()
        self.at, self.reached, self.release = at, asyncio.Event(), asyncio.Event()
        self.requests = 0

    async def handle(self, request: web.Request) -> web.Response:
        self.requests += 1
        if self.requests == self.at:
            self.reached.set()
            await self.release.wait()
        return await super().handle(request)


async def test_sms_to_500_residents_with_a_restart_in_the_middle_sends_exactly_500(
    fast_api: Api,
) -> None:
    api, db = fast_api, fast_api.db
    township = await admin(api)  # lives in 孙家集村, not in 胡营村
    people = await residents(api, "胡营村", 500, 13700000000)
    notice = await publish(
        api, township, region=village_code("胡营村"), title="医保缴费提醒", sendSms=True
    )
    gateway = PausingGateway(at=123)  # in the third batch of 50, in a chunk of five
    async with running_gateway(gateway) as (url, _), aiohttp.ClientSession() as session:
        sms = HttpSms(db, session, url)
        first = asyncio.create_task(run_until_done(db, runner(db, sms)))
        await asyncio.wait_for(gateway.reached.wait(), 60)
        first.cancel()  # the process stops while a message is at the gateway
        await asyncio.sleep(0.05)
        gateway.release.set()
        with pytest.raises(asyncio.CancelledError):
            await first
        stopped_at = gateway.requests
        assert 123 <= stopped_at < 150  # it stopped inside the batch
        # a new process (two workers) takes over
        await run_until_done(db, runner(db, sms), runner(db, sms))
    assert gateway.requests == 500  # requests at the gateway: none repeated
    assert len(set(gateway.ids())) == 500  # one outbox id each
    phones = {m["to"] for m in gateway.received}
    assert len(phones) == 500 and all(
        m["text"].startswith("【三农】胡营村通知公告") for m in gateway.received
    )
    users = await db.users.find({"_id": {"$in": people}}, {"phone": 1}).to_list()
    assert phones == {u["phone"] for u in users}
    assert await db.sms_outbox.count_documents({"purpose": "notice", "status": "sent"}) == 500
    assert notice["id"]


async def test_a_red_pest_alert_reaches_every_resident_of_its_villages_once(
    fast_api: Api,
) -> None:
    api, db = fast_api, fast_api.db
    township = await admin(api)  # a resident of 孙家集村 too
    here = [
        *await residents(api, "孙家集村", 40, 13710000000),
        *await residents(api, "胡营村", 40, 13710001000),
        *await residents(api, "前疃村", 40, 13710002000),
    ]
    elsewhere = await residents(api, "东斟灌村", 20, 13710003000)
    result = await api.gql(
        ALERT,
        {
            "i": {
                "kind": "PEST",
                "severity": "RED",
                "title": "草地贪夜蛾红色预警",
                "body": "孙家集街道玉米田发现草地贪夜蛾幼虫，虫口密度高。",
                "advice": "立即用甲维盐或氯虫苯甲酰胺喷雾防治",
                "regionIds": [region_id(SUNJIAJI)],
                "validUntil": (now() + timedelta(days=3)).isoformat(),
            }
        },
        as_=township,
    )
    assert result["data"]["createAlert"]["userErrors"] == []
    async with running_gateway() as (url, gateway), aiohttp.ClientSession() as session:
        sms = HttpSms(db, session, url)
        await run_until_done(db, runner(db, sms))
        # a worker that died after its batch, before deleting its job: the batch runs again
        job = {"_id": "again", "kind": "alert_fanout", "notBefore": now(), "attempts": 0}
        first_batch = await db.sms_outbox.find_one({"purpose": "alert"})
        alert_id = first_batch["key"].split(":")[1]
        payload = {"ref": alert_id, "after": None, "batch": 50, "perMinute": 600000}
        await db.jobs.insert_one(job | {"payload": payload | {"concurrency": 5}})
        await run_until_done(db, runner(db, sms))
    told = await db.notifications.find({"kind": "ALERT"}, {"userId": 1}).to_list()
    expected = {*here, (await db.users.find_one({"phone": township.phone}))["_id"]}
    assert sorted(n["userId"] for n in told) == sorted(expected)  # each once
    assert not {n["userId"] for n in told} & set(elsewhere)
    assert len(gateway.received) == len(expected) == 121
    assert all("红色预警" in m["text"] for m in gateway.received)
    inbox = await api.gql(INBOX, as_=township)
    assert inbox["data"]["myNotifications"]["edges"][0]["node"] == {
        "kind": "ALERT",
        "title": "草地贪夜蛾红色预警",
        "read": False,
    }


async def test_a_blue_alert_is_told_in_the_app_only(fast_api: Api) -> None:
    api, db = fast_api, fast_api.db
    township = await admin(api)
    await residents(api, "胡营村", 10, 13720000000)
    variables = {
        "i": {
            "kind": "WEATHER",
            "severity": "BLUE",
            "title": "寒潮蓝色预警",
            "body": "气温将下降 8℃",
            "regionIds": [region_id(SUNJIAJI)],
            "validUntil": (now() + timedelta(days=1)).isoformat(),
        }
    }
    await api.gql(ALERT, variables, as_=township)
    async with running_gateway() as (url, gateway), aiohttp.ClientSession() as session:
        await run_until_done(db, runner(db, HttpSms(db, session, url)))
    assert gateway.received == []
    assert await db.notifications.count_documents({"kind": "ALERT"}) == 11


async def test_a_notice_withdrawn_while_its_sms_go_out_stops_them(fast_api: Api) -> None:
    api, db = fast_api, fast_api.db
    township = await admin(api)
    await residents(api, "胡营村", 120, 13730000000)
    notice = await publish(api, township, region=village_code("胡营村"), sendSms=True)
    async with running_gateway() as (url, gateway), aiohttp.ClientSession() as session:
        worker = runner(db, HttpSms(db, session, url))
        assert await worker.run_due(limit=1) == 1  # the first batch
        await api.gql(WITHDRAW, {"i": {"noticeId": notice["id"], "reason": "发错村了"}}, township)
        await asyncio.sleep(0.01)
        await run_until_done(db, worker)
    assert len(gateway.received) == 50


async def test_messages_sent_after_a_rename_use_the_regions_new_name(fast_api: Api) -> None:
    api, db = fast_api, fast_api.db
    township = await admin(api)
    await residents(api, "胡营村", 3, 13700000000)
    await publish(api, township, region=village_code("胡营村"), title="医保缴费提醒", sendSms=True)
    platform = await api.person(Role.PLATFORM_ADMIN, scope=PROVINCE)
    renamed = await api.gql(
        """mutation($i: RenameRegionInput!) { renameRegion(input: $i) { userErrors { code } } }""",
        {"i": {"id": region_id(village_code("胡营村")), "name": "胡家营村"}},
        as_=platform,
    )
    assert renamed["data"]["renameRegion"]["userErrors"] == []
    async with running_gateway(Gateway()) as (url, gateway), aiohttp.ClientSession() as session:
        await run_until_done(db, runner(db, HttpSms(db, session, url)))
    assert len(gateway.received) == 3
    assert all(m["text"].startswith("【三农】胡家营村通知公告") for m in gateway.received)


class TimingOutSms:
    """The real HttpSms, except that its message number `at` fails with the driver's own
    NetworkTimeout before it is recorded, as an outbox write does when the database is
    slower than the job's timeout (a fault injected: the slowness itself is tested in
    test_jobs_under_load.py)."""

    def __init__(self, sms: HttpSms, at: int) -> None:
        self.sms, self.at, self.calls = sms, at, 0

    async def send(
        self, phone: str, text: str, *, purpose: str, key: str | None = None
    ) -> ObjectId:
        self.calls += 1
        if self.calls == self.at:
            raise NetworkTimeout("timed out")
        return await self.sms.send(phone, text, purpose=purpose, key=key)


async def test_a_try_cut_short_by_a_timeout_keeps_its_progress_and_halves_its_batch(
    db: Database,
) -> None:
    people = await villagers(db, "胡营村", 120, 13770000000)
    alert_id = await red_alert(db, "胡营村", Pace(batch=50, per_minute=600_000, concurrency=5))
    async with running_gateway() as (url, gateway), aiohttp.ClientSession() as session:
        sms = HttpSms(db, session, url)
        failing = JobRunner(JobServices(db, TimingOutSms(sms, at=23)), HANDLERS)
        assert await failing.run_due(limit=1) == 1
        job = await db.jobs.find_one({"kind": "alert_fanout"})
        assert job["lastError"] == "NetworkTimeout" and job["attempts"] == 1
        # went on from the 20th resident (the last five in flight were kept), with 25 a batch
        assert job["payload"]["after"] == sorted(people)[19]
        assert job["payload"]["size"] == 25
        assert job["notBefore"] <= now() + timedelta(seconds=2)  # tried again within seconds
        await run_until_done(db, runner(db, sms))
    assert len(gateway.received) == 120  # none sent twice, the one that failed sent later
    assert sorted(m["id"] for m in gateway.received) == sorted(set(gateway.ids()))
    told = await db.notifications.find({"refId": alert_id}, {"userId": 1}).to_list()
    assert sorted(n["userId"] for n in told) == sorted(people)


async def test_a_worker_whose_job_was_taken_over_stops_before_its_next_messages(
    db: Database,
) -> None:
    await villagers(db, "胡营村", 50, 13780000000)
    await red_alert(db, "胡营村", Pace(batch=50, per_minute=600_000, concurrency=5))
    gateway = PausingGateway(at=13)  # in the third chunk of five
    async with running_gateway(gateway) as (url, _), aiohttp.ClientSession() as session:
        work = asyncio.create_task(runner(db, HttpSms(db, session, url)).run_due(limit=1))
        await asyncio.wait_for(gateway.reached.wait(), 60)
        # Its lease ran out (a stalled process) and another worker claimed the job.
        taken = await db.jobs.update_one({"kind": "alert_fanout"}, {"$set": {"claim": "other"}})
        assert taken.modified_count == 1
        gateway.release.set()
        assert await work == 1
    assert gateway.requests == 15  # the chunk in flight finished, not one message more
    job = await db.jobs.find_one({"kind": "alert_fanout"})
    assert job["claim"] == "other" and job["payload"]["after"] is not None  # left to its holder
