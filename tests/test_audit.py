"""The audit log: every admin action and every refusal of one (who, what, region, when,
outcome), read by the admins of that region and those above it."""

from datetime import timedelta
from typing import Any

import pytest
from bson import ObjectId

from sannong.auth import Role
from sannong.clock import now
from sannong.db.client import count_commands
from sannong.seed.regions import village_code
from tests.factories import LUOCHENG, PROVINCE, SUNJIAJI, Api, Person, gid, region_id
from tests.market import HIDE, RESTORE, create_listing
from tests.notices import AUDIT, REPLY, admin, publish, submit
from tests.prices_helpers import LUOCHENG_MARKET, SUNJIAJI_MARKET, row

GRANT = """mutation($i: GrantRoleInput!) { grantRole(input: $i) { userErrors { code } } }"""
REPORT = """mutation($i: ReportPricesInput!) { reportPrices(input: $i) {
    storedCount userErrors { code } } }"""
ALERT = """mutation($i: CreateAlertInput!) { createAlert(input: $i) {
    alert { id } userErrors { code } } }"""


async def log(api: Api, as_: Person, **filter: Any) -> list[dict[str, Any]]:
    result = await api.gql(AUDIT, {"f": filter or None, "n": 100}, as_=as_)
    assert "errors" not in result, result
    return [edge["node"] for edge in result["data"]["auditLog"]["edges"]]


def brief(entries: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(e["action"], e["outcome"]) for e in entries]


@pytest.mark.usefixtures("catalog")
async def test_the_older_admin_actions_are_logged_done_and_refused(api: Api) -> None:
    township = await admin(api)
    platform = await api.person(Role.PLATFORM_ADMIN, scope=PROVINCE)
    seller = await api.person(village="孙家集村")
    listing = await create_listing(api, seller)
    await api.gql(HIDE, {"i": {"listingId": listing["id"], "reason": "虚假信息"}}, as_=township)
    await api.gql(RESTORE, {"i": {"listingId": listing["id"]}}, as_=township)
    await api.gql(REPORT, {"i": {"rows": [row(market=SUNJIAJI_MARKET)]}}, as_=township)
    await api.gql(REPORT, {"i": {"rows": [row(market=LUOCHENG_MARKET)]}}, as_=township)
    await api.gql(GRANT, {"i": {"userId": seller.id, "role": "EXPERT"}}, as_=platform)
    await api.gql(GRANT, {"i": {"userId": seller.id, "role": "EXPERT"}}, as_=township)
    await api.gql(
        ALERT,
        {
            "i": {
                "kind": "PEST",
                "severity": "BLUE",
                "title": "蚜虫提示",
                "body": "近期蚜虫偏多",
                "regionIds": [region_id(SUNJIAJI)],
                "validUntil": (now() + timedelta(days=2)).isoformat(),
            }
        },
        as_=township,
    )
    entries = await log(api, township)
    assert brief(entries) == [
        ("CREATE_ALERT", "DONE"),
        ("GRANT_ROLE", "REFUSED"),  # a township admin grants no roles
        ("GRANT_ROLE", "DONE"),
        ("REPORT_PRICES", "DONE"),
        ("RESTORE_LISTING", "DONE"),
        ("HIDE_LISTING", "DONE"),
    ]
    hide = entries[-1]
    assert hide["targetId"] == listing["id"] and hide["region"]["code"] == village_code("孙家集村")
    assert entries[2]["targetId"] == seller.id and entries[2]["actor"]["id"] == platform.id
    assert entries[3]["detail"] == "1 行有效，0 行有误"
    # the batch for 洛城街道's market was refused: it is in 洛城街道's log
    elsewhere = await log(api, platform, regionId=region_id(LUOCHENG))
    assert brief(elsewhere) == [("REPORT_PRICES", "REFUSED")]
    assert elsewhere[0]["code"] == "FORBIDDEN" and elsewhere[0]["actor"]["id"] == township.id


async def test_replies_are_logged_and_replying_to_another_townships_ticket_refused(
    api: Api,
) -> None:
    township = await admin(api)
    other = await admin(api, scope=LUOCHENG, village="东斟灌村")
    farmer = await api.person(village="孙家集村")
    ticket = await submit(api, farmer)
    refused = await api.gql(
        REPLY, {"i": {"feedbackId": ticket["id"], "status": "IN_PROGRESS", "text": "收到"}}, other
    )
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    done = await api.gql(
        REPLY,
        {"i": {"feedbackId": ticket["id"], "status": "IN_PROGRESS", "text": "收到"}},
        township,
    )
    assert done["data"]["replyToFeedback"]["userErrors"] == []
    entries = await log(api, township, action="REPLY_FEEDBACK")
    assert [(e["outcome"], e["actor"]["id"], e["detail"]) for e in entries] == [
        ("DONE", township.id, ticket["number"]),
        ("REFUSED", other.id, "该地区不在您的管理范围内"),
    ]
    assert entries[0]["targetId"] == ticket["id"]
    assert [e["outcome"] for e in await log(api, township, outcome="REFUSED")] == ["REFUSED"]


async def test_the_log_is_for_the_admins_of_the_region_and_above(api: Api) -> None:
    township = await admin(api)
    other = await admin(api, scope=LUOCHENG, village="东斟灌村")
    platform = await api.person(Role.PLATFORM_ADMIN, scope=PROVINCE)
    farmer = await api.person(village="孙家集村")
    await publish(api, township, title="一条通知")
    assert brief(await log(api, township)) == [("PUBLISH_NOTICE", "DONE")]
    assert brief(await log(api, platform)) == [("PUBLISH_NOTICE", "DONE")]
    assert await log(api, other) == []
    foreign = await api.gql(AUDIT, {"f": {"regionId": region_id(SUNJIAJI)}}, as_=other)
    assert foreign["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    denied = await api.gql(AUDIT, {}, as_=farmer)
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    nobody = await api.gql(AUDIT, {})
    assert nobody["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert gid("Region", SUNJIAJI) == region_id(SUNJIAJI)


async def test_a_log_page_costs_the_same_commands_whatever_its_size(api: Api) -> None:
    township = await admin(api)
    colleague = await admin(api)
    await publish(api, colleague, title="一条通知")
    entry = await api.db.audit_log.find_one({})
    copies = [{**entry, "_id": ObjectId()} for _ in range(110)]
    for start in range(0, len(copies), 50):
        await api.db.audit_log.insert_many(copies[start : start + 50])
    await api.gql(AUDIT, {"n": 10}, as_=township)  # the process keeps people and regions
    tallies = []
    for size in (10, 100, 10):
        with count_commands() as tally:
            entries = (await api.gql(AUDIT, {"n": size}, as_=township))["data"]["auditLog"]
        assert len(entries["edges"]) == size
        tallies.append(tally.names)
    # the session and the page; the viewer, the actors and the regions are the process's
    assert tallies[0] == tallies[1] == tallies[2] == ["find", "find"]
