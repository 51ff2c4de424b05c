from typing import ClassVar

from sannong.loaders import ById, ManyByField
from sannong.loaders.shared import SharedById


class CommodityById(SharedById):
    object_ids = False
    collection = "commodities"
    projection: ClassVar[dict[str, int]] = {"searchTokens": 0}


class MarketById(SharedById):
    object_ids = False
    collection = "markets"


class PriceMonthById(ById):
    """Month documents of reports (`commodity:market:2026-05`): a week-old price."""

    collection = "prices"


class LatestQuotesByCommodity(ManyByField):
    collection = "price_latest"
    field = "commodityId"  # index price_latest(commodityId, _id)


class PriceAlertById(ById):
    collection = "price_alerts"
