from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any, Self

import strawberry
from strawberry import relay

from sannong.loaders.prices import (
    CommodityById,
    LatestQuotesByCommodity,
    MarketById,
    PriceAlertById,
    PriceMonthById,
)
from sannong.money import fen_to_yuan
from sannong.rules.price_alerts import price_alert_visible_to
from sannong.rules.price_history import PriceHistory
from sannong.rules.prices import WEEK_BEFORE, change_pct, day_entry, days_before, month_id
from sannong.types.common import DocumentNode, UserError, node_key
from sannong.types.regions import Region


@strawberry.enum(description="粮食、蔬菜、水果、畜禽、水产、茶叶")
class CommodityCategory(Enum):
    GRAIN = "GRAIN"
    VEGETABLE = "VEGETABLE"
    FRUIT = "FRUIT"
    LIVESTOCK = "LIVESTOCK"
    AQUATIC = "AQUATIC"
    TEA = "TEA"


@strawberry.enum(description="Which side of the threshold a price alert waits for")
class PriceDirection(Enum):
    ABOVE = "ABOVE"
    BELOW = "BELOW"


@strawberry.type(description="A farm product with a quoted price, e.g. 玉米 in 元/公斤")
class Commodity(DocumentNode):
    loader = CommodityById

    key: relay.NodeID[str]
    name: str
    aliases: list[str]
    category: CommodityCategory
    unit: str = strawberry.field(description="The unit every price of it is quoted in")

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Self:
        return cls(
            key=doc["_id"],
            name=doc["name"],
            aliases=doc.get("aliases", []),
            category=CommodityCategory(doc["category"]),
            unit=doc["unit"],
        )

    @strawberry.field(
        description="Newest quote: of `marketId` if given, else preferring markets in the "
        "viewer's county, then the most recent"
    )
    async def latest_price(
        self, info: strawberry.Info, market_id: relay.GlobalID | None = None
    ) -> "PriceQuote | None":
        quotes = await LatestQuotesByCommodity.of(info.context).load(self.key)
        if market_id is not None:
            market = node_key(market_id, "Market", "marketId")
            quotes = [q for q in quotes if q["marketId"] == market]
        if not quotes:
            return None
        viewer = await info.context.viewer()
        county = viewer.region_path[2] if viewer and len(viewer.region_path) > 2 else None
        best = max(quotes, key=lambda q: (county in q["path"], q["date"], q["marketId"]))
        return PriceQuote.from_doc(best)


@strawberry.type(description="A wholesale market or 集贸市场 that reports daily prices")
class Market(DocumentNode):
    loader = MarketById

    key: relay.NodeID[str]
    name: str
    categories: list[CommodityCategory]
    region_code: strawberry.Private[str]

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Self:
        return cls(
            key=doc["_id"],
            name=doc["name"],
            categories=[CommodityCategory(c) for c in doc.get("categories", [])],
            region_code=doc["regionId"],
        )

    @strawberry.field(description="The township or county the market is in")
    async def region(self, info: strawberry.Info) -> Region | None:
        return await Region.load(info, self.region_code)


async def _week_before(info: strawberry.Info, commodity: str, market: str, day: str) -> int | None:
    """Average a week before, for a quote stored before `weekBeforeFen` was kept."""
    days = [days_before(day, n) for n in WEEK_BEFORE]
    months = await PriceMonthById.of(info.context).load_many(
        [month_id(commodity, market, d) for d in days]
    )
    entries = (day_entry(month, d) for month, d in zip(months, days, strict=True))
    return next((entry["avg"] for entry in entries if entry), None)


@strawberry.type(description="One day's price of a commodity at a market")
class PriceQuote:
    date: date
    low: Decimal
    price: Decimal = strawberry.field(description="The day's average price (均价)")
    high: Decimal
    unit: str
    commodity_key: strawberry.Private[str]
    market_key: strawberry.Private[str]
    avg_fen: strawberry.Private[int]
    doc: strawberry.Private[dict[str, Any]]

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Self:
        return cls(
            date=date.fromisoformat(doc["date"]),
            low=fen_to_yuan(doc["lowFen"]),
            price=fen_to_yuan(doc["avgFen"]),
            high=fen_to_yuan(doc["highFen"]),
            unit=doc["unit"],
            commodity_key=doc["commodityId"],
            market_key=doc["marketId"],
            avg_fen=doc["avgFen"],
            doc=doc,
        )

    @strawberry.field
    async def commodity(self, info: strawberry.Info) -> Commodity | None:
        return await Commodity.load(info, self.commodity_key)

    @strawberry.field
    async def market(self, info: strawberry.Info) -> Market | None:
        return await Market.load(info, self.market_key)

    @strawberry.field(description="Change of the average price against a week before, in %")
    async def change_pct_7d(self, info: strawberry.Info) -> float | None:
        if "weekBeforeFen" in self.doc:  # kept with the quote (rules/prices.refresh_week_before)
            return change_pct(self.avg_fen, self.doc["weekBeforeFen"])
        week_before = await _week_before(
            info, self.commodity_key, self.market_key, self.date.isoformat()
        )
        return change_pct(self.avg_fen, week_before)


@strawberry.type(description="Low, average and high of one day")
class PricePoint:
    date: date
    low: Decimal
    avg: Decimal
    high: Decimal


@strawberry.type(description="A daily price series; without a market, all markets combined")
class PriceSeries:
    commodity: Commodity
    market: Market | None
    unit: str
    points: list[PricePoint]
    low: Decimal | None = strawberry.field(description="Lowest price of the period")
    high: Decimal | None = strawberry.field(description="Highest price of the period")
    average: Decimal | None = strawberry.field(description="Mean of the daily averages")
    change_pct_7d: float | None = strawberry.field(
        description="Last daily average against the one a week before, in %"
    )

    @classmethod
    def of(cls, history: PriceHistory) -> Self:
        def yuan(fen: int | None) -> Decimal | None:
            return None if fen is None else fen_to_yuan(fen)

        market = history.market
        return cls(
            commodity=Commodity.from_doc(history.commodity),
            market=None if market is None else Market.from_doc(market),
            unit=history.commodity["unit"],
            points=[
                PricePoint(
                    date=p.day,
                    low=fen_to_yuan(p.low),
                    avg=fen_to_yuan(p.avg),
                    high=fen_to_yuan(p.high),
                )
                for p in history.points
            ],
            low=yuan(history.low),
            high=yuan(history.high),
            average=yuan(history.average),
            change_pct_7d=history.change_pct_7d,
        )


@strawberry.type(description="A farmer's 'tell me when the price goes above / below'")
class PriceAlert(DocumentNode):
    loader = PriceAlertById

    key: relay.NodeID[str]
    direction: PriceDirection
    threshold: Decimal
    condition_met: bool = strawberry.field(
        description="The latest price is past the threshold; the next crossing notifies again"
    )
    trigger_count: int
    doc: strawberry.Private[dict[str, Any]]

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Self:
        return cls(
            key=str(doc["_id"]),
            direction=PriceDirection(doc["direction"]),
            threshold=fen_to_yuan(doc["thresholdFen"]),
            condition_met=doc["state"] == "MET",
            trigger_count=doc.get("triggerCount", 0),
            doc=doc,
        )

    @classmethod
    async def visible_to(cls, info: strawberry.Info, doc: dict[str, Any]) -> bool:
        return price_alert_visible_to(await info.context.viewer(), doc)

    @strawberry.field
    async def commodity(self, info: strawberry.Info) -> Commodity | None:
        return await Commodity.load(info, self.doc["commodityId"])

    @strawberry.field
    async def market(self, info: strawberry.Info) -> Market | None:
        return await Market.load(info, self.doc["marketId"])


@strawberry.input(description="One price row; prices in yuan with at most two decimals")
class PriceRowInput:
    commodity_id: relay.GlobalID
    market_id: relay.GlobalID
    date: date
    low: Decimal
    avg: Decimal
    high: Decimal
    unit: str = strawberry.field(description="元/公斤, or 元/斤 (converted), 元/头 for 仔猪")


@strawberry.input
class ReportPricesInput:
    rows: list[PriceRowInput] = strawberry.field(description="At most 250 rows")
    source: str | None = strawberry.field(default=None, description="E.g. 市场信息员 or a URL")


@strawberry.type(description="Valid rows are stored; each bad row is a userError `rows.N.field`")
class ReportPricesPayload:
    stored_count: int = 0
    unchanged_count: int = 0
    rejected_count: int = 0
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class FollowCommoditiesInput:
    commodity_ids: list[relay.GlobalID] = strawberry.field(
        description="The full list to follow (replaces the previous one), at most 30"
    )


@strawberry.input
class SetPriceAlertInput:
    commodity_id: relay.GlobalID
    market_id: relay.GlobalID
    direction: PriceDirection
    threshold: Decimal = strawberry.field(description="Yuan per the commodity's unit")


@strawberry.input
class RemovePriceAlertInput:
    id: relay.GlobalID


@strawberry.type
class PriceAlertPayload:
    price_alert: PriceAlert | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RemovePriceAlertPayload:
    removed_id: relay.GlobalID | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
