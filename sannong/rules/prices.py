"""Price reports: the checks every row passes, storage, and the latest quote per pair.

One report is (commodity, market, date, low, avg, high, unit, source), in integer
fen per canonical unit. Reports are kept one document per commodity × market ×
month (`_id` `commodity:market:2026-05`, the day under `days.d15`): the embedded
server's writes and scans grow with the number of documents in a collection, and
180 days × 330 pairs as single documents took the demo seed past ten minutes and
slowed every later write; months make that 30 times fewer documents, and a
half-year history is 6 to 7 documents per market (the MongoDB "bucket pattern").
Storing the same row twice changes nothing. `price_latest` keeps the newest
report of each commodity × market pair, which `latestPrices` and alerts read.

Used by `reportPrices`, `sannong import-prices` and the demo seed.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument, UpdateOne
from pymongo.errors import BulkWriteError

from sannong.auth import Viewer
from sannong.clock import now, today_in_china
from sannong.db import Database, Document
from sannong.db.pagination import Page, paginate
from sannong.errors import BadUserInput, Forbidden, InputErrorCode, RuleError
from sannong.integrations.sms import SmsProvider
from sannong.loaders import HasLoaders
from sannong.loaders.prices import CommodityById, MarketById
from sannong.money import MAX_PRICE_FEN, yuan_to_fen
from sannong.rules import audit, price_alerts
from sannong.rules.price_alerts import check_price_alerts
from sannong.validation import Checks

MAX_ROWS = 250
EARLIEST = date(2000, 1, 1)
WRITE_BATCH = 50  # the embedded server slows down more than linearly with the size of a write

# Units as people write them → (canonical unit, factor to multiply the price by).
# Beijing Xinfadi and most township markets quote per 斤 (500 g); we store per 公斤.
UNITS: dict[str, tuple[str, int]] = {
    **{alias: ("元/公斤", 1) for alias in ("元/公斤", "公斤", "元/千克", "千克", "kg", "元/kg")},
    **{alias: ("元/公斤", 2) for alias in ("元/斤", "斤", "元/500g", "500g")},
    **{alias: ("元/头", 1) for alias in ("元/头", "头", "元/只", "只")},
}


def report_id(commodity: str, market: str, day: date | str) -> str:
    return f"{commodity}:{market}:{day}"


def month_id(commodity: str, market: str, day: str) -> str:
    return f"{commodity}:{market}:{day[:7]}"


def day_key(day: str) -> str:
    return f"d{day[8:10]}"


def day_entry(month: dict[str, Any] | None, day: str) -> dict[str, Any] | None:
    """The report of one day inside a month document: {low, avg, high, source, by}."""
    entry: dict[str, Any] | None = (month or {}).get("days", {}).get(day_key(day))
    return entry


def daily_reports(month: dict[str, Any]) -> dict[str, tuple[int, int, int]]:
    """(low, avg, high) in fen per ISO date of a month document."""
    return {
        f"{month['month']}-{key[1:]}": (entry["low"], entry["avg"], entry["high"])
        for key, entry in month.get("days", {}).items()
    }


def pair_id(commodity: str, market: str) -> str:
    return f"{commodity}:{market}"


class PriceErrorCode(StrEnum):
    UNKNOWN_COMMODITY = "UNKNOWN_COMMODITY"
    UNKNOWN_MARKET = "UNKNOWN_MARKET"
    WRONG_UNIT = "WRONG_UNIT"
    INVALID_PRICE = "INVALID_PRICE"
    INVALID_DATE = "INVALID_DATE"
    TOO_MANY_ROWS = "TOO_MANY_ROWS"
    DUPLICATE_ROW = "DUPLICATE_ROW"


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
    code: PriceErrorCode


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
    async def load(cls, db: Database) -> "Catalog":
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

    def fail(self, field: str, message: str, code: PriceErrorCode) -> None:
        self.problems.append(RowProblem(self.index, field, message, code))
        self.failed = True


def _check_prices(row: PriceRow, factor: int, checks: _RowChecks) -> dict[str, int]:
    labels = {"low": "最低价", "avg": "均价", "high": "最高价"}
    fen: dict[str, int] = {}
    for name, label in labels.items():
        value = _fen(getattr(row, name))
        if value is None:
            checks.fail(
                name, f"{label}不是有效的金额（最多两位小数）", PriceErrorCode.INVALID_PRICE
            )
        elif value <= 0:
            checks.fail(name, f"{label}必须大于 0", PriceErrorCode.INVALID_PRICE)
        elif value * factor > MAX_PRICE_FEN:
            checks.fail(
                name, f"{label}高得不合常理，请检查单位和小数点", PriceErrorCode.INVALID_PRICE
            )
        else:
            fen[name] = value * factor
    if len(fen) == 3:
        if fen["low"] > fen["high"]:
            checks.fail("low", "最低价不能高于最高价", PriceErrorCode.INVALID_PRICE)
        elif not fen["low"] <= fen["avg"] <= fen["high"]:
            checks.fail("avg", "均价应在最低价和最高价之间", PriceErrorCode.INVALID_PRICE)
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
                "commodity", f"未知品种「{row.commodity}」", PriceErrorCode.UNKNOWN_COMMODITY
            )
        if market is None:
            checks.fail("market", f"未知市场「{row.market}」", PriceErrorCode.UNKNOWN_MARKET)
        if day is None:
            checks.fail("date", "日期格式应为 2026-05-01", PriceErrorCode.INVALID_DATE)
        elif day > today:
            checks.fail("date", "日期不能晚于今天", PriceErrorCode.INVALID_DATE)
        elif day < EARLIEST:
            checks.fail("date", "日期太早", PriceErrorCode.INVALID_DATE)
        unit, factor = UNITS.get(row.unit.strip().lower(), (None, 1))
        if commodity is not None and unit != commodity["unit"]:
            checks.fail(
                "unit",
                f"「{commodity['name']}」的价格单位应为 {commodity['unit']}，不是「{row.unit}」",
                PriceErrorCode.WRONG_UNIT,
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
                PriceErrorCode.DUPLICATE_ROW,
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


@dataclass
class StoreResult:
    stored: int = 0  # new or changed reports
    unchanged: int = 0  # identical to what was stored before (a repeated import)
    alerts_triggered: int = 0


async def report_prices(
    db: Database,
    reporter: Viewer,
    rows: Sequence[PriceRow],
    *,
    source: str | None,
    sms: SmsProvider,
) -> tuple[StoreResult, list[RowProblem]]:
    """An admin's batch for markets in its region: the valid rows are stored, each bad row
    comes back as a problem; a market outside the region refuses the whole batch."""
    if len(rows) > MAX_ROWS:
        raise RuleError("rows", f"一次最多上报 {MAX_ROWS} 行", PriceErrorCode.TOO_MANY_ROWS)
    checks = Checks()
    source = checks.text("source", source, label="来源", max_length=100)
    checks.raise_if_any()
    catalog = await Catalog.load(db)
    for row in rows:
        market = catalog.market(row.market) if row.market else None
        if market is not None and not reporter.administers(market["path"]):
            audit.concerns(market["path"])
            raise Forbidden(f"市场「{market['name']}」不在您的管理范围内")
    reports, problems = check_rows(rows, catalog)
    audit.concerns(None, detail=f"{len(reports)} 行有效，{len(rows) - len(reports)} 行有误")
    stored = await store_reports(
        db, reports, source=source or "人工上报", sms=sms, reported_by=reporter.id
    )
    return stored, problems


async def store_reports(
    db: Database,
    reports: Sequence[dict[str, Any]],
    *,
    source: str,
    sms: SmsProvider | None,
    reported_by: Any = None,
) -> StoreResult:
    """Stores checked reports, moves the latest quote forward, then checks price alerts.

    `sms=None` skips alerts (the demo seed writes history, not news).
    """
    result = StoreResult()
    for start in range(0, len(reports), MAX_ROWS):
        await _store_months(db, reports[start : start + MAX_ROWS], source, reported_by, result)
    pairs = await advance_latest(db, reports)
    await refresh_week_before(db, pairs)
    if sms is not None and pairs:
        result.alerts_triggered = await check_price_alerts(db, pairs, sms=sms)
    return result


async def _store_months(
    db: Database,
    reports: Sequence[dict[str, Any]],
    source: str,
    reported_by: Any,
    result: StoreResult,
) -> None:
    months: dict[str, list[dict[str, Any]]] = {}
    for r in reports:
        months.setdefault(month_id(r["commodityId"], r["marketId"], r["date"]), []).append(r)
    stored = {
        doc["_id"]: doc
        for doc in await db.prices.find({"_id": {"$in": list(months)}}, {"days": 1}).to_list()
    }
    writes: list[UpdateOne] = []
    for key, rows in months.items():
        changes: dict[str, Any] = {}
        for r in rows:
            entry = {
                "low": r["lowFen"],
                "avg": r["avgFen"],
                "high": r["highFen"],
                "source": source,
                "by": reported_by,
            }
            if day_entry(stored.get(key), r["date"]) == entry:
                result.unchanged += 1  # a repeated import or report writes nothing
                continue
            result.stored += 1
            changes |= {f"days.{day_key(r['date'])}.{name}": v for name, v in entry.items()}
        if changes:
            first = rows[0]
            writes.append(
                UpdateOne(
                    {"_id": key},
                    {
                        "$set": changes,
                        "$setOnInsert": {
                            "commodityId": first["commodityId"],
                            "marketId": first["marketId"],
                            "month": first["date"][:7],
                            "unit": first["unit"],
                        },
                    },
                    upsert=True,
                )
            )
    for start in range(0, len(writes), WRITE_BATCH):
        await _write_retrying_races(db, writes[start : start + WRITE_BATCH])


async def _write_retrying_races(db: Database, writes: list[UpdateOne]) -> None:
    """Two first reports of a month at once: one upsert inserts, the other hits the unique
    _id (11000); run again, it finds the document and updates it."""
    try:
        await db.prices.bulk_write(writes, ordered=False)
    except BulkWriteError as error:
        failed = error.details.get("writeErrors", [])
        if any(e.get("code") != 11000 for e in failed):
            raise
        await db.prices.bulk_write([writes[e["index"]] for e in failed], ordered=False)


async def advance_latest(db: Database, reports: Iterable[dict[str, Any]]) -> list[str]:
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


WEEK_BEFORE = (7, 8, 9)  # a market closed a week before (holiday): up to two days earlier


async def refresh_week_before(db: Database, pairs: Sequence[str]) -> None:
    """Each latest quote keeps the average of a week before it (`weekBeforeFen`), so the
    7-day change on a screen costs no second lookup. Every pair a batch touched is
    refreshed: a late report of an earlier day can be the week-before of the latest."""
    for start in range(0, len(pairs), WRITE_BATCH):
        latest = await db.price_latest.find(
            {"_id": {"$in": list(pairs[start : start + WRITE_BATCH])}},
            {"date": 1, "commodityId": 1, "marketId": 1},
        ).to_list()
        days = {d["_id"]: [days_before(d["date"], n) for n in WEEK_BEFORE] for d in latest}

        def month_of(doc: dict[str, Any], day: str) -> str:
            return month_id(doc["commodityId"], doc["marketId"], day)

        wanted = list({month_of(d, day) for d in latest for day in days[d["_id"]]})
        months = {
            m["_id"]: m
            for m in await db.prices.find({"_id": {"$in": wanted}}, {"days": 1}).to_list()
        }
        writes = []
        for doc in latest:
            entries = (day_entry(months.get(month_of(doc, day)), day) for day in days[doc["_id"]])
            before = next((entry["avg"] for entry in entries if entry), None)
            # Only while it is still the latest: a newer quote refreshes itself.
            writes.append(
                UpdateOne(
                    {"_id": doc["_id"], "date": doc["date"]}, {"$set": {"weekBeforeFen": before}}
                )
            )
        if writes:
            await db.price_latest.bulk_write(writes, ordered=False)


def days_before(day: str, days: int) -> str:
    return (date.fromisoformat(day) - timedelta(days=days)).isoformat()


def change_pct(now_fen: int, before_fen: int | None) -> float | None:
    if not before_fen:
        return None
    return round((now_fen - before_fen) * 100 / before_fen, 1)


async def set_price_alert(
    context: HasLoaders,
    owner: Viewer,
    *,
    commodity_code: str,
    market_code: str,
    direction: str,
    threshold: Decimal,
) -> dict[str, Any]:
    """One alert per person, pair and direction: setting it again changes the threshold."""
    db = context.db
    checks = Checks()
    commodity = await CommodityById.of(context).load(commodity_code)
    market = await MarketById.of(context).load(market_code)
    if commodity is None:
        checks.fail("commodityId", "品种不存在", PriceErrorCode.UNKNOWN_COMMODITY)
    if market is None:
        checks.fail("marketId", "市场不存在", PriceErrorCode.UNKNOWN_MARKET)
    threshold_fen = yuan_to_fen(threshold)
    if threshold_fen is None or not 0 < threshold_fen <= MAX_PRICE_FEN:
        checks.fail(
            "threshold", "请输入大于 0 的价格（最多两位小数）", PriceErrorCode.INVALID_PRICE
        )
    if (
        await db.price_alerts.count_documents({"userId": owner.id})
        >= price_alerts.MAX_ALERTS_PER_USER
    ):
        checks.fail(
            "commodityId",
            f"最多设置 {price_alerts.MAX_ALERTS_PER_USER} 个价格提醒",
            InputErrorCode.TOO_MANY,
        )
    checks.raise_if_any()
    assert commodity is not None and market is not None and threshold_fen is not None
    pair = pair_id(commodity["_id"], market["_id"])
    latest = await db.price_latest.find_one({"_id": pair}, {"avgFen": 1})
    at = now()
    doc = await db.price_alerts.find_one_and_update(
        {"userId": owner.id, "pairId": pair, "direction": direction},
        {
            "$set": {
                "thresholdFen": threshold_fen,
                "state": price_alerts.initial_state(direction, threshold_fen, latest),
                "commodityName": commodity["name"],
                "marketName": market["name"],
                "updatedAt": at,
            },
            "$setOnInsert": {
                "commodityId": commodity["_id"],
                "marketId": market["_id"],
                "createdAt": at,
                "triggerCount": 0,
            },
        },
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )
    assert doc is not None
    return doc


async def remove_price_alert(db: Database, owner: Viewer, alert_id: ObjectId | None) -> None:
    deleted = await db.price_alerts.delete_one({"_id": alert_id, "userId": owner.id})
    if alert_id is None or deleted.deleted_count == 0:
        raise RuleError("id", "价格提醒不存在", InputErrorCode.NOT_FOUND)


# -- reading -----------------------------------------------------------------------------

MAX_MARKETS = 500  # one answer never carries more markets than this
MAX_LATEST_COMMODITIES = 100


async def commodities(db: Database, category: str | None) -> list[Document]:
    """Every commodity in the catalogue's order (grain first), or those of one category
    (a value of the API's enum)."""
    query = {"category": category} if category else {}
    # index commodities(category, order) / commodities(order)
    return await db.commodities.find(query, {"searchTokens": 0}, sort=[("order", 1)]).to_list()


async def markets(db: Database, region_code: str | None) -> list[Document]:
    """Markets, or those in a region's subtree, by code."""
    query = {"path": region_code} if region_code else {}
    return await db.markets.find(  # index markets(path, _id)
        query, sort=[("_id", 1)], limit=MAX_MARKETS
    ).to_list()


async def latest_prices(
    db: Database,
    commodity_codes: list[str] | None,
    region_code: str | None,
    *,
    first: int | None,
    after: str | None,
) -> Page:
    """The newest quote of every commodity × market, by commodity: of these commodities
    only, at markets in a region's subtree."""
    query: dict[str, Any] = {}
    if commodity_codes is not None:
        if len(commodity_codes) > MAX_LATEST_COMMODITIES:
            raise BadUserInput(
                f"一次最多查询 {MAX_LATEST_COMMODITIES} 个品种", field="commodityIds"
            )
        query["commodityId"] = {"$in": commodity_codes}  # index price_latest(commodityId, _id)
    if region_code is not None:
        query["path"] = region_code  # index price_latest(path, _id)
    return await paginate(
        db.price_latest, query, sort_key="_id", descending=False, first=first, after=after
    )
