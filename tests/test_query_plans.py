"""Each screen's queries are answered by an index, not by a scan of a collection that grows
with the township (issue 24).

The screens run through the API against the embedded server's SQLite engine (the default
outside tests: the memory engine of the other tests plans differently), the commands they
send are captured as sent (`count_commands`), and each read is sent back as an `explain`.
The engine answers with SQLite's own query plan (`details.engine_details`): a read that
searches its documents by nothing more than their collection (`db_name=? AND coll_name=?`),
or that the engine cannot put into SQL at all, reads every document of the collection.

`SCANS` lists the reads that still scan, with the reason; the test asserts the list is
exactly what the screens do, so a read that gets an index must leave the list, and a new
scan fails until it is fixed or listed with its reason."""

import asyncio
import re
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import pytest
from pymongo import AsyncMongoClient
from starlette.applications import Starlette

from sannong.auth import Role
from sannong.db import Database
from sannong.db.client import count_commands, open_command_client
from sannong.db.embedded import EmbeddedServer
from sannong.db.indexes import INDEXES
from tests.experts import SCHEDULE, expert, later
from tests.experts import lecture as lecture_input
from tests.factories import Api, Person, village_id
from tests.market import create_listing, place
from tests.notices import FEEDBACK, admin, publish, submit
from tests.prices_helpers import SUNJIAJI_MARKET, commodity_id, write_history

pytestmark = pytest.mark.usefixtures("catalog")

# The embedded engine's SQL uses an index only for an equality on the leading keys of
# an index whose values carry a type tag (ObjectId, dates), and the key reads of `by_key`;
# strings, numbers, `$in`, `$all`, ranges and `$or` are filtered over every document.
_STRING_KEYS = "string keys: the engine compares strings outside its indexes"
_IN = "`$in` of two or more: the engine's `$in` reads every document"

# Reads that still scan a collection: (screen, read shape) -> why it is left.
SCANS: dict[tuple[str, str], str] = {
    ("Home", "listings find {status,path} sort {_id}"): _STRING_KEYS + " (region codes)",
    (
        "Home",
        "notices find {$and[{regionId:$in}|{$or[{expiresAt}|{expiresAt:$gt}]}]} sort {sortKey,_id}",
    ): _IN + " (the village's ancestors); notices grow slowly (500 a year)",
    ("Home", "price_latest find {commodityId} sort {_id}"): _STRING_KEYS + " (commodity codes)",
    ("Home", "video_sessions find {endsAt:$gt} sort {startsAt,_id}"): "a range of dates; "
    "lectures grow slowly",
    ("Market search", "listings find {status,searchTokens:$all} sort {_id}"): _STRING_KEYS
    + " (search tokens in an array)",
    ("Listings", "listings find {status,path} sort {priceFen,_id}"): _STRING_KEYS
    + " (region codes)",
    ("My orders", "listings find {_id:$in} sort {}"): _IN + " (the page's listings)",
    (
        "Notices",
        "notices find {$and[{regionId:$in}|{$or[{expiresAt}|{expiresAt:$gt}]}]} sort {sortKey,_id}",
    ): _IN + " (the village's ancestors); notices grow slowly (500 a year)",
    ("Prices", "price_latest find {} sort {_id}"): "every latest price, a page in `_id` order: "
    "one document per commodity and market, not per day",
    ("Prices", "prices find {commodityId,month:$gte} sort {month}"): _STRING_KEYS
    + " (commodity codes); month buckets, not days",
    ("Feedback", "feedback find {path,status:$in} sort {deadline,_id}"): _STRING_KEYS
    + " (region codes, states)",
    ("Experts", "experts find {} sort {_id}"): "every expert, a page in `_id` order; experts "
    "are few",
}

HOME = """query($v: ID!) {
  me { name unreadNoticeCount
       followedCommodities { name latestPrice { price unit changePct7d } } }
  notices(regionId: $v, first: 5) {
    edges { node { id title category publishedAt pinned read } } }
  alerts(regionId: $v) { id kind severity title validUntil }
  videoSessions(first: 3) { edges { node { title startsAt expert { name specialties } } } }
  listings(filter: { regionId: $v }, first: 10) {
    edges { node { id title price unit seller { name } } } }
}"""
SEARCH = """query($t: String) { listings(filter: { text: $t }, first: 20) { edges { node {
    title price unit seller { name } region { name } } } } }"""
LISTINGS = """query($v: ID!) { listings(filter: { regionId: $v }, sort: PRICE_ASC, first: 20) {
    edges { node { title price } } } }"""
MY_ORDERS = """query($r: OrderRole!) { myOrders(role: $r, first: 20) { edges { node {
    quantity total status listing { title } seller { name } } } } }"""
NOTICES = """{ me { unreadNoticeCount } notices(first: 20) { edges { node {
    title category publishedAt read } } } }"""
PRICES = """query($c: ID!) { priceHistory(commodityId: $c, days: 30) { points { date avg } }
    latestPrices(first: 20) { edges { node { price commodity { name } } } } }"""
EXPERTS = """{ experts(first: 10) { edges { node {
    name specialties regions { name } rating { average } } } } }"""
FOLLOW = """mutation($i: FollowCommoditiesInput!) { followCommodities(input: $i) {
  userErrors { code } } }"""

# Sent with a command but not part of what it asks: the session, the deployment's clock.
_ENVELOPE = frozenset(
    {"lsid", "$db", "$clusterTime", "txnNumber", "$readPreference", "readConcern", "maxTimeMS"}
)
_READS = frozenset({"find", "aggregate", "count", "distinct"})
# A search of `documents` by more than the collection: an index on the query's own keys.
_BY_INDEX = re.compile(r"USING (?:COVERING )?INDEX \S+ \(db_name=\? AND coll_name=\? AND ")


@pytest.fixture(scope="module")
def mongodb_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = EmbeddedServer(path=tmp_path_factory.mktemp("plans") / "plans.sqlite")
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="module")
async def mongo_client(mongodb_uri: str) -> AsyncIterator[AsyncMongoClient]:
    client = open_command_client(mongodb_uri)
    yield client
    await client.close()


def shape(value: Any) -> str:
    """A filter or sort without its values: `{path,status}`, `{_id:$in}`."""
    if isinstance(value, dict):
        parts = []
        for key, inner in value.items():
            if key.startswith("$") and isinstance(inner, list):
                parts.append(f"{key}[{'|'.join(shape(item) for item in inner)}]")
            elif isinstance(inner, dict) and any(k.startswith("$") for k in inner):
                parts.append(f"{key}:{','.join(sorted(inner))}")
            elif key.startswith("$"):
                parts.append(f"{key}{shape(inner)}")
            else:
                parts.append(key)
        return "{" + ",".join(parts) + "}"
    return ""


def read_shape(command: Mapping[str, Any]) -> str:
    name = next(iter(command))
    if name == "aggregate":
        stages = [next(iter(stage)) for stage in command["pipeline"]]
        first = command["pipeline"][0]
        where = shape(first["$match"]) if "$match" in first else ""
        return f"{command[name]} aggregate {where} {'>'.join(stages)}"
    where = shape(command.get("filter") or command.get("query") or {})
    sort = shape(command.get("sort") or {})
    return f"{command[name]} {name} {where}" + (f" sort {sort}" if sort else "")


def by_key(command: Mapping[str, Any]) -> bool:
    """A read the engine answers by a key before any SQL plan (sqlite.py, the find of
    `limit 1`, no sort, one top-level equality): the document of that `_id`, or the first
    entry of that value in a single-field index. `explain` shows only the SQL plan,
    which such a read never runs."""
    where = command.get("filter") or {}
    if next(iter(command)) != "find" or command.get("limit") != 1 or command.get("sort"):
        return False
    if len(where) != 1 or command.get("skip"):
        return False
    ((field, value),) = where.items()
    if field.startswith("$") or "." in field or isinstance(value, dict | list):
        return False
    single = [index.keys for index in INDEXES.get(command["find"], []) if len(index.keys) == 1]
    return field == "_id" or any(keys[0][0] == field for keys in single)


def scans(command: Mapping[str, Any], plan: dict[str, Any]) -> bool:
    """Whether the engine reads the whole collection to answer: its SQL searches the
    documents by collection only, or no SQL answers it (the engine filters in Python)."""
    if by_key(command):
        return False
    details = plan.get("details") or {}
    lines = [str(line) for line in details.get("engine_details") or []]
    if plan.get("strategy") != "sql" or not lines:
        return True
    return not any(_BY_INDEX.search(line) for line in lines)


async def explain(db: Database, command: Mapping[str, Any]) -> dict[str, Any]:
    asked = {key: value for key, value in command.items() if key not in _ENVELOPE}
    plan: dict[str, Any] = await db.command({"explain": asked, "verbosity": "queryPlanner"})
    return plan


async def scanning_reads(
    api: Api, screen: str, query: str, variables: dict[str, Any], as_: Person | None
) -> dict[tuple[str, str], str]:
    """The reads of one request of the screen that scan a collection, by shape."""
    await api.gql(query, variables, as_=as_)  # fills what the process keeps
    with count_commands() as tally:
        result = await api.gql(query, variables, as_=as_)
    assert "errors" not in result, result
    found: dict[tuple[str, str], str] = {}
    reads = [c for c in tally.commands if next(iter(c)) in _READS]
    assert reads, f"{screen}: no read captured"
    for command in reads:
        plan = await explain(api.db, command)
        if scans(command, plan):
            found[(screen, read_shape(command))] = str(plan.get("details"))
    return found


def still_scanning(screen: str) -> set[tuple[str, str]]:
    return {key for key in SCANS if key[0] == screen}


async def settled(app: Starlette) -> None:
    """Every write above has been heard by this process (its copies dropped)."""
    async with asyncio.timeout(30):
        await app.state.services.events.delivered()


async def test_home(api: Api, app: Starlette) -> None:
    township = await admin(api)
    for n in range(3):
        await publish(api, township, title=f"第{n}号通知")
    teacher = await expert(api)
    lecture = lecture_input(topic="返青期肥水管理", durationMinutes=60, startsAt=later(hours=30))
    assert (await api.gql(SCHEDULE, {"i": lecture}, as_=teacher))["data"]["scheduleVideoSession"][
        "userErrors"
    ] == []
    for n in range(3):
        await create_listing(api, await api.person(), title=f"大白菜{n}")
    await write_history(api.db, "corn", SUNJIAJI_MARKET, [200] * 8)
    farmer = await api.person()
    follow = {"i": {"commodityIds": [commodity_id("corn")]}}
    assert (await api.gql(FOLLOW, follow, as_=farmer))["data"]["followCommodities"] == {
        "userErrors": []
    }
    await settled(app)
    found = await scanning_reads(api, "Home", HOME, {"v": village_id("孙家集村")}, farmer)
    assert set(found) == still_scanning("Home"), found


async def test_market_search_and_listings(api: Api, app: Starlette) -> None:
    for n in range(3):
        await create_listing(api, await api.person(), title=f"大白菜{n}")
    await settled(app)
    found = await scanning_reads(api, "Market search", SEARCH, {"t": "大白菜"}, None)
    found |= await scanning_reads(api, "Listings", LISTINGS, {"v": village_id("孙家集村")}, None)
    assert set(found) == still_scanning("Market search") | still_scanning("Listings"), found


async def test_my_orders(api: Api, app: Starlette) -> None:
    seller, buyer = await api.person(), await api.person()
    for title in ("大白菜", "玉米"):  # two listings: the page loads them in one read
        listing = await create_listing(api, seller, title=title)
        assert "errors" not in await place(api, buyer, listing["id"])
    await settled(app)
    found = await scanning_reads(api, "My orders", MY_ORDERS, {"r": "BUYER"}, buyer)
    found |= await scanning_reads(api, "My orders", MY_ORDERS, {"r": "SELLER"}, seller)
    assert set(found) == still_scanning("My orders"), found


async def test_notices(api: Api, app: Starlette) -> None:
    township = await admin(api)
    for n in range(3):
        await publish(api, township, title=f"第{n}号通知")
    farmer = await api.person()
    await settled(app)
    found = await scanning_reads(api, "Notices", NOTICES, {}, farmer)
    assert set(found) == still_scanning("Notices"), found


async def test_prices(api: Api, app: Starlette) -> None:
    for crop in ("corn", "wheat"):
        await write_history(api.db, crop, SUNJIAJI_MARKET, [200] * 8)
    await settled(app)
    found = await scanning_reads(api, "Prices", PRICES, {"c": commodity_id("corn")}, None)
    assert set(found) == still_scanning("Prices"), found


async def test_feedback(api: Api, app: Starlette) -> None:
    township = await admin(api)
    farmer = await api.person()
    for n in range(3):
        await submit(api, farmer, text=f"村东头的灌溉水渠塌了第{n}段，浇不上地")
    await settled(app)
    found = await scanning_reads(api, "Feedback", FEEDBACK, {"n": 20}, township)
    found |= await scanning_reads(api, "Feedback", FEEDBACK, {"n": 20, "f": {"mine": True}}, farmer)
    assert set(found) == still_scanning("Feedback"), found


async def test_experts(api: Api, app: Starlette) -> None:
    for _ in range(3):
        await expert(api)
    await api.person(Role.FARMER)
    await settled(app)
    found = await scanning_reads(api, "Experts", EXPERTS, {}, None)
    assert set(found) == still_scanning("Experts"), found
