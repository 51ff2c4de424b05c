"""Related objects already at hand are answered at once (the execution plans run a
resolver up to its first wait; loaded values do not make it wait): the same answers as
when they come from the database."""

import asyncio
import inspect
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import pytest
import strawberry
from bson import ObjectId
from graphql import ExecutionResult, execute, parse
from strawberry.dataloader import DataLoader

from sannong.api.execution import executor_class, streamline
from sannong.db import Database
from sannong.db.client import count_commands
from sannong.loaders.accounts import UserById
from sannong.loaders.shared import SHARED
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


async def test_the_process_copy_comes_as_a_done_future(db: Database) -> None:
    """`SharedById.load` hands out the process's copy already done, so awaiting it does
    not suspend (the execution plans then answer the field at once)."""
    SHARED.clear()
    person = {"_id": ObjectId(), "name": "张三", "role": "FARMER", "phone": "13800009999"}
    await db.users.insert_one(person)
    gone = ObjectId()

    first = UserById.of(Request(db))
    assert (await first.load(person["_id"]))["name"] == "张三"  # type: ignore[index]
    assert await first.load(gone) is None

    later_request = UserById.of(Request(db))
    with count_commands() as tally:
        kept = later_request.load(person["_id"])
        assert isinstance(kept, asyncio.Future) and kept.done()
        assert kept.result()["name"] == "张三"
        missing = later_request.load(gone)
        assert not missing.done()  # a missing document is asked for again
        assert await missing is None
    assert tally.count == 1


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


WAITING: ContextVar[str] = ContextVar("waiting", default="")


@strawberry.type
class _Query:
    @strawberry.field
    async def at_hand(self, info: strawberry.Info) -> str:
        value: str = await info.context["done"]
        return value

    @strawberry.field
    async def later(self, info: strawberry.Info) -> str:
        # Set before the wait and reset after it, as pymongo's timeouts are: the rest
        # must run in the context its first step ran in.
        token = WAITING.set("waiting")
        try:
            value: str = await info.context["pending"]
        finally:
            WAITING.reset(token)
        return value


def _planned_schema() -> strawberry.Schema:
    schema = strawberry.Schema(
        _Query, execution_context_class=executor_class(planned=True, hide_suggestions=True)
    )
    streamline(schema)
    return schema


async def test_a_resolver_whose_value_is_in_answers_without_a_task() -> None:
    schema = _planned_schema()
    done = asyncio.get_running_loop().create_future()
    done.set_result("现在")
    result = execute(
        schema._schema,
        parse("{ atHand }"),
        context_value={"done": done},
        executor_class=schema.execution_context_class,
    )
    assert not inspect.isawaitable(result)  # answered in the call: nothing left to await
    assert isinstance(result, ExecutionResult)
    assert result.data == {"atHand": "现在"} and result.errors is None


async def test_resolvers_waiting_on_one_future_both_get_its_value() -> None:
    schema = _planned_schema()
    pending = asyncio.get_running_loop().create_future()
    result = execute(
        schema._schema,
        parse("{ a: later b: later }"),
        context_value={"pending": pending},
        executor_class=schema.execution_context_class,
    )
    assert inspect.isawaitable(result)
    asyncio.get_running_loop().call_soon(pending.set_result, "稍后")
    answered = await result
    assert answered.errors is None
    assert answered.data == {"a": "稍后", "b": "稍后"}
    assert WAITING.get() == ""
