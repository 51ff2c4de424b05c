"""Idempotent demo data: running it twice changes nothing; `reset` starts from empty."""

from sannong.auth import Role
from sannong.db import Database
from sannong.db.indexes import ensure_indexes
from sannong.security import Passwords
from sannong.seed.accounts import DEMO_ACCOUNTS, seed_accounts
from sannong.seed.alerts import seed_alerts
from sannong.seed.articles import seed_articles
from sannong.seed.catalog import follow_demo_commodities, seed_catalog
from sannong.seed.market import seed_market
from sannong.seed.prices import DAYS as PRICE_DAYS
from sannong.seed.prices import seed_prices
from sannong.seed.regions import seed_regions


async def is_empty(db: Database) -> bool:
    return await db.regions.find_one({}, {"_id": 1}) is None


async def seed(
    db: Database, passwords: Passwords, *, reset: bool = False, price_days: int = PRICE_DAYS
) -> None:
    """`price_days` shortens the price history (tests); the demo has 180 days."""
    if reset:
        for name in await db.list_collection_names():
            await db.drop_collection(name)
    await ensure_indexes(db)
    await seed_regions(db)
    await seed_accounts(db, passwords)
    await seed_market_info(db, price_days)
    await seed_market(db, passwords)


async def seed_market_info(db: Database, price_days: int) -> None:
    """Commodities, markets, 180 days of prices, articles and warnings."""
    phones = {account.role: account.phone for account in DEMO_ACCOUNTS}
    await seed_catalog(db)
    await follow_demo_commodities(db, phones[Role.FARMER])
    await seed_articles(db, phones[Role.EXPERT])
    await seed_alerts(db)
    await seed_prices(db, days=price_days)


__all__ = ["DEMO_ACCOUNTS", "is_empty", "seed"]
