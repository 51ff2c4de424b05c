from datetime import date, timedelta

from sannong.db import Database
from sannong.rules.prices import WEEK_BEFORE, Catalog, PriceRow, check_rows
from sannong.seed.alerts import seed_alerts
from sannong.seed.articles import ARTICLES, seed_articles
from sannong.seed.catalog import COMMODITIES, MARKETS, market_documents, seed_catalog
from sannong.seed.prices import (
    SHOWN_DAYS,
    daily_price_fen,
    month_documents,
    price_documents,
    seed_prices,
)
from tests.factories import Api, region_id, village_id
from tests.prices_helpers import report_count

COMMODITY = {c.key: c for c in COMMODITIES}


def test_the_demo_catalog_is_big_enough_and_articles_name_real_crops() -> None:
    assert len(COMMODITIES) >= 40 and len(MARKETS) >= 10 and len(ARTICLES) >= 30
    assert {c.category for c in COMMODITIES} == {
        "GRAIN",
        "VEGETABLE",
        "FRUIT",
        "LIVESTOCK",
        "AQUATIC",
        "TEA",
    }
    assert {crop for a in ARTICLES for crop in a.crops} <= set(COMMODITY)
    # every commodity is quoted somewhere, most in several markets
    for commodity in COMMODITIES:
        assert sum(commodity.category in m.categories for m in MARKETS) >= 5


def test_demo_prices_follow_the_seasons() -> None:
    napa, tea = COMMODITY["napa"], COMMODITY["green-tea"]
    winter, summer = date(2026, 2, 15), date(2026, 8, 15)
    # cabbage is dear in late winter and cheap in summer; daily wobble is ±3 %
    assert (
        daily_price_fen(napa, "sg-county", winter)[1]
        > daily_price_fen(napa, "sg-county", summer)[1] * 1.5
    )
    low, avg, high = daily_price_fen(tea, "qz-county", summer)
    assert 20_000 < low < avg < high < 40_000


async def test_demo_prices_are_deterministic_and_pass_the_report_checks(
    db: Database, catalog: None
) -> None:
    market = next(m for m in await market_documents(db) if m["_id"] == "sg-county")
    end = date(2026, 6, 30)
    first = list(price_documents([market], end=end))
    assert first == list(price_documents([market], end=end))
    assert len(first) == len(COMMODITIES) * 39
    assert first[0]["date"] == "2026-05-23" and first[38]["date"] == "2026-06-30"
    assert len(month_documents(first)) == len(COMMODITIES) * 2  # May and June
    rows = [
        PriceRow(
            date=d["date"],
            market=d["marketId"],
            commodity=d["commodityId"],
            unit=d["unit"],
            low=str(d["lowFen"] / 100),
            avg=str(d["avgFen"] / 100),
            high=str(d["highFen"] / 100),
        )
        for d in first
    ]
    reports, problems = check_rows(rows, await Catalog.load(db), today=end)
    assert problems == [] and len(reports) == len(first)


def test_the_demo_history_is_what_the_commodity_screen_shows_and_no_more() -> None:
    """The chart's 30 days, each with a quote a week before it for the week's change: a
    longer history only costs the first run time (every document written costs it)."""
    end = date(2026, 12, 7)
    market = {"_id": "sg-county", "regionId": "r", "path": ["r"], "categories": ["VEGETABLE"]}
    days = {d["date"] for d in price_documents([market], end=end) if d["commodityId"] == "napa"}
    charted = [end - timedelta(days=age) for age in range(SHOWN_DAYS)]
    assert all(day.isoformat() in days for day in charted)
    for day in charted:
        assert any((day - timedelta(days=n)).isoformat() in days for n in WEEK_BEFORE)
    first_chart_day = charted[-1]
    assert min(days) == (first_chart_day - timedelta(days=max(WEEK_BEFORE))).isoformat()


async def test_a_day_of_demo_data_serves_the_home_screen(api: Api) -> None:
    db = api.db
    await seed_catalog(db)
    await seed_articles(db, "13800000002")
    await seed_alerts(db)
    stored = await seed_prices(db, days=2)
    assert stored == 2 * sum(c.category in m.categories for m in MARKETS for c in COMMODITIES)
    assert await seed_prices(db, days=2) == stored  # idempotent
    assert await report_count(db) == stored
    assert await db.prices.count_documents({}) <= stored
    result = await api.gql(
        """query($v: ID!, $county: ID!) {
             alerts(regionId: $v) { title severity }
             latestPrices(regionId: $county, first: 5) { edges { node { price } } }
             search(text: "稻瘟病 防治", first: 1) { title } }""",
        {"v": village_id("三元朱村"), "county": region_id("370783000000")},
    )
    data = result["data"]
    assert [a["title"] for a in data["alerts"]] == ["设施番茄烟粉虱虫情预警", "寿光市寒潮蓝色预警"]
    assert data["search"] == [{"title": "水稻稻瘟病的识别与综合防治"}]
    assert len(data["latestPrices"]["edges"]) == 5
