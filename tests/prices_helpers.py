"""Small builders for price tests: IDs, rows and history written through the real rules."""

from datetime import date, timedelta
from typing import Any

from sannong.clock import today_in_china
from sannong.db import Database
from sannong.rules.prices import (
    Catalog,
    PriceRow,
    check_rows,
    day_entry,
    month_id,
    store_reports,
)
from tests.factories import gid

SUNJIAJI_MARKET = "sg-logistics"  # 寿光农产品物流园, in 孙家集街道
LUOCHENG_MARKET = "sg-jiuxiang"  # 寿光九巷蔬菜批发市场, in 洛城街道
SHOUGUANG_MARKET = "sg-county"  # county-level market of 寿光市
QINGZHOU_MARKET = "qz-county"  # 青州市, another county


def commodity_id(key: str) -> str:
    return gid("Commodity", key)


def market_id(key: str) -> str:
    return gid("Market", key)


def days_ago(n: int) -> date:
    return today_in_china() - timedelta(days=n)


def row(
    commodity: str = "corn",
    market: str = SUNJIAJI_MARKET,
    *,
    day: date | None = None,
    low: str = "2.20",
    avg: str = "2.30",
    high: str = "2.40",
    unit: str = "元/公斤",
) -> dict[str, Any]:
    """A reportPrices input row."""
    return {
        "commodityId": commodity_id(commodity),
        "marketId": market_id(market),
        "date": (day or today_in_china()).isoformat(),
        "low": low,
        "avg": avg,
        "high": high,
        "unit": unit,
    }


async def write_history(db: Database, commodity: str, market: str, averages_fen: list[int]) -> None:
    """Daily reports ending today, oldest first; low and high 10 fen around the average."""
    start = today_in_china() - timedelta(days=len(averages_fen) - 1)
    rows = [
        PriceRow(
            date=start + timedelta(days=i),
            market=market,
            commodity=commodity,
            unit="元/公斤",
            low=str((avg - 10) / 100),
            avg=str(avg / 100),
            high=str((avg + 10) / 100),
        )
        for i, avg in enumerate(averages_fen)
    ]
    reports, problems = check_rows(rows, await Catalog.load(db))
    assert problems == []
    await store_reports(db, reports, source="test", sms=None)


async def stored_report(db: Database, commodity: str, market: str, day: date) -> dict | None:
    """One day's report as stored, with the unit of its month document."""
    month = await db.prices.find_one({"_id": month_id(commodity, market, day.isoformat())})
    entry = day_entry(month, day.isoformat())
    return None if entry is None else {**entry, "unit": month["unit"]}


async def report_count(db: Database) -> int:
    return sum(len(m["days"]) for m in await db.prices.find({}, {"days": 1}).to_list())
