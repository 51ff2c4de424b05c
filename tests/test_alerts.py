from datetime import UTC, datetime, timedelta

import pytest

from sannong.auth import Role
from tests.factories import (
    LUOCHENG,
    ONLY_ADMINS_OF_SUNJIAJI,
    SUNJIAJI,
    Api,
    codes,
    region_id,
    village_id,
)

CREATE = """mutation($i: CreateAlertInput!) { createAlert(input: $i) {
  alert { id kind severity title active regions { name } } userErrors { field code } } }"""
ALERTS = """query($r: ID, $active: Boolean) { alerts(regionId: $r, activeOnly: $active) {
  title severity active } }"""
SHOUGUANG = "370783000000"


def iso(hours: float) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


def alert(region: str, title: str = "寒潮蓝色预警", **changes: object) -> dict:
    return {
        "i": {
            "kind": "WEATHER",
            "severity": "BLUE",
            "title": title,
            "body": "受强冷空气影响，未来 48 小时气温将下降 8℃ 以上。",
            "advice": "加固大棚，覆盖保温被。",
            "regionIds": [region_id(region)],
            "validUntil": iso(48),
        }
        | changes
    }


@pytest.mark.parametrize(
    ("role", "scope", "expected"),
    ONLY_ADMINS_OF_SUNJIAJI,
)
async def test_who_may_alert_a_township(api: Api, role, scope, expected) -> None:
    person = await api.person(role, scope=scope) if role else None
    result = await api.gql(CREATE, alert(SUNJIAJI), as_=person)
    if expected is None:
        created = result["data"]["createAlert"]["alert"]
        assert created["regions"] == [{"name": "孙家集街道"}] and created["active"] is True
    else:
        assert codes(result) == [expected]
        assert await api.db.alerts.count_documents({}) == 0


async def test_township_admin_cannot_alert_the_county_above(api: Api) -> None:
    admin = await api.person(Role.TOWNSHIP_ADMIN, scope=SUNJIAJI)
    assert codes(await api.gql(CREATE, alert(SHOUGUANG), as_=admin)) == ["FORBIDDEN"]


async def test_a_village_sees_alerts_of_itself_and_every_region_above_most_severe_first(
    api: Api,
) -> None:
    county_admin = await api.person(Role.PLATFORM_ADMIN, scope=SHOUGUANG)
    await api.gql(CREATE, alert(SHOUGUANG, "寒潮蓝色预警"), as_=county_admin)
    await api.gql(
        CREATE,
        alert(SUNJIAJI, "灰飞虱虫情橙色预警", kind="PEST", severity="ORANGE"),
        as_=county_admin,
    )
    await api.gql(CREATE, alert(LUOCHENG, "洛城大风黄色预警", severity="YELLOW"), as_=county_admin)
    mine = await api.gql(ALERTS, {"r": village_id("三元朱村")})
    assert [a["title"] for a in mine["data"]["alerts"]] == ["灰飞虱虫情橙色预警", "寒潮蓝色预警"]
    # signed in without a region: the viewer's own village
    farmer = await api.person(village="三元朱村")
    own = await api.gql("{ alerts { title } }", as_=farmer)
    assert [a["title"] for a in own["data"]["alerts"]] == ["灰飞虱虫情橙色预警", "寒潮蓝色预警"]


async def test_alerts_out_of_their_window_are_not_active(api: Api) -> None:
    admin = await api.person(Role.TOWNSHIP_ADMIN, scope=SUNJIAJI)
    await api.gql(CREATE, alert(SUNJIAJI, "明天的预警", validFrom=iso(20)), as_=admin)
    await api.db.alerts.insert_one(
        {
            "kind": "WEATHER",
            "severity": "RED",
            "severityRank": 3,
            "title": "已过期的预警",
            "body": "…",
            "regionIds": [SUNJIAJI],
            "validFrom": datetime.now(UTC) - timedelta(days=3),
            "validUntil": datetime.now(UTC) - timedelta(days=1),
            "createdAt": datetime.now(UTC) - timedelta(days=3),
        }
    )
    active = await api.gql(ALERTS, {"r": region_id(SUNJIAJI)})
    assert active["data"]["alerts"] == []
    every = await api.gql(ALERTS, {"r": region_id(SUNJIAJI), "active": False})
    assert [(a["title"], a["active"]) for a in every["data"]["alerts"]] == [
        ("已过期的预警", False),
        ("明天的预警", False),
    ]


async def test_bad_alert_windows_and_regions_are_user_errors(api: Api) -> None:
    admin = await api.person(Role.TOWNSHIP_ADMIN, scope=SUNJIAJI)
    ended = await api.gql(CREATE, alert(SUNJIAJI, validUntil=iso(-1)), as_=admin)
    too_long = await api.gql(CREATE, alert(SUNJIAJI, validUntil=iso(24 * 40)), as_=admin)
    nowhere = await api.gql(CREATE, alert(SUNJIAJI, regionIds=[]), as_=admin)
    unknown = await api.gql(CREATE, alert(SUNJIAJI, regionIds=[region_id("999")]), as_=admin)
    assert [
        r["data"]["createAlert"]["userErrors"] for r in (ended, too_long, nowhere, unknown)
    ] == [
        [{"field": "validUntil", "code": "INVALID"}],
        [{"field": "validUntil", "code": "INVALID"}],
        [{"field": "regionIds", "code": "INVALID"}],
        [{"field": "regionIds", "code": "UNKNOWN_REGION"}],
    ]
