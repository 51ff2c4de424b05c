from typing import ClassVar

from sannong.loaders import ById, ManyByField


class CommodityById(ById):
    collection = "commodities"
    projection: ClassVar[dict[str, int]] = {"searchTokens": 0}


class MarketById(ById):
    collection = "markets"


class PriceReportById(ById):
    """Reports by `commodity:market:date`: the quote a week earlier for the 7-day change."""

    collection = "prices"


class LatestQuotesByCommodity(ManyByField):
    collection = "price_latest"
    field = "commodityId"  # index price_latest(commodityId, _id)
