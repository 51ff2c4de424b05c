"""What a process keeps (people, experts, a village's notices in force and warnings) is
dropped by the write that changes it: the next request sees the change, on the writing
process at once and on another process as soon as its event feed hands the change over."""

import asyncio
from pathlib import Path

import httpx
import pytest

from sannong.db import Database
from tests.experts import PROFILE, SCHEDULE, expert
from tests.experts import lecture as lecture_input
from tests.factories import Api, Person, village_id
from tests.market import create_listing
from tests.notices import WITHDRAW, admin, publish
from tests.prices_helpers import commodity_id
from tests.servers import serving
from tests.test_alerts import CREATE, alert, iso

pytestmark = pytest.mark.usefixtures("catalog")

HOME = """query($v: ID!) {
  me { name unreadNoticeCount followedCommodities { name } }
  alerts(regionId: $v) { title }
  videoSessions(first: 3) { edges { node { expert { name specialties } } } }
  listings(filter: { regionId: $v }, first: 10) { edges { node { seller { name } } } }
}"""
FOLLOW = """mutation($i: FollowCommoditiesInput!) { followCommodities(input: $i) {
  userErrors { code } } }"""
RENAME = """mutation($i: UpdateProfileInput!) { updateProfile(input: $i) {
  userErrors { code } } }"""
VILLAGE = village_id("孙家集村")


async def home(api: Api, person: Person) -> dict:
    result = await api.gql(HOME, {"v": VILLAGE}, as_=person)
    assert "errors" not in result, result
    return result["data"]


async def follow(api: Api, person: Person, *crops: str) -> None:
    variables = {"i": {"commodityIds": [commodity_id(crop) for crop in crops]}}
    result = await api.gql(FOLLOW, variables, as_=person)
    assert result["data"]["followCommodities"]["userErrors"] == []


async def test_followed_crops_show_on_the_next_request(api: Api) -> None:
    farmer = await api.person()
    await follow(api, farmer, "corn")
    assert (await home(api, farmer))["me"]["followedCommodities"] == [{"name": "玉米"}]
    await follow(api, farmer, "corn", "wheat")
    names = [c["name"] for c in (await home(api, farmer))["me"]["followedCommodities"]]
    assert names == ["玉米", "小麦"]


async def test_a_new_name_shows_on_the_sellers_listings_at_once(api: Api) -> None:
    seller, farmer = await api.person(), await api.person()
    await create_listing(api, seller)
    sellers = {e["node"]["seller"]["name"] for e in (await home(api, farmer))["listings"]["edges"]}
    assert sellers == {"测试用户"}
    result = await api.gql(RENAME, {"i": {"name": "王大海"}}, as_=seller)
    assert result["data"]["updateProfile"]["userErrors"] == []
    sellers = {e["node"]["seller"]["name"] for e in (await home(api, farmer))["listings"]["edges"]}
    assert sellers == {"王大海"}


async def test_notices_published_and_withdrawn_count_on_the_next_request(api: Api) -> None:
    township, farmer = await admin(api), await api.person()
    assert (await home(api, farmer))["me"]["unreadNoticeCount"] == 0
    notice = await publish(api, township)
    assert (await home(api, farmer))["me"]["unreadNoticeCount"] == 1
    result = await api.gql(
        WITHDRAW, {"i": {"noticeId": notice["id"], "reason": "重复发布"}}, as_=township
    )
    assert result["data"]["withdrawNotice"]["userErrors"] == []
    assert (await home(api, farmer))["me"]["unreadNoticeCount"] == 0


async def test_a_new_warning_shows_on_the_next_request(api: Api) -> None:
    township, farmer = await admin(api), await api.person()
    assert (await home(api, farmer))["alerts"] == []
    result = await api.gql(CREATE, alert("370783003000", "暴雨黄色预警"), as_=township)
    assert result["data"]["createAlert"]["userErrors"] == []
    assert (await home(api, farmer))["alerts"] == [{"title": "暴雨黄色预警"}]


async def test_a_warning_that_starts_later_shows_only_from_its_start(api: Api) -> None:
    township, farmer = await admin(api), await api.person()
    soon = alert("370783003000", "霜冻蓝色预警", validFrom=iso(1.5 / 3600), validUntil=iso(5))
    result = await api.gql(CREATE, soon, as_=township)
    assert result["data"]["createAlert"]["userErrors"] == []
    assert (await home(api, farmer))["alerts"] == []  # kept by the process, not yet in force
    await asyncio.sleep(1.6)
    assert (await home(api, farmer))["alerts"] == [{"title": "霜冻蓝色预警"}]


async def test_an_experts_new_specialties_show_on_the_lectures_at_once(api: Api) -> None:
    teacher, farmer = await expert(api), await api.person()
    lecture = lecture_input(topic="返青期肥水管理", durationMinutes=60, capacity=50)
    assert (await api.gql(SCHEDULE, {"i": lecture}, as_=teacher))["data"]["scheduleVideoSession"][
        "userErrors"
    ] == []
    (edge,) = (await home(api, farmer))["videoSessions"]["edges"]
    assert edge["node"]["expert"]["specialties"] == ["PLANT_PROTECTION"]
    result = await api.gql(PROFILE, {"i": {"specialties": ["SOIL_FERTILIZER"]}}, as_=teacher)
    assert result["data"]["updateExpertProfile"]["userErrors"] == []
    (edge,) = (await home(api, farmer))["videoSessions"]["edges"]
    assert edge["node"]["expert"]["specialties"] == ["SOIL_FERTILIZER"]


@pytest.mark.slow
async def test_a_change_made_through_one_process_reaches_another(
    mongodb_uri: str, db_name: str, db: Database, tmp_path: Path
) -> None:
    async with (
        serving(mongodb_uri, db_name, tmp_path / "a") as reader,
        serving(mongodb_uri, db_name, tmp_path / "b") as writer,
    ):
        on_reader = Api(httpx.AsyncClient(base_url=reader.url), db)
        on_writer = Api(httpx.AsyncClient(base_url=writer.url), db)
        farmer = await on_writer.person()
        township = await admin(on_writer)
        await follow(on_writer, farmer, "corn")
        before = await home(on_reader, farmer)  # the reader keeps the farmer and the lists
        assert before["me"]["followedCommodities"] == [{"name": "玉米"}]
        assert before["me"]["unreadNoticeCount"] == 0 and before["alerts"] == []
        await follow(on_writer, farmer, "wheat")
        await publish(on_writer, township)
        await on_writer.gql(CREATE, alert("370783003000", "暴雨黄色预警"), as_=township)
        expected = {"followedCommodities": [{"name": "小麦"}], "unread": 1, "alerts": 1}
        seen = None
        for _ in range(40):  # the feed is polled: a change arrives within a few ticks
            now = await home(on_reader, farmer)
            seen = {
                "followedCommodities": now["me"]["followedCommodities"],
                "unread": now["me"]["unreadNoticeCount"],
                "alerts": len(now["alerts"]),
            }
            if seen == expected:
                break
            await asyncio.sleep(0.1)
        assert seen == expected
        await on_reader.http.aclose()
        await on_writer.http.aclose()
