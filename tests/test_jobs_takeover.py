"""A fan-out worker killed outright (SIGKILL) mid-way: another `sannong serve` process takes
the job over within its lease, and every resident is told exactly once (real processes on
one database, a loopback SMS gateway in the test)."""

import asyncio
import os
import signal
from collections import defaultdict
from pathlib import Path

import pytest

from sannong.db import Database
from sannong.rules.fanout import Pace
from tests.gateway import WatchingGateway, running_gateway
from tests.notices import red_alert, villagers
from tests.servers import serving

pytestmark = pytest.mark.slow  # two `sannong serve` processes

RESIDENTS = 150
KILL_AFTER = 60  # messages at the gateway when the worker sending them is killed


async def test_a_killed_fan_out_worker_is_taken_over_and_nobody_is_told_twice(
    mongodb_uri: str, db_name: str, db: Database, tmp_path: Path
) -> None:
    people = await villagers(db, "胡营村", RESIDENTS, 13750000000)
    gateway = WatchingGateway(set())
    async with running_gateway(gateway) as (url, _):
        options = {"sms_gateway_url": url, "log_level": "WARNING"}
        async with (
            serving(mongodb_uri, db_name, tmp_path / "a", **options) as first,
            serving(mongodb_uri, db_name, tmp_path / "b", **options) as second,
        ):
            gateway.pids = {first.process.pid, second.process.pid}
            alert_id = await red_alert(db, "胡营村", Pace(per_minute=3000))
            await gateway.until(lambda: len(gateway.senders) >= KILL_AFTER, within=60)
            holder = gateway.senders[-1][1]
            assert holder in gateway.pids
            os.kill(holder, signal.SIGKILL)
            killed_at = asyncio.get_running_loop().time()
            survivor = (gateway.pids - {holder}).pop()

            def resumed() -> bool:
                return any(pid == survivor and at > killed_at for at, pid in gateway.senders)

            # Today's main waited for a 5-minute lease; the heartbeat's lease is 15 s.
            try:
                await gateway.until(resumed, within=45)
            except TimeoutError:
                raise AssertionError("nobody took over the fan-out within 45 s") from None
            await gateway.until(lambda: len(set(gateway.ids())) >= RESIDENTS, within=60)
            # the last messages' notifications and outbox updates are written by now
            await asyncio.sleep(1)
        took_over = min(at for at, pid in gateway.senders if pid == survivor and at > killed_at)
        print(f"taken over {took_over - killed_at:.1f} s after the kill")
    users = await db.users.find({"_id": {"$in": people}}, {"phone": 1}).to_list()
    ids_by_phone: dict[str, set[str]] = defaultdict(set)
    for message in gateway.received:
        ids_by_phone[message["to"]].add(message["id"])
    assert set(ids_by_phone) == {u["phone"] for u in users}  # nobody missed
    assert all(len(ids) == 1 for ids in ids_by_phone.values())  # one message each
    # Only what was at the gateway when the worker died is posted again, with its outbox
    # id, so the gateway drops the repeat: at most one chunk of messages in flight.
    assert len(gateway.received) - RESIDENTS <= Pace().concurrency
    notified = await db.notifications.find({"refId": alert_id}, {"userId": 1}).to_list()
    assert sorted(n["userId"] for n in notified) == sorted(people)
