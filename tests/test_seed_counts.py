"""What the seed says it wrote is what it wrote: each step's log line counts the demo
documents it created or changed, a second run over the same data writes nothing, and
a run that finishes a stopped price step writes exactly what was missing."""

import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import pytest
from pymongo import AsyncMongoClient

from sannong.db import Database
from sannong.seed import DEMO_ACCOUNTS, needs_seed, seed
from sannong.seed.progress import LogProgress
from tests.test_first_run import PASSWORDS

PRICE_DAYS = 40  # two or three months per commodity and market


@pytest.fixture
async def empty_db(mongo_client: AsyncMongoClient) -> AsyncIterator[Database]:
    name = f"test_{uuid.uuid4().hex[:12]}"
    yield mongo_client[name]
    await mongo_client.drop_database(name)


class _Steps(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.writes: dict[str, int] = {}

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage() == "seed step done":
            self.writes[record.__dict__["step"]] = record.__dict__["writes"]


@contextmanager
def logged_steps() -> Iterator[dict[str, int]]:
    """The `writes` of each step's log line, by the step's label."""
    logger = logging.getLogger("sannong.seed")
    steps, level = _Steps(), logger.level
    logger.addHandler(steps)
    logger.setLevel(logging.INFO)
    try:
        yield steps.writes
    finally:
        logger.removeHandler(steps)
        logger.setLevel(level)


async def seeded(db: Database) -> dict[str, int]:
    with logged_steps() as writes:
        await seed(db, PASSWORDS, price_days=PRICE_DAYS, progress=LogProgress())
    return writes


async def test_each_step_says_how_many_documents_it_wrote(empty_db: Database) -> None:
    db = empty_db
    writes = await seeded(db)

    assert writes["地区"] == await db.regions.count_documents({}) == 60
    demo_phones = [account.phone for account in DEMO_ACCOUNTS]
    assert writes["演示账号"] == await db.users.count_documents({"phone": {"$in": demo_phones}})
    assert writes["演示账号"] == 4
    assert writes["商品与市场"] == (
        await db.commodities.count_documents({}) + await db.markets.count_documents({})
    )
    assert writes["关注的商品"] == 1  # the demo farmer's follows
    assert writes[f"价格（{PRICE_DAYS} 天）"] == await db.prices.count_documents({})
    assert writes["预警"] == await db.alerts.count_documents({}) > 0
    demo_farmers = await db.users.count_documents({"phone": {"$regex": "^1380001"}})
    assert writes["农户、商品和订单"] == (
        demo_farmers + await db.listings.count_documents({}) + await db.orders.count_documents({})
    )
    assert writes["群众反馈工单"] == await db.feedback.count_documents({}) == 160


async def test_a_second_run_writes_nothing_but_the_redated_alerts(empty_db: Database) -> None:
    db = empty_db
    first = await seeded(db)
    again = await seeded(db)  # the marker says complete: every step runs again

    assert set(again) == set(first)
    # Weather and pest warnings are dated from the run, so they stay current.
    assert again.pop("预警") == first["预警"]
    assert again == dict.fromkeys(again, 0)


async def test_a_stopped_price_step_is_finished_with_exactly_what_it_lacked(
    empty_db: Database,
) -> None:
    db = empty_db
    await seeded(db)
    months = await db.prices.find({}, {"_id": 1}, sort=[("_id", 1)]).to_list()
    lost = [m["_id"] for m in months[::7]]
    await db.prices.delete_many({"_id": {"$in": lost}})
    # a month the stopped run created but had not filled yet
    half = months[1]["_id"]
    await db.prices.update_one({"_id": half}, {"$unset": {"days": ""}})
    # as a run stopped in the middle of its price step leaves the marker
    await db.seed_runs.update_one(
        {"_id": "demo"}, {"$pull": {"done": "prices"}, "$set": {"completedAt": None}}
    )
    assert await needs_seed(db)

    writes = await seeded(db)

    assert writes == {f"价格（{PRICE_DAYS} 天）": len(lost) + 1}  # the other steps were done
    assert await db.prices.count_documents({}) == len(months)
    filled = await db.prices.find_one({"_id": half})
    assert filled is not None and len(filled["days"]) > 0
    assert not await needs_seed(db)
