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

from pymongo import UpdateOne

from sannong.clock import today_in_china
from sannong.db import Database
from sannong.rules.prices import (
    advance_latest,
    day_key,
    month_id,
    refresh_week_before,
    report_id,
)
from sannong.seed import progress
from sannong.seed.batches import insert_all, stored, update_all
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
    number of daily reports.

    The 60 000 reports of the demo are about 2 000 documents, one per commodity × market
    × month. A month not stored yet is created as a small skeleton, as `reportPrices`
    would create it, then filled. Measured with the embedded server (SQLite engine):
    creating a document costs more the larger it is, updating one found by `_id` does
    not; for the demo prices the server spent 52 s of CPU creating them whole, 22 s
    creating skeletons and filling them (`insert_many` of whole months: 117 s). A stored
    month gets only the days it lacks (a stopped run, a run resumed on a later day, a
    month begun by `reportPrices`): a day already reported keeps its report.
    """
    reports = list(price_documents(await market_documents(db), end=today_in_china(), days=days))
    months = month_documents(reports)
    progress.expect(len(months))
    found = await stored(db.prices, [m["_id"] for m in months], {"days": 1})
    skeletons, fills = [], []
    for month in months:
        if (old := found.get(month["_id"])) is None:
            skeletons.append({k: v for k, v in month.items() if k != "days"})
            # all its days at once: one field set, not one per day
            fills.append(UpdateOne({"_id": month["_id"]}, {"$set": {"days": month["days"]}}))
            continue
        have = old.get("days", {})
        if lacking := {f"days.{d}": v for d, v in month["days"].items() if d not in have}:
            fills.append(UpdateOne({"_id": month["_id"]}, {"$set": lacking}))
    progress.advance(len(months) - len(fills))
    # a skeleton is filled right after: one month written, counted by its fill
    await insert_all(db.prices, skeletons, counted=False)
    await update_all(db.prices, fills)
    # the latest quote per pair is derived from the months, and moves only forward
    await refresh_week_before(db, await advance_latest(db, reports))
    return len(reports)
