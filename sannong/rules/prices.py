"""Price reports: the checks every row passes, storage, and the latest quote per pair.

One report is (commodity, market, date, low, avg, high, unit, source), stored in
integer fen per canonical unit under the `_id` `commodity:market:date`, so storing
the same row twice is an idempotent upsert. `price_latest` keeps the newest report
of each commodity × market pair, which is what `latestPrices` and price alerts read.

Used by `reportPrices`, `sannong import-prices` and the demo seed.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from sannong.integrations.sms import SmsProvider
from sannong.money import yuan_to_fen
from sannong.rules.price_alerts import check_price_alerts
from sannong.types.common import UserErrorCode

CHINA = ZoneInfo("Asia/Shanghai")
MAX_ROWS = 250
MAX_PRICE_FEN = 10_000_000  # 100 000 yuan: above any farm price, so a misplaced digit is caught
EARLIEST = date(2000, 1, 1)
WRITE_BATCH = 50  # the embedded server slows down more than linearly with the size of a write

# Units as people write them → (canonical unit, factor to multiply the price by).
# Beijing Xinfadi and most township markets quote per 斤 (500 g); we store per 公斤.
UNITS: dict[str, tuple[str, int]] = {
    **{alias: ("元/公斤", 1) for alias in ("元/公斤", "公斤", "元/千克", "千克", "kg", "元/kg")},
    **{alias: ("元/公斤", 2) for alias in ("元/斤", "斤", "元/500g", "500g")},
    **{alias: ("元/头", 1) for alias in ("元/头", "头", "元/只", "只")},
}


def today_in_china() -> date:
    return datetime.now(CHINA).date()


def report_id(commodity: str, market: str, day: date | str) -> str:
    return f"{commodity}:{market}:{day}"


def pair_id(commodity: str, market: str) -> str:
    return f"{commodity}:{market}"


@dataclass(frozen=True)
class PriceRow:
    """One row as given: IDs or names, prices as text or decimals, any accepted unit."""

    date: str | date
    market: str
    commodity: str
    unit: str
    low: str | Decimal
    avg: str | Decimal
    high: str | Decimal


@dataclass(frozen=True)
class RowProblem:
    index: int  # position in the batch, from 0
    field: str
    message: str
    code: UserErrorCode


@dataclass
class Catalog:
    """Commodities and markets by ID, name and alias: loaded once per batch."""

    commodities: dict[str, dict[str, Any]]
    markets: dict[str, dict[str, Any]]
    _names: dict[str, str] = field(default_factory=dict)
    _market_names: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for doc in self.commodities.values():
            for name in (doc["name"], *doc.get("aliases", ())):
                self._names.setdefault(name, doc["_id"])
        self._market_names = {doc["name"]: doc["_id"] for doc in self.markets.values()}

    @classmethod
    async def load(cls, db: AsyncDatabase) -> "Catalog":
        commodities = await db.commodities.find({}, {"searchTokens": 0}).to_list()
        markets = await db.markets.find({}).to_list()
        return cls({d["_id"]: d for d in commodities}, {d["_id"]: d for d in markets})

    def commodity(self, ref: str) -> dict[str, Any] | None:
        ref = ref.strip()
        return self.commodities.get(ref) or self.commodities.get(self._names.get(ref, ""))

    def market(self, ref: str) -> dict[str, Any] | None:
        ref = ref.strip()
        return self.markets.get(ref) or self.markets.get(self._market_names.get(ref, ""))


def parse_date(value: str | date) -> date | None:
    if isinstance(value, date):
        return value
    text = value.strip().replace("/", "-")[:10]  # "2026-05-01 00:00:00" from market feeds
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _fen(value: str | Decimal) -> int | None:
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return yuan_to_fen(amount)


class _RowChecks:
    def __init__(self, index: int, problems: list[RowProblem]) -> None:
        self.index, self.problems, self.failed = index, problems, False

    def fail(self, field: str, message: str, code: UserErrorCode) -> None:
        self.problems.append(RowProblem(self.index, field, message, code))
        self.failed = True


def _check_prices(row: PriceRow, factor: int, checks: _RowChecks) -> dict[str, int]:
    labels = {"low": "最低价", "avg": "均价", "high": "最高价"}
    fen: dict[str, int] = {}
    for name, label in labels.items():
        value = _fen(getattr(row, name))
        if value is None:
            checks.fail(name, f"{label}不是有效的金额（最多两位小数）", UserErrorCode.INVALID_PRICE)
        elif value <= 0:
            checks.fail(name, f"{label}必须大于 0", UserErrorCode.INVALID_PRICE)
        elif value * factor > MAX_PRICE_FEN:
            checks.fail(
                name, f"{label}高得不合常理，请检查单位和小数点", UserErrorCode.INVALID_PRICE
            )
        else:
            fen[name] = value * factor
    if len(fen) == 3:
        if fen["low"] > fen["high"]:
            checks.fail("low", "最低价不能高于最高价", UserErrorCode.INVALID_PRICE)
        elif not fen["low"] <= fen["avg"] <= fen["high"]:
            checks.fail("avg", "均价应在最低价和最高价之间", UserErrorCode.INVALID_PRICE)
    return fen


def check_rows(
    rows: Sequence[PriceRow], catalog: Catalog, *, today: date | None = None
) -> tuple[list[dict[str, Any]], list[RowProblem]]:
    """Each row on its own: the report documents of the valid rows, the problems of the rest."""
    today = today or today_in_china()
    reports: list[dict[str, Any]] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    for index, row in enumerate(rows):
        checks = _RowChecks(index, problems)
        commodity = catalog.commodity(row.commodity)
        market = catalog.market(row.market)
        day = parse_date(row.date)
        if commodity is None:
            checks.fail(
                "commodity", f"未知品种「{row.commodity}」", UserErrorCode.UNKNOWN_COMMODITY
            )
        if market is None:
            checks.fail("market", f"未知市场「{row.market}」", UserErrorCode.UNKNOWN_MARKET)
        if day is None:
            checks.fail("date", "日期格式应为 2026-05-01", UserErrorCode.INVALID_DATE)
        elif day > today:
            checks.fail("date", "日期不能晚于今天", UserErrorCode.INVALID_DATE)
        elif day < EARLIEST:
            checks.fail("date", "日期太早", UserErrorCode.INVALID_DATE)
        unit, factor = UNITS.get(row.unit.strip().lower(), (None, 1))
        if commodity is not None and unit != commodity["unit"]:
            checks.fail(
                "unit",
                f"「{commodity['name']}」的价格单位应为 {commodity['unit']}，不是「{row.unit}」",
                UserErrorCode.WRONG_UNIT,
            )
        fen = _check_prices(row, factor, checks)
        if checks.failed:
            continue
        assert commodity is not None and market is not None and day is not None
        key = report_id(commodity["_id"], market["_id"], day)
        if key in seen:
            checks.fail(
                "date",
                f"与第 {seen[key] + 1} 行的品种、市场、日期相同",
                UserErrorCode.DUPLICATE_ROW,
            )
            continue
        seen[key] = index
        reports.append(
            {
                "_id": key,
                "commodityId": commodity["_id"],
                "marketId": market["_id"],
                "date": day.isoformat(),
                "lowFen": fen["low"],
                "avgFen": fen["avg"],
                "highFen": fen["high"],
                "unit": commodity["unit"],
                "regionId": market["regionId"],
                "path": market["path"],
            }
        )
    return reports, problems


# Where the market is matters to `price_latest` (region filters), not to the history:
# leaving it out keeps the history small, and the embedded server writes small documents
# about twice as fast.
_PLACE = ("_id", "regionId", "path")


def report_fields(report: dict[str, Any]) -> dict[str, Any]:
    """What a stored report keeps of a checked row."""
    return {k: v for k, v in report.items() if k not in _PLACE}


@dataclass
class StoreResult:
    stored: int = 0  # new or changed reports
    unchanged: int = 0  # identical to what was stored before (a repeated import)
    alerts_triggered: int = 0


async def store_reports(
    db: AsyncDatabase,
    reports: Sequence[dict[str, Any]],
    *,
    source: str,
    sms: SmsProvider | None,
    reported_by: Any = None,
) -> StoreResult:
    """Upserts checked reports, moves the latest quote forward, then checks price alerts.

    `sms=None` skips alerts (the demo seed writes history, not news).
    """
    result = StoreResult()
    now = datetime.now(UTC)
    for start in range(0, len(reports), WRITE_BATCH):
        batch = reports[start : start + WRITE_BATCH]
        written = await db.prices.bulk_write(
            [
                UpdateOne(
                    {"_id": r["_id"]},
                    {
                        "$set": {
                            **report_fields(r),
                            "source": source,
                            "reportedBy": reported_by,
                        },
                        "$setOnInsert": {"createdAt": now},
                    },
                    upsert=True,
                )
                for r in batch
            ],
            ordered=False,
        )
        result.stored += written.upserted_count + written.modified_count
        result.unchanged += written.matched_count - written.modified_count
    pairs = await advance_latest(db, reports)
    if sms is not None and pairs:
        result.alerts_triggered = await check_price_alerts(db, pairs, sms=sms)
    return result


async def advance_latest(db: AsyncDatabase, reports: Iterable[dict[str, Any]]) -> list[str]:
    """`price_latest` only moves forward in time, whatever order the reports arrive in."""
    newest: dict[str, dict[str, Any]] = {}
    for r in reports:
        key = pair_id(r["commodityId"], r["marketId"])
        if key not in newest or r["date"] > newest[key]["date"]:
            newest[key] = r
    docs = [{**r, "_id": key} for key, r in newest.items()]
    fields = [{k: v for k, v in d.items() if k != "_id"} for d in docs]
    for start in range(0, len(docs), WRITE_BATCH):
        try:
            await db.price_latest.bulk_write(
                [
                    # A newer quote already stored fails the filter; the upsert then hits the
                    # unique _id and is refused (11000): exactly the "keep the newer" we want.
                    UpdateOne({"_id": d["_id"], "date": {"$lte": d["date"]}}, {"$set": f}, True)
                    for d, f in zip(
                        docs[start : start + WRITE_BATCH],
                        fields[start : start + WRITE_BATCH],
                        strict=True,
                    )
                ],
                ordered=False,
            )
        except BulkWriteError as error:
            if any(e.get("code") != 11000 for e in error.details.get("writeErrors", [])):
                raise
    return list(newest)


def days_before(day: str, days: int) -> str:
    return (date.fromisoformat(day) - timedelta(days=days)).isoformat()


def change_pct(now_fen: int, before_fen: int | None) -> float | None:
    if not before_fen:
        return None
    return round((now_fen - before_fen) * 100 / before_fen, 1)
