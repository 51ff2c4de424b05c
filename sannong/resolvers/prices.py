"""Commodities, markets, daily prices and farmers' price alerts."""

import strawberry
from strawberry import relay

from sannong.auth import Role, require_role
from sannong.context import Context
from sannong.errors import Failure, RuleError
from sannong.rules import price_alerts
from sannong.rules import prices as rules
from sannong.rules.accounts import follow_commodities
from sannong.rules.audit import AuditAction, audited
from sannong.rules.price_history import price_history
from sannong.rules.prices import PriceRow
from sannong.types.accounts import User, UserPayload
from sannong.types.common import Connection, UserError, mutation, node_key, object_key
from sannong.types.prices import (
    Commodity,
    CommodityCategory,
    FollowCommoditiesInput,
    Market,
    PriceAlert,
    PriceAlertPayload,
    PriceQuote,
    PriceSeries,
    RemovePriceAlertInput,
    RemovePriceAlertPayload,
    ReportPricesInput,
    ReportPricesPayload,
    SetPriceAlertInput,
)

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
        docs = await rules.commodities(info.context.db, category.value if category else None)
        return [Commodity.from_doc(doc) for doc in docs]

    @strawberry.field(description="Markets, or the markets in a region's subtree")
    async def markets(
        self, info: strawberry.Info[Context], region_id: relay.GlobalID | None = None
    ) -> list[Market]:
        region = node_key(region_id, "Region", "regionId") if region_id else None
        docs = await rules.markets(info.context.db, region)
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
        page = await rules.latest_prices(
            info.context.db,
            None
            if commodity_ids is None
            else [node_key(c, "Commodity", "commodityIds") for c in commodity_ids],
            None if region_id is None else node_key(region_id, "Region", "regionId"),
            first=first,
            after=after,
        )
        return Connection[PriceQuote].from_page(page, PriceQuote.from_doc)

    @strawberry.field(description="Daily low / average / high of the last `days` days (≤ 366)")
    async def price_history(
        self,
        info: strawberry.Info[Context],
        commodity_id: relay.GlobalID,
        market_id: relay.GlobalID | None = None,
        days: int | None = 30,
    ) -> PriceSeries:
        history = await price_history(
            info.context,
            node_key(commodity_id, "Commodity", "commodityId"),
            None if market_id is None else node_key(market_id, "Market", "marketId"),
            30 if days is None else days,
        )
        return PriceSeries.of(history)


@strawberry.type
class PriceAlertQuery:
    @strawberry.field(description="The signed-in person's price alerts")
    async def my_price_alerts(self, info: strawberry.Info[Context]) -> list[PriceAlert]:
        viewer = await info.context.require_viewer()
        docs = await price_alerts.my_price_alerts(info.context.db, viewer)
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
