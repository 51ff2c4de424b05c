"""Related objects already at hand are answered at once (`DocumentNode.load_now`,
`Loader.peek`): the same answers as when they come from the database, and only for
types visible to everyone."""

from dataclasses import dataclass, field
from typing import Any

import pytest
from bson import ObjectId
from strawberry.dataloader import DataLoader

from sannong.db import Database
from sannong.db.client import count_commands
from sannong.loaders import UNKNOWN
from sannong.loaders.accounts import UserById
from sannong.loaders.shared import SHARED
from sannong.types.accounts import User
from sannong.types.common import then
from sannong.types.experts import Expert
from sannong.types.market import Listing
from sannong.types.prices import Commodity
from tests.experts import SCHEDULE, expert
from tests.experts import lecture as lecture_input
from tests.factories import Api
from tests.market import create_listing
from tests.notices import MARK_READ, admin, publish
from tests.prices_helpers import commodity_id

SCREEN = """{
  me { followedCommodities { name latestPrice { price changePct7d } } }
  videoSessions(first: 3) { edges { node { title expert { name specialties } } } }
  listings(first: 5) { edges { node { title seller { name } } } }
}"""
FOLLOW = """mutation($i: FollowCommoditiesInput!) { followCommodities(input: $i) {
  userErrors { code } } }"""
RENAME = """mutation($i: UpdateProfileInput!) { updateProfile(input: $i) {
  userErrors { code } } }"""


@dataclass
class Request:
    """What a loader needs of a request's context: the database and its loaders."""

    db: Database
    loaders: dict[type, DataLoader[Any, Any]] = field(default_factory=dict)


@pytest.mark.usefixtures("catalog")
async def test_people_and_the_catalogue_read_alike_from_the_database_or_copies(
    api: Api,
) -> None:
    teacher = await expert(api)
    lecture = lecture_input(topic="返青期肥水管理", durationMinutes=60, capacity=50)
    assert (await api.gql(SCHEDULE, {"i": lecture}, as_=teacher))["data"]
    seller = await api.person()
    await create_listing(api, seller, title="自家大白菜")
    farmer = await api.person()
    follow = {"i": {"commodityIds": [commodity_id("corn"), commodity_id("wheat")]}}
    assert (await api.gql(FOLLOW, follow, as_=farmer))["data"]["followCommodities"] == {
        "userErrors": []
    }

    SHARED.clear()  # the first answer loads every person and commodity from the database
    with count_commands() as cold:
        first = await api.gql(SCREEN, as_=farmer)
    with count_commands() as warm:
        again = await api.gql(SCREEN, as_=farmer)
    assert "errors" not in first, first
    assert again == first
    data = first["data"]
    assert [c["name"] for c in data["me"]["followedCommodities"]] == ["玉米", "小麦"]
    [lecture_node] = [e["node"] for e in data["videoSessions"]["edges"]]
    assert lecture_node["expert"] == {"name": "测试用户", "specialties": ["PLANT_PROTECTION"]}
    [listing] = [e["node"] for e in data["listings"]["edges"]]
    assert listing == {"title": "自家大白菜", "seller": {"name": "测试用户"}}
    # the copies answered: no command for people, experts or commodities the second time
    assert len(warm.names) < len(cold.names)

    renamed = {"i": {"name": "李卖家"}}
    assert (await api.gql(RENAME, renamed, as_=seller))["data"]["updateProfile"] == {
        "userErrors": []
    }
    after = await api.gql(SCREEN, as_=farmer)
    [listing] = [e["node"] for e in after["data"]["listings"]["edges"]]
    assert listing["seller"] == {"name": "李卖家"}  # a change drops the copy at once


async def test_peek_tells_only_what_the_request_or_the_process_has(db: Database) -> None:
    SHARED.clear()
    person = {"_id": ObjectId(), "name": "张三", "role": "FARMER", "phone": "13800009999"}
    await db.users.insert_one(person)
    gone = ObjectId()

    first = UserById.of(Request(db))
    assert first.peek(person["_id"]) is UNKNOWN
    assert first.peek(gone) is UNKNOWN
    assert (await first.load(person["_id"]))["name"] == "张三"  # type: ignore[index]
    assert await first.load(gone) is None
    assert first.peek(person["_id"])["name"] == "张三"  # type: ignore[index]
    assert first.peek(gone) is None  # this request knows it is missing

    later_request = UserById.of(Request(db))
    assert later_request.peek(person["_id"])["name"] == "张三"  # type: ignore[index]
    assert later_request.peek(gone) is UNKNOWN  # a missing document is asked for again


def test_only_types_visible_to_everyone_are_answered_without_their_rule() -> None:
    assert User._visible_to_all() and Expert._visible_to_all() and Commodity._visible_to_all()
    assert not Listing._visible_to_all()  # hidden or closed listings: the viewer decides


async def test_then_applies_now_or_once_awaited() -> None:
    assert then(2, lambda n: n * 10) == 20

    async def two() -> int:
        return 2

    later_value = then(two(), lambda n: n * 10)
    assert not isinstance(later_value, int)
    assert await later_value == 20


async def test_read_flags_come_with_the_page_only_when_asked(api: Api) -> None:
    township = await admin(api)
    first = await publish(api, township, title="第一号通知")
    await publish(api, township, title="第二号通知")
    farmer = await api.person()
    opened = await api.gql(MARK_READ, {"i": {"noticeId": first["id"]}}, as_=farmer)
    assert opened["data"]["markNoticeRead"]["notice"]["read"] is True

    flags = """fragment Flags on Notice { read }
        { notices(first: 5) { edges { node { title ...Flags } } } }"""
    plain = "{ notices(first: 5) { edges { node { title } } } }"
    with count_commands() as with_flags:
        result = await api.gql(flags, as_=farmer)
    with count_commands() as without:
        await api.gql(plain, as_=farmer)
    read = {e["node"]["title"]: e["node"]["read"] for e in result["data"]["notices"]["edges"]}
    assert read == {"第一号通知": True, "第二号通知": False}
    assert with_flags.count == without.count + 1  # the reader's receipts, once
