"""Demo data, written in steps that can be repeated: a seed stopped midway is finished
by the next run, and running it twice changes nothing; `reset` starts from empty.

One marker document (`seed_runs`, `_id: "demo"`) records the run: the demo's anchor
time (demo data is dated before it, and ids derived from it stay the same when a run
is resumed), the steps done, and `completedAt`, written last. `needs_seed` reads the
marker, not the data, so a half-written database is never taken for a seeded one.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sannong.auth import Role
from sannong.db import Database
from sannong.db.indexes import ensure_indexes
from sannong.integrations.events import Topic, publish
from sannong.loaders.shared import followed_collections, forget
from sannong.security import Passwords
from sannong.seed.accounts import DEMO_ACCOUNTS, seed_accounts
from sannong.seed.alerts import seed_alerts
from sannong.seed.articles import seed_articles
from sannong.seed.batches import retrying
from sannong.seed.catalog import follow_demo_commodities, seed_catalog
from sannong.seed.experts import seed_experts
from sannong.seed.feedback import seed_feedback
from sannong.seed.market import anchor_of_demo_market, seed_market
from sannong.seed.notices import seed_notices
from sannong.seed.prices import DAYS as PRICE_DAYS
from sannong.seed.prices import seed_prices
from sannong.seed.progress import LogProgress, Progress
from sannong.seed.regions import seed_regions

MARKER = "demo"


@dataclass(frozen=True)
class SeedStep:
    name: str
    label: str  # what the person watching is told is being written
    run: Callable[[], Awaitable[Any]]


async def needs_seed(db: Database) -> bool:
    """For `seed --if-empty`: an empty database, or a demo seed that did not finish.

    A database with data but no marker was filled by something else (or by a seed
    older than the marker): it is left alone."""
    marker = await db.seed_runs.find_one({"_id": MARKER})
    if marker is not None:
        return marker.get("completedAt") is None
    return await db.regions.find_one({}, {"_id": 1}) is None


async def seed_anchor(db: Database) -> datetime | None:
    marker = await db.seed_runs.find_one({"_id": MARKER}, {"anchor": 1})
    return marker["anchor"] if marker else None


async def _begin(db: Database) -> tuple[datetime, set[str]]:
    """The anchor and the steps already done: a resumed run keeps both, a new run
    keeps the anchor (ids derive from it) and does every step again."""
    now = datetime.now(UTC).replace(microsecond=0)
    marker = await db.seed_runs.find_one({"_id": MARKER})
    if marker is not None and marker.get("completedAt") is None:
        return marker["anchor"], set(marker.get("done", []))
    anchor = marker["anchor"] if marker else await anchor_of_demo_market(db) or now
    await db.seed_runs.replace_one(
        {"_id": MARKER},
        {"anchor": anchor, "startedAt": now, "done": [], "completedAt": None},
        upsert=True,
    )
    return anchor, set()


def _steps(db: Database, passwords: Passwords, price_days: int, anchor: datetime) -> list[SeedStep]:
    phones = {account.role: account.phone for account in DEMO_ACCOUNTS}
    return [
        SeedStep("indexes", "索引", lambda: ensure_indexes(db)),
        SeedStep("regions", "地区", lambda: seed_regions(db)),
        SeedStep("accounts", "演示账号", lambda: seed_accounts(db, passwords)),
        SeedStep("catalog", "商品与市场", lambda: seed_catalog(db)),
        SeedStep("follows", "关注的商品", lambda: follow_demo_commodities(db, phones[Role.FARMER])),
        SeedStep("articles", "农技文章", lambda: seed_articles(db, phones[Role.EXPERT])),
        SeedStep("alerts", "预警", lambda: seed_alerts(db)),
        SeedStep("prices", f"价格（{price_days} 天）", lambda: seed_prices(db, days=price_days)),
        SeedStep("market", "农户、商品和订单", lambda: seed_market(db, passwords, anchor=anchor)),
        SeedStep("experts", "专家、咨询和讲座", lambda: seed_experts(db, passwords, anchor=anchor)),
        SeedStep(
            "notices", "政务公开与阅读回执", lambda: seed_notices(db, passwords, anchor=anchor)
        ),
        SeedStep("feedback", "群众反馈工单", lambda: seed_feedback(db, anchor=anchor)),
    ]


async def seed(
    db: Database,
    passwords: Passwords,
    *,
    reset: bool = False,
    price_days: int = PRICE_DAYS,
    progress: Progress | None = None,
) -> None:
    """`price_days` changes the price history (tests shorten it); the demo has 39 days."""
    progress = progress or LogProgress()
    if reset:
        for name in await db.list_collection_names():
            await db.drop_collection(name)
    anchor, done = await _begin(db)
    for step in _steps(db, passwords, price_days, anchor):
        if step.name in done:
            continue
        with progress.step(step.label):
            # Every step is idempotent, so one that failed past its batch retries
            # (a long stall of the database) is simply run again.
            async for attempt in retrying(attempts=3):
                with attempt:
                    await step.run()
        await _record(db, {"$addToSet": {"done": step.name}})
    await _record(db, {"$set": {"completedAt": datetime.now(UTC)}})
    # Servers drop what they kept of the documents the steps wrote directly.
    kept = sorted(followed_collections())
    for collection in kept:
        forget(db.name, collection)
    await publish(db, Topic.REFERENCE, audience=kept, ids=[])


async def _record(db: Database, update: dict[str, Any]) -> None:
    async for attempt in retrying():
        with attempt:
            await db.seed_runs.update_one({"_id": MARKER}, update)


__all__ = ["DEMO_ACCOUNTS", "needs_seed", "seed", "seed_anchor"]
