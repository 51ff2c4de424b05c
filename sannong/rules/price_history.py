"""A commodity's daily price series: low, average and high per day over a window, the
window's figures and the change against a week before, all in fen.

Stored prices are one document per commodity × market × month (`rules.prices`); a series
without a market combines the markets of each day: the lowest low, the mean of the
averages and the highest high.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sannong.clock import today_in_china
from sannong.db import Document
from sannong.errors import BadUserInput, NotFound
from sannong.loaders import HasLoaders
from sannong.loaders.prices import CommodityById, MarketById
from sannong.rules.prices import WEEK_BEFORE, change_pct, daily_reports, days_before

MAX_HISTORY_DAYS = 366

type Daily = dict[str, tuple[int, int, int]]  # (low, avg, high) per ISO date


@dataclass(frozen=True)
class DailyPrice:
    day: date
    low: int
    avg: int
    high: int


@dataclass(frozen=True)
class PriceHistory:
    commodity: Document
    market: Document | None
    points: list[DailyPrice]
    low: int | None
    high: int | None
    average: int | None  # the mean of the daily averages
    change_pct_7d: float | None  # the last daily average against the one a week before


async def price_history(
    context: HasLoaders, commodity_code: str, market_code: str | None, days: int
) -> PriceHistory:
    """The last `days` days (up to today in China) of a commodity, at one market or all."""
    if not 1 <= days <= MAX_HISTORY_DAYS:
        raise BadUserInput(f"天数应在 1 到 {MAX_HISTORY_DAYS} 之间", field="days")
    commodity = await CommodityById.of(context).load(commodity_code)
    if commodity is None:
        raise NotFound("品种不存在")
    market = None
    if market_code is not None:
        market = await MarketById.of(context).load(market_code)
        if market is None:
            raise NotFound("市场不存在")
    start = (today_in_china() - timedelta(days=days - 1)).isoformat()
    # WEEK_BEFORE more days, so the first days of the window also have a week-before price.
    query: dict[str, Any] = {
        "commodityId": commodity["_id"],
        "month": {"$gte": days_before(start, max(WEEK_BEFORE))[:7]},
    }
    if market is not None:
        query["marketId"] = market["_id"]  # index prices(commodityId, marketId, month)
    months = await context.db.prices.find(  # else index prices(commodityId, month)
        query, {"month": 1, "days": 1}, sort=[("month", 1)]
    ).to_list()
    return series(commodity, market, combined_daily(months), start)


def combined_daily(months: list[Document]) -> Daily:
    """(low, avg, high) per date; several markets combine to min, mean and max."""
    by_day: dict[str, list[tuple[int, int, int]]] = {}
    for month in months:
        for day, prices in daily_reports(month).items():
            by_day.setdefault(day, []).append(prices)
    return {
        day: (
            min(p[0] for p in group),
            round(sum(p[1] for p in group) / len(group)),
            max(p[2] for p in group),
        )
        for day, group in by_day.items()
    }


def series(commodity: Document, market: Document | None, daily: Daily, start: str) -> PriceHistory:
    """The days from `start` on, their figures, and the change of the last day's average
    against the nearest day 7 to 9 days before it (which may be before `start`)."""
    shown = [(day, v) for day, v in sorted(daily.items()) if day >= start]
    change = None
    if shown:
        last_day, (_, last_avg, _) = shown[-1]
        before = next(
            (daily[d][1] for d in (days_before(last_day, n) for n in WEEK_BEFORE) if d in daily),
            None,
        )
        change = change_pct(last_avg, before)
    return PriceHistory(
        commodity=commodity,
        market=market,
        points=[
            DailyPrice(date.fromisoformat(day), low, avg, high) for day, (low, avg, high) in shown
        ],
        low=min(v[0] for _, v in shown) if shown else None,
        high=max(v[2] for _, v in shown) if shown else None,
        average=round(sum(v[1] for _, v in shown) / len(shown)) if shown else None,
        change_pct_7d=change,
    )
