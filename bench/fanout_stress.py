"""A red warning to 500 residents on a loaded machine, and a fan-out worker killed mid-way.

    make bench        (or: .venv/bin/python -m bench.fanout_stress)

Two CPU burners run during the first part (a process each spinning at normal priority, so the
two cores are shared three ways or more with whatever else runs). The database is the
embedded server on a SQLite file, as `make run` has it; the API is real `sannong serve`
processes with their own job workers and the default pace (600 SMS a minute, batches of
50, 5 in flight), sending to a loopback gateway that takes 20 ms a message.

1. One `sannong serve`: time from the warning to its last SMS and in-app notification,
   and the failed tries seen on the job.
2. Without the burners, two `sannong serve`: the one sending is killed (SIGKILL) after 100
   messages; time until the other claims the job and until it sends, and the messages and
   repeats in the end.
"""

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bson import ObjectId

from sannong.db import Database
from sannong.db.client import open_command_client
from sannong.db.embedded import EmbeddedServer
from sannong.db.indexes import ensure_indexes
from sannong.rules.fanout import Pace
from sannong.seed.regions import seed_regions
from sannong.settings import Settings
from tests.gateway import WatchingGateway, running_gateway
from tests.notices import red_alert, villagers
from tests.servers import serving

RESIDENTS = 500
KILL_AFTER = 100
DATABASE = "bench_stress"


@contextlib.contextmanager
def cpu_burners(count: int = 2) -> Iterator[None]:
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]
    try:
        yield
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()


async def until_told(db: Database, gateway: WatchingGateway, alert_id: ObjectId) -> dict[str, int]:
    """Waits for every resident's SMS and notification; counts failed tries on the way."""
    failures, last_error = 0, None
    while True:
        notified = await db.notifications.count_documents({"refId": alert_id})
        if len(set(gateway.ids())) >= RESIDENTS and notified >= RESIDENTS:
            return {"sms": len(set(gateway.ids())), "in_app": notified, "failed_tries": failures}
        job = await db.jobs.find_one({"payload.ref": str(alert_id)}, {"lastError": 1})
        error = (job or {}).get("lastError")
        if error is not None and error != last_error:
            failures += 1
        last_error = error
        await asyncio.sleep(0.5)


def load_average() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


async def run(uri: str, data_dir: Path) -> None:
    client = open_command_client(uri)
    db = client[DATABASE]
    await ensure_indexes(db)
    await seed_regions(db)
    await villagers(db, "胡营村", RESIDENTS, 13760000000)
    pace = Pace.from_settings(Settings())
    with cpu_burners():
        gateway = WatchingGateway()
        async with running_gateway(gateway) as (url, _):
            options = {"sms_gateway_url": url, "log_level": "ERROR"}
            async with serving(uri, DATABASE, data_dir / "a", **options) as first:
                gateway.pids = {first.process.pid}
                started = time.perf_counter()
                alert_id = await red_alert(db, "胡营村", pace)
                counts = await until_told(db, gateway, alert_id)
                elapsed = time.perf_counter() - started
        print(
            f"red alert to {RESIDENTS} residents, 2 CPU burners (load {load_average()}): "
            f"done in {elapsed:.0f} s (the pace alone takes "
            f"{RESIDENTS * 60 / pace.per_minute:.0f} s), {counts['sms']} SMS, "
            f"{counts['in_app']} in-app, {counts['failed_tries']} failed tries"
        )
    gateway = WatchingGateway()
    async with running_gateway(gateway) as (url, _):
        options = {"sms_gateway_url": url, "log_level": "ERROR"}
        async with (
            serving(uri, DATABASE, data_dir / "b", **options) as second,
            serving(uri, DATABASE, data_dir / "c", **options) as third,
        ):
            await kill_mid_way(db, gateway, {second.process.pid, third.process.pid}, pace)
    await client.drop_database(DATABASE)
    await client.close()


async def kill_mid_way(db: Database, gateway: WatchingGateway, pids: set[int], pace: Pace) -> None:
    gateway.pids = pids
    alert_id = await red_alert(db, "胡营村", pace)
    await gateway.until(lambda: len(gateway.senders) >= KILL_AFTER, within=600)
    holder = gateway.senders[-1][1]
    assert holder is not None
    os.kill(holder, signal.SIGKILL)
    killed_at = asyncio.get_running_loop().time()
    survivor = (pids - {holder}).pop()
    while True:  # the job claimed again, by the survivor (`claimedBy` is host:pid)
        job = await db.jobs.find_one({"payload.ref": str(alert_id)}) or {}
        if job.get("claim") and str(job.get("claimedBy")).endswith(f":{survivor}"):
            break
        await asyncio.sleep(0.1)
    claimed = asyncio.get_running_loop().time() - killed_at
    await gateway.until(
        lambda: any(pid == survivor and at > killed_at for at, pid in gateway.senders), 600
    )
    took_over = min(at for at, pid in gateway.senders if pid == survivor and at > killed_at)
    counts = await until_told(db, gateway, alert_id)
    repeats = len(gateway.received) - len(set(gateway.ids()))
    print(
        f"fan-out worker killed after {KILL_AFTER} SMS (no burners, load {load_average()}): "
        f"its job claimed by the other {claimed:.1f} s later, sending again after "
        f"{took_over - killed_at:.1f} s; {counts['sms']} SMS to {RESIDENTS} residents, "
        f"{counts['in_app']} in-app, {repeats} posted again with the same outbox id"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        server = EmbeddedServer(path=Path(directory) / "stress.sqlite")
        try:
            asyncio.run(run(server.start(), Path(directory)))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
