"""Demo daily prices: 180 days for every commodity at every market that trades it.

Deterministic: a price depends only on commodity, market and date. It follows the
commodity's season (a cosine peaking in its dearest month), a fixed level per
market, and a small daily wobble from a hash, the way wholesale prices move.
"""

import hashlib
import math
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from sannong.clock import today_in_china
from sannong.db import Database
from sannong.rules.prices import (
    advance_latest,
    day_key,
    month_id,
    refresh_week_before,
    report_id,
)
from sannong.seed.batches import create_then_fill
from sannong.seed.catalog import COMMODITIES, PER_HEAD, DemoCommodity, market_documents

DAYS = 180
SOURCE = "演示数据"


def _unit_interval(*parts: str) -> float:
    """A stable pseudo-random number in [0, 1) for the given parts."""
    digest = hashlib.blake2b("|".join(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest) / 2**64


def daily_price_fen(commodity: DemoCommodity, market: str, day: date) -> tuple[int, int, int]:
    """(low, avg, high) in fen for one day."""
    peak = date(day.year, commodity.peak_month, 15).timetuple().tm_yday
    season = 1 + commodity.swing * math.cos(2 * math.pi * (day.timetuple().tm_yday - peak) / 365)
    level = 0.94 + 0.12 * _unit_interval("market", commodity.key, market)
    wobble = 0.97 + 0.06 * _unit_interval("day", commodity.key, market, day.isoformat())
    spread = 0.05 + 0.05 * _unit_interval("spread", commodity.key, market, day.isoformat())
    avg = commodity.base_yuan * season * level * wobble * 100
    step = 100 if commodity.unit == PER_HEAD else 1  # piglets are priced in whole yuan
    low, mid, high = (round(avg * f / step) * step for f in (1 - spread, 1, 1 + spread))
    return low, mid, high


def price_documents(
    markets: list[dict[str, Any]], *, end: date, days: int = DAYS
) -> Iterator[dict[str, Any]]:
    for market in markets:
        for commodity in COMMODITIES:
            if commodity.category not in market["categories"]:
                continue
            for age in range(days - 1, -1, -1):
                day = end - timedelta(days=age)
                low, avg, high = daily_price_fen(commodity, market["_id"], day)
                yield {
                    "_id": report_id(commodity.key, market["_id"], day),
                    "commodityId": commodity.key,
                    "marketId": market["_id"],
                    "date": day.isoformat(),
                    "lowFen": low,
                    "avgFen": avg,
                    "highFen": high,
                    "unit": commodity.unit,
                    "regionId": market["regionId"],
                    "path": market["path"],
                }


def month_documents(reports: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The reports as stored: one document per commodity × market × month."""
    months: dict[str, dict[str, Any]] = {}
    for r in reports:
        key = month_id(r["commodityId"], r["marketId"], r["date"])
        month = months.setdefault(
            key,
            {
                "_id": key,
                "commodityId": r["commodityId"],
                "marketId": r["marketId"],
                "month": r["date"][:7],
                "unit": r["unit"],
                "days": {},
            },
        )
        month["days"][day_key(r["date"])] = {
            "low": r["lowFen"],
            "avg": r["avgFen"],
            "high": r["highFen"],
            "source": SOURCE,
            "by": None,
        }
    return list(months.values())


async def seed_prices(db: Database, *, days: int = DAYS) -> int:
    """Writes the history (no price alerts fire: this is the past, not news); returns the
    number of daily reports."""
    reports = list(price_documents(await market_documents(db), end=today_in_china(), days=days))
    # a skeleton is a month without reports yet, as `reportPrices` would create it
    await create_then_fill(
        db.prices, month_documents(reports), lambda m: {k: v for k, v in m.items() if k != "days"}
    )
    await refresh_week_before(db, await advance_latest(db, reports))
    return len(reports)
