"""Commodities, markets, daily prices and farmers' price alerts."""

from datetime import date, timedelta
from typing import Any

import strawberry
from strawberry import relay

from sannong.auth import Role, require_role
from sannong.clock import today_in_china
from sannong.context import Context
from sannong.errors import BadUserInput, Failure, NotFound, RuleError
from sannong.loaders.prices import CommodityById, MarketById
from sannong.money import fen_to_yuan
from sannong.rules import price_alerts
from sannong.rules import prices as rules
from sannong.rules.accounts import follow_commodities
from sannong.rules.audit import AuditAction, audited
from sannong.rules.prices import PriceRow, change_pct, daily_reports, days_before
from sannong.types.accounts import User, UserPayload
from sannong.types.common import Connection, UserError, mutation, node_key, object_key
from sannong.types.prices import (
    Commodity,
    CommodityCategory,
    FollowCommoditiesInput,
    Market,
    PriceAlert,
    PriceAlertPayload,
    PricePoint,
    PriceQuote,
    PriceSeries,
    RemovePriceAlertInput,
    RemovePriceAlertPayload,
    ReportPricesInput,
    ReportPricesPayload,
    SetPriceAlertInput,
)

MAX_HISTORY_DAYS = 366
MAX_FOLLOWED = 30
MAX_MARKETS = 500
_ROW_FIELDS = {"commodity": "commodityId", "market": "marketId"}


def _key_or_blank(global_id: relay.GlobalID, type_name: str) -> str:
    """A row naming an ID of another type is that row's error, not the whole batch's."""
    return global_id.node_id if global_id.type_name == type_name else ""


@strawberry.type
class PriceQuery:
    @strawberry.field(description="Every commodity, grain first; or those of one category")
    async def commodities(
        self, info: strawberry.Info[Context], category: CommodityCategory | None = None
    ) -> list[Commodity]:
        query = {"category": category.value} if category else {}
        # index commodities(category, order) / commodities(order)
        docs = await info.context.db.commodities.find(
            query, {"searchTokens": 0}, sort=[("order", 1)]
        ).to_list()
        return [Commodity.from_doc(doc) for doc in docs]

    @strawberry.field(description="Markets, or the markets in a region's subtree")
    async def markets(
        self, info: strawberry.Info[Context], region_id: relay.GlobalID | None = None
    ) -> list[Market]:
        query = {"path": node_key(region_id, "Region", "regionId")} if region_id else {}
        docs = await info.context.db.markets.find(  # index markets(path, _id)
            query, sort=[("_id", 1)], limit=MAX_MARKETS
        ).to_list()
        return [Market.from_doc(doc) for doc in docs]

    @strawberry.field(
        description="The newest quote of every commodity × market, by commodity; "
        "optionally only these commodities and markets in a region's subtree"
    )
    async def latest_prices(
        self,
        info: strawberry.Info[Context],
        commodity_ids: list[relay.GlobalID] | None = None,
        region_id: relay.GlobalID | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[PriceQuote]:
        query: dict[str, Any] = {}
        if commodity_ids is not None:
            if len(commodity_ids) > 100:
                raise BadUserInput("一次最多查询 100 个品种", field="commodityIds")
            keys = [node_key(c, "Commodity", "commodityIds") for c in commodity_ids]
            query["commodityId"] = {"$in": keys}  # index price_latest(commodityId, _id)
        if region_id is not None:
            query["path"] = node_key(region_id, "Region", "regionId")  # price_latest(path, _id)
        return await Connection[PriceQuote].find(
            info.context.db.price_latest,
            query,
            PriceQuote.from_doc,
            sort_key="_id",
            descending=False,
            first=first,
            after=after,
        )

    @strawberry.field(description="Daily low / average / high of the last `days` days (≤ 366)")
    async def price_history(
        self,
        info: strawberry.Info[Context],
        commodity_id: relay.GlobalID,
        market_id: relay.GlobalID | None = None,
        days: int | None = 30,
    ) -> PriceSeries:
        days = 30 if days is None else days
        if not 1 <= days <= MAX_HISTORY_DAYS:
            raise BadUserInput(f"天数应在 1 到 {MAX_HISTORY_DAYS} 之间", field="days")
        context = info.context
        commodity = await CommodityById.of(context).load(
            node_key(commodity_id, "Commodity", "commodityId")
        )
        if commodity is None:
            raise NotFound("品种不存在")
        market = None
        if market_id is not None:
            market = await MarketById.of(context).load(node_key(market_id, "Market", "marketId"))
            if market is None:
                raise NotFound("市场不存在")
        start = (today_in_china() - timedelta(days=days - 1)).isoformat()
        # Nine more days so the first days of the window also have a week-before price.
        query: dict[str, Any] = {
            "commodityId": commodity["_id"],
            "month": {"$gte": days_before(start, 9)[:7]},
        }
        if market is not None:
            query["marketId"] = market["_id"]  # index prices(commodityId, marketId, month)
        months = await context.db.prices.find(  # else index prices(commodityId, month)
            query, {"month": 1, "days": 1}, sort=[("month", 1)]
        ).to_list()
        return _series(commodity, market, _daily(months), start)


def _daily(months: list[dict[str, Any]]) -> dict[str, tuple[int, int, int]]:
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


def _series(
    commodity: dict[str, Any],
    market: dict[str, Any] | None,
    daily: dict[str, tuple[int, int, int]],
    start: str,
) -> PriceSeries:
    shown = [(day, v) for day, v in sorted(daily.items()) if day >= start]
    change = None
    if shown:
        last_day, (_, last_avg, _) = shown[-1]
        before = next(
            (daily[d][1] for d in (days_before(last_day, n) for n in (7, 8, 9)) if d in daily),
            None,
        )
        change = change_pct(last_avg, before)
    return PriceSeries(
        commodity=Commodity.from_doc(commodity),
        market=Market.from_doc(market) if market else None,
        unit=commodity["unit"],
        points=[
            PricePoint(
                date=date.fromisoformat(day),
                low=fen_to_yuan(low),
                avg=fen_to_yuan(avg),
                high=fen_to_yuan(high),
            )
            for day, (low, avg, high) in shown
        ],
        low=fen_to_yuan(min(v[0] for _, v in shown)) if shown else None,
        high=fen_to_yuan(max(v[2] for _, v in shown)) if shown else None,
        average=fen_to_yuan(round(sum(v[1] for _, v in shown) / len(shown))) if shown else None,
        change_pct_7d=change,
    )


@strawberry.type
class PriceAlertQuery:
    @strawberry.field(description="The signed-in person's price alerts")
    async def my_price_alerts(self, info: strawberry.Info[Context]) -> list[PriceAlert]:
        viewer = await info.context.require_viewer()
        docs = await info.context.db.price_alerts.find(  # index price_alerts(userId, _id)
            {"userId": viewer.id}, sort=[("_id", 1)], limit=price_alerts.MAX_ALERTS_PER_USER
        ).to_list()
        return [PriceAlert.from_doc(doc) for doc in docs]


@strawberry.type
class PriceMutation:
    @strawberry.mutation(
        description="Township and platform admins: up to 250 rows for markets in their region "
        "(a market outside it refuses the whole batch); valid rows are stored, bad ones come "
        "back as userErrors `rows.N.field`"
    )
    async def report_prices(
        self, info: strawberry.Info[Context], input: ReportPricesInput
    ) -> ReportPricesPayload:
        context = info.context
        actor = await context.viewer()
        rows = [
            PriceRow(
                date=row.date,
                market=_key_or_blank(row.market_id, "Market"),
                commodity=_key_or_blank(row.commodity_id, "Commodity"),
                unit=row.unit,
                low=row.low,
                avg=row.avg,
                high=row.high,
            )
            for row in input.rows
        ]
        try:
            async with audited(context.db, actor, AuditAction.REPORT_PRICES):
                viewer = require_role(actor, Role.TOWNSHIP_ADMIN, Role.PLATFORM_ADMIN)
                stored, problems = await rules.report_prices(
                    context.db, viewer, rows, source=input.source, sms=context.services.sms
                )
        except RuleError as refused:  # the whole batch is refused
            return ReportPricesPayload(
                rejected_count=len(rows),
                user_errors=[UserError.from_failure(f) for f in refused.failures],
            )
        return ReportPricesPayload(
            stored_count=stored.stored,
            unchanged_count=stored.unchanged,
            rejected_count=len({p.index for p in problems}),
            user_errors=[
                UserError.from_failure(
                    Failure(
                        f"rows.{p.index}.{_ROW_FIELDS.get(p.field, p.field)}",
                        f"第 {p.index + 1} 行：{p.message}",
                        p.code,
                    )
                )
                for p in problems
            ],
        )

    @mutation("Set the commodities whose prices the viewer follows")
    async def follow_commodities(
        self, info: strawberry.Info[Context], input: FollowCommoditiesInput
    ) -> UserPayload:
        context = info.context
        user = await follow_commodities(
            context.db,
            context,
            await context.require_viewer(),
            [node_key(c, "Commodity", "commodityIds") for c in input.commodity_ids],
        )
        return UserPayload(user=User.from_doc(user))

    @mutation(
        "Tell me when this commodity at this market goes above / below a price "
        "(one SMS and one notification per crossing; setting it again changes the threshold)"
    )
    async def set_price_alert(
        self, info: strawberry.Info[Context], input: SetPriceAlertInput
    ) -> PriceAlertPayload:
        context = info.context
        doc = await rules.set_price_alert(
            context.db,
            context,
            await context.require_viewer(),
            commodity_code=node_key(input.commodity_id, "Commodity", "commodityId"),
            market_code=node_key(input.market_id, "Market", "marketId"),
            direction=input.direction.value,
            threshold=input.threshold,
        )
        return PriceAlertPayload(price_alert=PriceAlert.from_doc(doc))

    @mutation("Stop a price alert of the viewer")
    async def remove_price_alert(
        self, info: strawberry.Info[Context], input: RemovePriceAlertInput
    ) -> RemovePriceAlertPayload:
        await rules.remove_price_alert(
            info.context.db, await info.context.require_viewer(), object_key(input.id, "PriceAlert")
        )
        return RemovePriceAlertPayload(removed_id=input.id)
