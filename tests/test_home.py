"""The farmer's home screen, one request (the design's Home query): its database commands
are counted exactly and do not grow with the page sizes."""

import asyncio

import pytest
from starlette.applications import Starlette

from sannong.db.client import count_commands
from tests.experts import SCHEDULE, expert, later
from tests.experts import lecture as lecture_input
from tests.factories import Api, village_id
from tests.market import create_listing
from tests.notices import admin, publish
from tests.prices_helpers import SUNJIAJI_MARKET, commodity_id, write_history

HOME = """query($village: ID!, $n: Int) {
  me { name unreadNoticeCount
       followedCommodities { name latestPrice { price unit changePct7d } } }
  notices(regionId: $village, first: $n) {
    edges { node { id title category publishedAt pinned read } } }
  alerts(regionId: $village) { id kind severity title validUntil }
  videoSessions(first: 3) { edges { node { title startsAt expert { name specialties } } } }
  listings(filter: { regionId: $village }, first: $n) {
    edges { node { id title price unit seller { name } } } }
}"""
FOLLOW = """mutation($i: FollowCommoditiesInput!) { followCommodities(input: $i) {
  userErrors { code } } }"""

pytestmark = pytest.mark.usefixtures("catalog")


async def test_home_costs_the_same_commands_for_5_or_50_items(api: Api, app: Starlette) -> None:
    township = await admin(api)
    for n in range(8):
        await publish(api, township, title=f"第{n}号通知")
    teacher = await expert(api)
    for hours in (30, 40, 50):
        lecture = lecture_input(
            topic="返青期肥水管理", durationMinutes=60, capacity=50, startsAt=later(hours=hours)
        )
        result = await api.gql(SCHEDULE, {"i": lecture}, as_=teacher)
        assert result["data"]["scheduleVideoSession"]["userErrors"] == []
    for n in range(3):
        await create_listing(api, await api.person(), title=f"大白菜{n}")
    for crop in ("corn", "wheat"):
        await write_history(api.db, crop, SUNJIAJI_MARKET, [200] * 8)
    farmer = await api.person()
    follow = {"i": {"commodityIds": [commodity_id("corn"), commodity_id("wheat")]}}
    assert (await api.gql(FOLLOW, follow, as_=farmer))["data"]["followCommodities"] == {
        "userErrors": []
    }

    # The writes above announced their changes on the event feed; once this process has
    # heard them all (its copies dropped), the first request fills the copies (people,
    # experts, the village's notices in force and warnings, the catalogue) for good, and
    # the counts are of the next ones.
    async with asyncio.timeout(30):
        await app.state.services.events.delivered()
    await api.gql(HOME, {"village": village_id("孙家集村"), "n": 5}, as_=farmer)
    tallies = []
    for size in (5, 50, 5):
        with count_commands() as tally:
            home = await api.gql(HOME, {"village": village_id("孙家集村"), "n": size}, as_=farmer)
        assert "errors" not in home, home
        assert len(home["data"]["notices"]["edges"]) == min(size, 8)
        assert len(home["data"]["videoSessions"]["edges"]) == 3
        assert home["data"]["me"]["unreadNoticeCount"] == 8
        tallies.append(sorted(tally.names))
    assert tallies[0] == tallies[1] == tallies[2]
    # finds: the session, the notices page, the reader's receipts (read flags and the
    # unread count), lectures, listings, latest prices. People, experts, commodities,
    # the notices in force and the warnings of the village come from the process.
    assert tallies[0] == ["find"] * 6
