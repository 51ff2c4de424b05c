import pytest

from sannong.auth import Role
from sannong.db.client import count_commands
from sannong.db.indexes import INDEXES
from tests.factories import (
    ONLY_ADMINS_OF_SUNJIAJI,
    SUNJIAJI,
    Api,
    codes,
    region_id,
)
from tests.prices_helpers import (
    LUOCHENG_MARKET,
    QINGZHOU_MARKET,
    SHOUGUANG_MARKET,
    SUNJIAJI_MARKET,
    commodity_id,
    days_ago,
    market_id,
    report_count,
    row,
    stored_report,
    write_history,
)

pytestmark = pytest.mark.usefixtures("catalog")

REPORT = """mutation($i: ReportPricesInput!) { reportPrices(input: $i) {
  storedCount unchangedCount rejectedCount userErrors { field message code } } }"""
LATEST = """query($c: [ID!], $r: ID, $first: Int) {
  latestPrices(commodityIds: $c, regionId: $r, first: $first) {
    edges { node { date low price high unit changePct7d
                   commodity { name } market { name region { name } } } }
    pageInfo { hasNextPage } } }"""
HISTORY = """query($c: ID!, $m: ID, $days: Int) {
  priceHistory(commodityId: $c, marketId: $m, days: $days) {
  unit low high average changePct7d market { name } commodity { name }
  points { date low avg high } } }"""


async def report(api: Api, rows: list[dict], as_, source: str | None = None) -> dict:
    result = await api.gql(REPORT, {"i": {"rows": rows, "source": source}}, as_=as_)
    assert "errors" not in result, result
    return result["data"]["reportPrices"]


async def test_commodities_are_listed_grain_first_and_filtered_by_category(api: Api) -> None:
    everything = (await api.gql("{ commodities { name category unit } }"))["data"]["commodities"]
    assert len(everything) >= 40
    assert everything[0] == {"name": "玉米", "category": "GRAIN", "unit": "元/公斤"}
    fish = await api.gql("{ commodities(category: AQUATIC) { name } }")
    assert [c["name"] for c in fish["data"]["commodities"]] == [
        "草鱼",
        "鲤鱼",
        "鲫鱼",
        "南美白对虾",
    ]


async def test_markets_of_a_county_are_listed_with_their_region(api: Api) -> None:
    result = await api.gql(
        "query($r: ID) { markets(regionId: $r) { name region { name } } }",
        {"r": region_id("370783000000")},
    )
    names = {m["name"]: m["region"]["name"] for m in result["data"]["markets"]}
    assert names["寿光农产品物流园"] == "孙家集街道"
    assert len(names) == 4 and "青州市农产品批发市场" not in names


async def test_township_admin_reports_prices_and_the_latest_quote_follows(api: Api) -> None:
    admin = await api.person(Role.TOWNSHIP_ADMIN, scope=SUNJIAJI)
    payload = await report(
        api,
        [row(day=days_ago(1), avg="2.30"), row(day=days_ago(0), avg="2.35")],
        admin,
        source="市场信息员",
    )
    assert payload == {
        "storedCount": 2,
        "unchangedCount": 0,
        "rejectedCount": 0,
        "userErrors": [],
    }
    result = await api.gql(LATEST, {"c": [commodity_id("corn")]})
    [edge] = result["data"]["latestPrices"]["edges"]
    assert edge["node"] == {
        "date": days_ago(0).isoformat(),
        "low": "2.20",
        "price": "2.35",
        "high": "2.40",
        "unit": "元/公斤",
        "changePct7d": None,
        "commodity": {"name": "玉米"},
        "market": {"name": "寿光农产品物流园", "region": {"name": "孙家集街道"}},
    }
    stored = await stored_report(api.db, "corn", SUNJIAJI_MARKET, days_ago(0))
    assert stored["avg"] == 235 and stored["source"] == "市场信息员"


async def test_an_older_report_does_not_replace_the_latest_quote(api: Api) -> None:
    admin = await api.person(Role.TOWNSHIP_ADMIN, scope=SUNJIAJI)
    await report(api, [row(day=days_ago(0), avg="2.35")], admin)
    await report(api, [row(day=days_ago(3), avg="2.25")], admin)
    result = await api.gql(LATEST, {"c": [commodity_id("corn")]})
    assert result["data"]["latestPrices"]["edges"][0]["node"]["price"] == "2.35"


async def test_bad_rows_are_rejected_with_their_reason_and_good_rows_are_stored(
    api: Api,
) -> None:
    admin = await api.person(Role.TOWNSHIP_ADMIN, scope=SUNJIAJI)
    rows = [
        row(),  # good
        row("wheat", low="-1.00", avg="2.00", high="2.60"),
        row("rice", low="0", avg="2.00", high="2.60"),
        row("soybean", low="5.00", avg="4.50", high="4.00"),
        row("peanut", day=days_ago(-1)),
        row("no-such-thing"),
        row("tomato", unit="元/头"),
        row("millet", avg="6.123", low="6", high="7"),
        row("carrot", avg="3.00", low="2.00", high="2.50"),
    ]
    payload = await report(api, rows, admin)
    assert payload["storedCount"] == 1
    assert payload["rejectedCount"] == 8
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        ("rows.1.low", "INVALID_PRICE"),
        ("rows.2.low", "INVALID_PRICE"),
        ("rows.3.low", "INVALID_PRICE"),
        ("rows.4.date", "INVALID_DATE"),
        ("rows.5.commodityId", "UNKNOWN_COMMODITY"),
        ("rows.6.unit", "WRONG_UNIT"),
        ("rows.7.avg", "INVALID_PRICE"),
        ("rows.8.avg", "INVALID_PRICE"),
    ]
    assert payload["userErrors"][3]["message"] == "第 5 行：日期不能晚于今天"
    assert payload["userErrors"][5]["message"].endswith("价格单位应为 元/公斤，不是「元/头」")
    assert await report_count(api.db) == 1


async def test_prices_per_jin_are_stored_per_kilogram(api: Api) -> None:
    admin = await api.person(Role.TOWNSHIP_ADMIN, scope=SUNJIAJI)
    payload = await report(api, [row(low="1.10", avg="1.15", high="1.20", unit="元/斤")], admin)
    assert payload["storedCount"] == 1
    doc = await stored_report(api.db, "corn", SUNJIAJI_MARKET, days_ago(0))
    assert (doc["low"], doc["avg"], doc["high"], doc["unit"]) == (220, 230, 240, "元/公斤")


async def test_more_than_250_rows_are_refused_and_nothing_is_stored(api: Api) -> None:
    admin = await api.person(Role.TOWNSHIP_ADMIN, scope=SUNJIAJI)
    rows = [row(day=days_ago(n)) for n in range(251)]
    payload = await report(api, rows, admin)
    assert payload["userErrors"] == [
        {"field": "rows", "message": "一次最多上报 250 行", "code": "TOO_MANY_ROWS"}
    ]
    assert payload["storedCount"] == 0
    assert await report_count(api.db) == 0


async def test_the_same_row_twice_in_a_batch_is_a_duplicate(api: Api) -> None:
    admin = await api.person(Role.TOWNSHIP_ADMIN, scope=SUNJIAJI)
    payload = await report(api, [row(), row(avg="2.31")], admin)
    assert payload["storedCount"] == 1
    assert [e["code"] for e in payload["userErrors"]] == ["DUPLICATE_ROW"]


async def test_reporting_the_same_rows_again_changes_nothing(api: Api) -> None:
    admin = await api.person(Role.TOWNSHIP_ADMIN, scope=SUNJIAJI)
    rows = [row(day=days_ago(n)) for n in range(5)]
    first = await report(api, rows, admin)
    second = await report(api, rows, admin)
    assert (first["storedCount"], second["storedCount"], second["unchangedCount"]) == (5, 0, 5)
    assert await report_count(api.db) == 5


async def test_admin_cannot_report_prices_for_a_market_in_another_township(api: Api) -> None:
    admin = await api.person(Role.TOWNSHIP_ADMIN, scope=SUNJIAJI)
    result = await api.gql(REPORT, {"i": {"rows": [row(), row(market=LUOCHENG_MARKET)]}}, as_=admin)
    assert codes(result) == ["FORBIDDEN"]
    assert "寿光九巷蔬菜批发市场" in result["errors"][0]["message"]
    assert await report_count(api.db) == 0  # not even the row in scope


@pytest.mark.parametrize(
    ("role", "scope", "expected"),
    ONLY_ADMINS_OF_SUNJIAJI,
)
async def test_who_may_report_prices(api: Api, role, scope, expected) -> None:
    person = await api.person(role, scope=scope) if role else None
    result = await api.gql(REPORT, {"i": {"rows": [row()]}}, as_=person)
    if expected is None:
        assert result["data"]["reportPrices"]["storedCount"] == 1
    else:
        assert codes(result) == [expected]


async def test_platform_admin_reports_for_a_county_market(api: Api) -> None:
    admin = await api.person(Role.PLATFORM_ADMIN, scope="370783000000")
    assert (await report(api, [row(market=SHOUGUANG_MARKET)], admin))["storedCount"] == 1
    result = await api.gql(REPORT, {"i": {"rows": [row(market=QINGZHOU_MARKET)]}}, as_=admin)
    assert codes(result) == ["FORBIDDEN"]


async def test_latest_prices_of_a_county_leave_out_other_counties(api: Api) -> None:
    await write_history(api.db, "corn", SUNJIAJI_MARKET, [230])
    await write_history(api.db, "corn", QINGZHOU_MARKET, [240])
    await write_history(api.db, "wheat", SHOUGUANG_MARKET, [250])
    result = await api.gql(LATEST, {"r": region_id("370783000000")})
    quotes = [
        (e["node"]["commodity"]["name"], e["node"]["market"]["name"])
        for e in result["data"]["latestPrices"]["edges"]
    ]
    assert quotes == [("玉米", "寿光农产品物流园"), ("小麦", "寿光市农副产品综合批发市场")]


async def test_latest_prices_page_through_with_cursors(api: Api) -> None:
    for commodity in ("corn", "wheat", "rice"):
        await write_history(api.db, commodity, SUNJIAJI_MARKET, [230])
    query = """query($after: String) { latestPrices(first: 2, after: $after) {
      edges { node { commodity { name } } } pageInfo { hasNextPage endCursor } } }"""
    first = (await api.gql(query))["data"]["latestPrices"]
    rest = (await api.gql(query, {"after": first["pageInfo"]["endCursor"]}))["data"]
    assert first["pageInfo"]["hasNextPage"] is True
    names = [e["node"]["commodity"]["name"] for e in first["edges"]]
    names += [e["node"]["commodity"]["name"] for e in rest["latestPrices"]["edges"]]
    assert sorted(names) == ["小麦", "玉米", "稻谷"]
    assert rest["latestPrices"]["pageInfo"]["hasNextPage"] is False


async def test_price_history_gives_daily_points_range_and_seven_day_change(api: Api) -> None:
    # 10 days at one market: 200, 210, ... 290 fen; a week before the last (290) was 220.
    await write_history(api.db, "corn", SUNJIAJI_MARKET, [200 + 10 * i for i in range(10)])
    result = await api.gql(
        HISTORY, {"c": commodity_id("corn"), "m": market_id(SUNJIAJI_MARKET), "days": 5}
    )
    series = result["data"]["priceHistory"]
    assert [p["avg"] for p in series["points"]] == ["2.50", "2.60", "2.70", "2.80", "2.90"]
    assert series["points"][-1]["date"] == days_ago(0).isoformat()
    assert (series["low"], series["high"], series["average"]) == ("2.40", "3.00", "2.70")
    assert series["changePct7d"] == 31.8  # (290 - 220) / 220
    assert series["market"] == {"name": "寿光农产品物流园"} and series["unit"] == "元/公斤"


async def test_price_history_over_every_market_combines_low_mean_and_high(api: Api) -> None:
    await write_history(api.db, "corn", SUNJIAJI_MARKET, [200, 200])
    await write_history(api.db, "corn", SHOUGUANG_MARKET, [300, 220])
    series = (await api.gql(HISTORY, {"c": commodity_id("corn"), "days": 2}))["data"][
        "priceHistory"
    ]
    assert series["points"][1] == {
        "date": days_ago(0).isoformat(),
        "low": "1.90",
        "avg": "2.10",
        "high": "2.30",
    }
    assert series["market"] is None and series["changePct7d"] is None


async def test_price_history_refuses_more_than_a_year(api: Api) -> None:
    result = await api.gql(HISTORY, {"c": commodity_id("corn"), "days": 400})
    assert codes(result) == ["BAD_USER_INPUT"]


async def test_farmer_follows_commodities_and_sees_their_latest_price_and_trend(
    api: Api,
) -> None:
    await write_history(api.db, "corn", SUNJIAJI_MARKET, [200] * 3 + [220] * 5)
    await write_history(api.db, "corn", QINGZHOU_MARKET, [250] * 8)
    farmer = await api.person()  # lives in 孙家集街道, 寿光市
    followed = await api.gql(
        """mutation($i: FollowCommoditiesInput!) { followCommodities(input: $i) {
             user { followedCommodities { name } } userErrors { code } } }""",
        {"i": {"commodityIds": [commodity_id("corn"), commodity_id("apple")]}},
        as_=farmer,
    )
    assert followed["data"]["followCommodities"]["user"]["followedCommodities"] == [
        {"name": "玉米"},
        {"name": "苹果"},
    ]
    home = await api.gql(
        """{ me { followedCommodities { name latestPrice { price unit changePct7d
               market { name } } } } }""",
        as_=farmer,
    )
    corn, apple = home["data"]["me"]["followedCommodities"]
    # The market in the farmer's own county is preferred over a newer one elsewhere.
    assert corn["latestPrice"] == {
        "price": "2.20",
        "unit": "元/公斤",
        "changePct7d": 10.0,
        "market": {"name": "寿光农产品物流园"},
    }
    assert apple == {"name": "苹果", "latestPrice": None}


async def test_a_late_report_of_a_week_before_changes_the_seven_day_change(api: Api) -> None:
    admin = await api.person(Role.TOWNSHIP_ADMIN, scope=SUNJIAJI)
    await report(api, [row(day=days_ago(0), low="1.90", avg="2.00", high="2.10")], admin)
    query = """query($c: [ID!]) { latestPrices(commodityIds: $c) {
        edges { node { price changePct7d } } } }"""
    variables = {"c": [commodity_id("corn")]}
    before = await api.gql(query, variables)
    assert before["data"]["latestPrices"]["edges"][0]["node"]["changePct7d"] is None
    await report(api, [row(day=days_ago(7), low="1.50", avg="1.60", high="1.70")], admin)
    after = await api.gql(query, variables)
    assert after["data"]["latestPrices"]["edges"][0]["node"] == {
        "price": "2.00",
        "changePct7d": 25.0,
    }
    # A quote stored before the week-before price was kept with it is looked up instead.
    await api.db.price_latest.update_many({}, {"$unset": {"weekBeforeFen": ""}})
    older = await api.gql(query, variables)
    assert older["data"]["latestPrices"]["edges"][0]["node"]["changePct7d"] == 25.0


async def test_following_commodities_needs_a_sign_in(api: Api) -> None:
    result = await api.gql(
        """mutation($i: FollowCommoditiesInput!) { followCommodities(input: $i) {
             userErrors { code } } }""",
        {"i": {"commodityIds": [commodity_id("corn")]}},
    )
    assert codes(result) == ["UNAUTHENTICATED"]


async def test_commodities_and_markets_are_nodes(api: Api) -> None:
    result = await api.gql(
        """query($c: ID!, $m: ID!) { c: node(id: $c) { ... on Commodity { name unit } }
             m: node(id: $m) { ... on Market { name } } }""",
        {"c": commodity_id("piglet"), "m": market_id(QINGZHOU_MARKET)},
    )
    assert result["data"] == {
        "c": {"name": "仔猪", "unit": "元/头"},
        "m": {"name": "青州市农产品批发市场"},
    }


async def test_following_an_unknown_commodity_is_a_user_error(api: Api) -> None:
    farmer = await api.person()
    result = await api.gql(
        """mutation($i: FollowCommoditiesInput!) { followCommodities(input: $i) {
             userErrors { field code } } }""",
        {"i": {"commodityIds": [commodity_id("unicorn")]}},
        as_=farmer,
    )
    assert result["data"]["followCommodities"]["userErrors"] == [
        {"field": "commodityIds", "code": "UNKNOWN_COMMODITY"}
    ]


async def test_latest_prices_cost_the_same_commands_for_one_or_many_commodities(
    api: Api,
) -> None:
    commodities = ["corn", "wheat", "rice", "soybean", "peanut", "millet"]
    for commodity in commodities:
        await write_history(api.db, commodity, SUNJIAJI_MARKET, [200] * 8)
    tallies = []
    for chosen in (commodities, commodities[:1], commodities):
        with count_commands() as tally:
            result = await api.gql(LATEST, {"c": [commodity_id(c) for c in chosen]})
        assert len(result["data"]["latestPrices"]["edges"]) == len(chosen)
        tallies.append(tally.names)
    # the page, then commodities, markets and regions: one batch each (the week-before
    # price is kept with the quote); then the process keeps the last three
    assert tallies[0] == ["find"] * 4
    assert tallies[1] == tallies[2] == ["find"]


async def test_followed_commodities_on_the_home_screen_cost_constant_commands(api: Api) -> None:
    farmer = await api.person()
    query = "{ me { followedCommodities { name latestPrice { price changePct7d } } } }"
    tallies = []
    for count in (1, 6):
        keys = ["corn", "wheat", "rice", "soybean", "peanut", "millet"][:count]
        follow = """mutation($i: FollowCommoditiesInput!) { followCommodities(input: $i) {
            userErrors { code } } }"""
        variables = {"i": {"commodityIds": [commodity_id(key) for key in keys]}}
        await api.gql(follow, variables, as_=farmer)
        for key in keys:
            await write_history(api.db, key, SUNJIAJI_MARKET, [200] * 8)
        await api.gql(query, as_=farmer)  # the process keeps the farmer and the catalogue
        with count_commands() as tally:
            result = await api.gql(query, as_=farmer)
        assert len(result["data"]["me"]["followedCommodities"]) == count
        tallies.append(tally.names)
    assert tallies[0] == tallies[1] == ["find", "find"]  # the session, the latest prices


async def test_price_history_costs_the_same_commands_for_a_week_or_half_a_year(
    api: Api,
) -> None:
    await write_history(api.db, "corn", SUNJIAJI_MARKET, [200 + i for i in range(180)])
    tallies = []
    for days in (180, 7, 180):
        with count_commands() as tally:
            result = await api.gql(
                HISTORY, {"c": commodity_id("corn"), "m": market_id(SUNJIAJI_MARKET), "days": days}
            )
        assert len(result["data"]["priceHistory"]["points"]) == days
        tallies.append(tally.names)
    assert tallies[0] == ["find"] * 3  # commodity, market, the series
    assert tallies[1] == tallies[2] == ["find"]  # the process keeps commodity and market


def _served_by_index(collection: str, equality: list[str], ordered: str) -> bool:
    """An index whose keys start with the equality fields, then the sort or range field."""
    wanted = [*equality, ordered]
    return any(
        [key for key, _ in index.keys[: len(wanted)]] == wanted for index in INDEXES[collection]
    )


def test_price_queries_are_backed_by_declared_indexes() -> None:
    # priceHistory at one market, over every market; latestPrices by commodity, by region
    assert _served_by_index("prices", ["commodityId", "marketId"], "month")
    assert _served_by_index("prices", ["commodityId"], "month")
    assert _served_by_index("price_latest", ["commodityId"], "_id")
    assert _served_by_index("price_latest", ["path"], "_id")
