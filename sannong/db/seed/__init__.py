"""Idempotent demo data: running it twice changes nothing; `reset` starts from empty."""

from pymongo.asynchronous.database import AsyncDatabase

from sannong.db.indexes import ensure_indexes
from sannong.db.seed.accounts import DEMO_ACCOUNTS, seed_accounts
from sannong.db.seed.market import seed_market
from sannong.db.seed.regions import seed_regions
from sannong.security import Passwords


async def is_empty(db: AsyncDatabase) -> bool:
    return await db.regions.find_one({}, {"_id": 1}) is None


async def seed(db: AsyncDatabase, passwords: Passwords, *, reset: bool = False) -> None:
    if reset:
        for name in await db.list_collection_names():
            await db.drop_collection(name)
    await ensure_indexes(db)
    await seed_regions(db)
    await seed_accounts(db, passwords)
    await seed_market(db, passwords)


__all__ = ["DEMO_ACCOUNTS", "is_empty", "seed"]
