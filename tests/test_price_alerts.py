import asyncio

import pytest

from sannong.auth import Role
from sannong.integrations.sms import OutboxSms
from sannong.rules.prices import Catalog, PriceRow, check_rows, store_reports
from tests.factories import SUNJIAJI, Api, codes
from tests.prices_helpers import (
    SUNJIAJI_MARKET,
    commodity_id,
    days_ago,
    market_id,
    row,
    write_history,
)

pytestmark = pytest.mark.usefixtures("catalog")

SET_ALERT = """mutation($i: SetPriceAlertInput!) { setPriceAlert(input: $i) {
  priceAlert { id direction threshold conditionMet triggerCount commodity { name } market { name } }
  userErrors { field code } } }"""
REPORT = """mutation($i: ReportPricesInput!) { reportPrices(input: $i) {
  storedCount userErrors { field code } } }"""


def alert_input(direction: str = "ABOVE", threshold: str = "2.50") -> dict:
    return {
        "i": {
            "commodityId": commodity_id("corn"),
            "marketId": market_id(SUNJIAJI_MARKET),
            "direction": direction,
            "threshold": threshold,
        }
    }


async def messages(api: Api) -> list[dict]:
    return await api.db.sms_outbox.find({"purpose": "price_alert"}, sort=[("_id", 1)]).to_list()


async def test_a_crossing_sends_one_sms_and_one_notification_and_never_twice(api: Api) -> None:
    await write_history(api.db, "corn", SUNJIAJI_MARKET, [230])
    farmer = await api.person()
    admin = await api.person(Role.TOWNSHIP_ADMIN, scope=SUNJIAJI)
    created = await api.gql(SET_ALERT, alert_input("ABOVE", "2.50"), as_=farmer)
    assert created["data"]["setPriceAlert"]["priceAlert"] == {
        "id": created["data"]["setPriceAlert"]["priceAlert"]["id"],
        "direction": "ABOVE",
        "threshold": "2.50",
        "conditionMet": False,
        "triggerCount": 0,
        "commodity": {"name": "玉米"},
        "market": {"name": "寿光农产品物流园"},
    }

    await api.gql(REPORT, {"i": {"rows": [row(avg="2.40", high="2.60")]}}, as_=admin)
    assert await messages(api) == []  # below the threshold: nothing

    await api.gql(REPORT, {"i": {"rows": [row(avg="2.55", high="2.60")]}}, as_=admin)
    [sms] = await messages(api)
    assert sms["phone"] == farmer.phone
    assert sms["text"] == (
        f"【三农】玉米在寿光农产品物流园{days_ago(0)}的均价涨到 2.55元/公斤，"
        "已高于您设置的 2.50元/公斤。"
    )
    inbox = await api.gql(
        "{ myNotifications { edges { node { kind title body read } } } }", as_=farmer
    )
    assert [e["node"] for e in inbox["data"]["myNotifications"]["edges"]] == [
        {"kind": "PRICE_ALERT", "title": "玉米价格提醒", "body": sms["text"], "read": False}
    ]

    # Still above (a correction, a re-import, a new day): the same crossing, no second message.
    await api.gql(REPORT, {"i": {"rows": [row(avg="2.58", high="2.60")]}}, as_=admin)
    assert len(await messages(api)) == 1
    assert await api.db.notifications.count_documents({}) == 1


async def test_falling_back_and_crossing_again_is_a_new_crossing(api: Api) -> None:
    farmer = await api.person()
    await api.gql(SET_ALERT, alert_input("BELOW", "2.00"), as_=farmer)
    catalog = await Catalog.load(api.db)
    sms = OutboxSms(api.db)
    # Corrections of today's price: below, back above, below again.
    for day, avg in enumerate(["2.10", "1.90", "2.10", "1.95"], start=1):
        reports, _ = check_rows(
            [PriceRow(days_ago(0), SUNJIAJI_MARKET, "corn", "元/公斤", "1.80", avg, "2.20")],
            catalog,
        )
        await store_reports(api.db, reports, source=f"day {day}", sms=sms)
    texts = [m["text"] for m in await messages(api)]
    assert len(texts) == 2
    assert "跌到 1.90" in texts[0] and "跌到 1.95" in texts[1]
    mine = await api.gql("{ myPriceAlerts { triggerCount conditionMet } }", as_=farmer)
    assert mine["data"]["myPriceAlerts"] == [{"triggerCount": 2, "conditionMet": True}]


async def test_concurrent_reports_of_one_crossing_notify_once(api: Api) -> None:
    farmer = await api.person()
    await api.gql(SET_ALERT, alert_input("ABOVE", "2.50"), as_=farmer)
    catalog = await Catalog.load(api.db)
    sms = OutboxSms(api.db)
    batches = [
        check_rows(
            [PriceRow(days_ago(0), SUNJIAJI_MARKET, "corn", "元/公斤", "2.50", avg, "2.90")],
            catalog,
        )[0]
        for avg in ("2.60", "2.70", "2.80", "2.65", "2.75")
    ]
    await asyncio.gather(*(store_reports(api.db, b, source="x", sms=sms) for b in batches))
    assert len(await messages(api)) == 1
    assert await api.db.notifications.count_documents({}) == 1


async def test_an_alert_already_met_when_set_waits_for_the_next_crossing(api: Api) -> None:
    await write_history(api.db, "corn", SUNJIAJI_MARKET, [260])
    farmer = await api.person()
    admin = await api.person(Role.TOWNSHIP_ADMIN, scope=SUNJIAJI)
    created = await api.gql(SET_ALERT, alert_input("ABOVE", "2.50"), as_=farmer)
    assert created["data"]["setPriceAlert"]["priceAlert"]["conditionMet"] is True
    await api.gql(REPORT, {"i": {"rows": [row(avg="2.70", high="2.80")]}}, as_=admin)
    assert await messages(api) == []


async def test_setting_an_alert_again_changes_its_threshold(api: Api) -> None:
    farmer = await api.person()
    await api.gql(SET_ALERT, alert_input("ABOVE", "2.50"), as_=farmer)
    await api.gql(SET_ALERT, alert_input("ABOVE", "2.80"), as_=farmer)
    mine = await api.gql("{ myPriceAlerts { threshold } }", as_=farmer)
    assert mine["data"]["myPriceAlerts"] == [{"threshold": "2.80"}]


async def test_bad_alert_input_is_a_user_error_and_anonymous_is_refused(api: Api) -> None:
    farmer = await api.person()
    bad = await api.gql(SET_ALERT, alert_input("ABOVE", "-1"), as_=farmer)
    assert bad["data"]["setPriceAlert"]["userErrors"] == [
        {"field": "threshold", "code": "INVALID_PRICE"}
    ]
    anonymous = await api.gql(SET_ALERT, alert_input())
    assert codes(anonymous) == ["UNAUTHENTICATED"]


async def test_only_the_owner_removes_an_alert(api: Api) -> None:
    farmer, neighbour = await api.person(), await api.person()
    created = await api.gql(SET_ALERT, alert_input(), as_=farmer)
    alert_id = created["data"]["setPriceAlert"]["priceAlert"]["id"]
    remove = """mutation($i: RemovePriceAlertInput!) { removePriceAlert(input: $i) {
      removedId userErrors { code } } }"""
    refused = await api.gql(remove, {"i": {"id": alert_id}}, as_=neighbour)
    assert refused["data"]["removePriceAlert"]["userErrors"] == [{"code": "NOT_FOUND"}]
    removed = await api.gql(remove, {"i": {"id": alert_id}}, as_=farmer)
    assert removed["data"]["removePriceAlert"]["removedId"] == alert_id
    assert (await api.gql("{ myPriceAlerts { id } }", as_=farmer))["data"]["myPriceAlerts"] == []


async def test_an_alert_is_a_node_for_its_owner_only(api: Api) -> None:
    farmer, neighbour = await api.person(), await api.person()
    created = await api.gql(SET_ALERT, alert_input(), as_=farmer)
    alert_id = created["data"]["setPriceAlert"]["priceAlert"]["id"]
    query = """query($id: ID!) { node(id: $id) { id ... on PriceAlert { threshold } } }"""
    mine = await api.gql(query, {"id": alert_id}, as_=farmer)
    assert mine["data"]["node"] == {"id": alert_id, "threshold": "2.50"}
    theirs = await api.gql(query, {"id": alert_id}, as_=neighbour)
    assert theirs["data"]["node"] is None
    assert codes(theirs) == ["NOT_FOUND"]
