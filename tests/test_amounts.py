"""Amounts of money far beyond any price are answered, never raised: 1e999999 yuan."""

import pytest

from sannong.auth import Role
from tests.factories import SUNJIAJI, Api, codes
from tests.market import CREATE, create_listing, listing_input
from tests.prices_helpers import SUNJIAJI_MARKET, commodity_id, market_id, report_count, row

pytestmark = pytest.mark.usefixtures("catalog")

HUGE = ["1e999999", "-1e999999", "9" * 39]

REPORT = """mutation($i: ReportPricesInput!) { reportPrices(input: $i) {
  storedCount rejectedCount userErrors { field code } } }"""
SET_ALERT = """mutation($i: SetPriceAlertInput!) { setPriceAlert(input: $i) {
  priceAlert { id } userErrors { field code } } }"""
BROWSE = """query($f: ListingFilter) { listings(filter: $f) { edges { node { id } } } }"""


@pytest.mark.parametrize("amount", HUGE)
async def test_a_huge_price_of_a_listing_is_a_user_error(api: Api, amount: str) -> None:
    seller = await api.person()
    result = await api.gql(CREATE, {"i": listing_input(price=amount)}, as_=seller)
    assert [e["field"] for e in result["data"]["createListing"]["userErrors"]] == ["price"]
    assert await api.db.listings.count_documents({}) == 0


async def test_a_huge_price_filter_is_bad_user_input(api: Api) -> None:
    seller = await api.person()
    await create_listing(api, seller)
    for bound in ("minPrice", "maxPrice"):
        result = await api.gql(BROWSE, {"f": {bound: "1e999999"}})
        assert codes(result) == ["BAD_USER_INPUT"], result


async def test_a_huge_alert_threshold_is_a_user_error(api: Api) -> None:
    farmer = await api.person()
    alert = {"commodityId": commodity_id("corn"), "marketId": market_id(SUNJIAJI_MARKET),
             "direction": "ABOVE", "threshold": "1e999999"}  # fmt: skip
    result = await api.gql(SET_ALERT, {"i": alert}, as_=farmer)
    assert result["data"]["setPriceAlert"]["userErrors"] == [
        {"field": "threshold", "code": "INVALID_PRICE"}
    ]


async def test_a_huge_price_row_is_listed_alone_and_the_other_rows_are_stored(api: Api) -> None:
    admin = await api.person(Role.TOWNSHIP_ADMIN, scope=SUNJIAJI)
    rows = [row(), row("wheat", avg="1e999999"), row("rice", high="1E+999999999")]
    result = await api.gql(REPORT, {"i": {"rows": rows}}, as_=admin)
    assert result["data"]["reportPrices"] == {
        "storedCount": 1,
        "rejectedCount": 2,
        "userErrors": [
            {"field": "rows.1.avg", "code": "INVALID_PRICE"},
            {"field": "rows.2.high", "code": "INVALID_PRICE"},
        ],
    }
    assert await report_count(api.db) == 1
