"""A notice's SMS to 1 000 residents: how fast the fan-out job sends, and what it costs.

    make bench        (or: .venv/bin/python -m bench.fanout)

The embedded database (memory engine) and a loopback aiohttp gateway; the pace is
unlimited, so the figure is what one worker can do: messages per second and database
commands per message (outbox insert and status update, plus the batch's reads, the
progress kept after every chunk in flight and the job's release for the next batch).
Figures are for comparison within one run: these machines are shared.
"""

import asyncio
import time

import aiohttp
from bson import ObjectId

from sannong.clock import now
from sannong.db.client import count_commands, open_client
from sannong.db.embedded import EmbeddedServer
from sannong.db.indexes import ensure_indexes
from sannong.integrations.jobs import JobRunner, JobServices
from sannong.integrations.sms import HttpSms
from sannong.rules.fanout import Pace, start_fanout
from sannong.rules.jobs import HANDLERS
from sannong.rules.notices import NOTICE_SMS, notice_document
from sannong.seed.regions import region_documents, seed_regions
from tests.gateway import running_gateway

RESIDENTS = 1000


async def run(uri: str) -> None:
    client = open_client(uri, 30000)
    db = client["bench_fanout"]
    await client.drop_database("bench_fanout")
    await ensure_indexes(db)
    await seed_regions(db)
    village = next(r for r in region_documents() if r["name"] == "胡营村")
    people = [
        {"_id": ObjectId(), "phone": str(13700000000 + n), "path": village["path"]}
        for n in range(RESIDENTS)
    ]
    for start in range(0, RESIDENTS, 50):
        await db.users.insert_many(people[start : start + 50])
    fields = {"category": "ANNOUNCEMENT", "title": "医保缴费提醒", "body": "<p>请按时缴费</p>"}
    doc = notice_document(
        region=village, fields=fields, attachments=[], author_id=None, sms=True, published_at=now()
    )
    notice_id = (await db.notices.insert_one(doc)).inserted_id
    for concurrency in (1, 5, 10):
        await db.sms_outbox.delete_many({})
        pace = Pace(batch=50, per_minute=10**9, concurrency=concurrency)
        await start_fanout(db, NOTICE_SMS, f"{notice_id}", pace, now())
        async with running_gateway() as (url, gateway), aiohttp.ClientSession() as session:
            worker = JobRunner(JobServices(db, HttpSms(db, session, url)), HANDLERS)
            started = time.perf_counter()
            with count_commands() as tally:
                while await db.jobs.count_documents({}):
                    await worker.run_due()
            elapsed = time.perf_counter() - started
        assert len(gateway.received) == RESIDENTS
        print(
            f"fan-out of {RESIDENTS} SMS, {concurrency:>2} in flight: "
            f"{RESIDENTS / elapsed:6.0f} messages/s, "
            f"{tally.count / RESIDENTS:4.1f} database commands per message"
        )
        await db.jobs.delete_many({})
    await client.drop_database("bench_fanout")
    await client.close()


def main() -> None:
    server = EmbeddedServer(path=None)
    try:
        asyncio.run(run(server.start()))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
