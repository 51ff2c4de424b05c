"""Every list costs the same database commands for `first: 5` and `first: 50`: one
batched load per type per level, whatever the page size. (Home, listings, notices,
feedback, the audit log, people, experts and slots have their own such tests.)

Each test makes one item through the API and copies it in the database, so a page of
5 and a page of 50 differ; a first request fills what the process keeps (people,
experts, regions, the catalogue), and the counts are those of the requests after it."""

from collections.abc import Callable
from typing import Any

import pytest
from bson import ObjectId

from sannong.auth import Role
from sannong.db.client import count_commands
from sannong.rules.notifications import notify
from tests.experts import ASK, SCHEDULE, book, expert, slot
from tests.experts import lecture as lecture_input
from tests.factories import SUNJIAJI, Api, Person
from tests.market import REPORT, create_listing, place
from tests.prices_helpers import SUNJIAJI_MARKET, commodity_id, write_history
from tests.test_articles import PUBLISH as PUBLISH_ARTICLE
from tests.test_articles import article

pytestmark = pytest.mark.usefixtures("catalog")

COPIES = 60


async def copy(
    api: Api, collection: str, changes: Callable[[int], dict[str, Any]] = lambda n: {}
) -> None:
    """COPIES more of the collection's one document, each with a new `_id`."""
    (doc,) = await api.db[collection].find({}).to_list()
    copies = [doc | {"_id": ObjectId()} | changes(n) for n in range(COPIES)]
    for start in range(0, COPIES, 30):  # the embedded server prefers small batches
        await api.db[collection].insert_many(copies[start : start + 30])


async def commands(
    api: Api, query: str, field: str, as_: Person | None, **variables: Any
) -> list[str]:
    """The commands of pages of 5, 50 and 5 (equal, or the test fails), after a first."""
    await api.gql(query, {"n": 5, **variables}, as_=as_)
    tallies = []
    for size in (5, 50, 5):
        with count_commands() as tally:
            result = await api.gql(query, {"n": size, **variables}, as_=as_)
        assert "errors" not in result, result
        page = result["data"][field]
        assert len(page["edges"] if isinstance(page, dict) else page) == size
        tallies.append(sorted(tally.names))
    assert tallies[0] == tallies[1] == tallies[2]
    return tallies[0]


async def test_articles(api: Api) -> None:
    author = await api.person(Role.EXPERT)
    assert (await api.gql(PUBLISH_ARTICLE, article(), as_=author))["data"]["publishArticle"][
        "userErrors"
    ] == []
    await copy(api, "articles")
    query = """query($n: Int) { articles(first: $n) { edges { node {
        title author { name } crops { name } regions { name } } } } }"""
    assert await commands(api, query, "articles", None) == ["find"]  # the page


async def test_search(api: Api) -> None:
    author = await api.person(Role.EXPERT)
    await api.gql(PUBLISH_ARTICLE, article(), as_=author)
    await copy(api, "articles")
    query = """query($n: Int) { search(text: "花生叶斑病", kinds: [ARTICLE], first: $n) {
        title node { id } } }"""
    # candidates by token, then the best of them
    assert await commands(api, query, "search", None) == ["find", "find"]


async def test_my_notifications(api: Api) -> None:
    farmer = await api.person()
    user = await api.db.users.find_one({"phone": farmer.phone})
    assert user is not None
    await notify(api.db, [user["_id"]], kind="TEST", title="通知", body="内容")
    await copy(api, "notifications")
    query = """query($n: Int) { myNotifications(first: $n) { edges { node {
        kind title read } } } }"""
    assert await commands(api, query, "myNotifications", farmer) == ["find", "find"]


async def test_my_orders(api: Api) -> None:
    seller, buyer = await api.person(), await api.person()
    listing = await create_listing(api, seller)
    assert "errors" not in await place(api, buyer, listing["id"])
    await copy(api, "orders", lambda n: {"idempotencyKey": f"copy-{n}"})
    query = """query($n: Int) { myOrders(role: BUYER, first: $n) { edges { node {
        quantity total listing { title } seller { name } buyer { name } } } } }"""
    # session, the page, its listings
    assert await commands(api, query, "myOrders", buyer) == ["find", "find", "find"]


async def test_listing_reports(api: Api) -> None:
    seller, reporter = await api.person(), await api.person()
    township = await api.person(Role.TOWNSHIP_ADMIN, scope=SUNJIAJI)
    listing = await create_listing(api, seller)
    reported = await api.gql(
        REPORT, {"i": {"listingId": listing["id"], "reason": "价格虚高"}}, as_=reporter
    )
    assert "errors" not in reported, reported
    await copy(api, "listings")
    query = """query($n: Int) { listingReports(first: $n) { edges { node {
        reportCount listing { title seller { name } } reports { reason } } } } }"""
    # session, the page, the reports of its listings
    assert await commands(api, query, "listingReports", township) == ["find", "find", "find"]


async def test_questions(api: Api) -> None:
    farmer = await api.person()
    fields = {"specialty": "PLANT_PROTECTION", "crop": "黄瓜", "text": "黄瓜叶子发黄怎么办？"}
    assert (await api.gql(ASK, {"i": fields}, as_=farmer))["data"]["askQuestion"][
        "userErrors"
    ] == []
    await copy(api, "questions")
    query = """query($n: Int) { questions(filter: { mine: true }, first: $n) { edges { node {
        text asker { name } village { name } answers { text } } } } }"""
    assert await commands(api, query, "questions", farmer) == ["find", "find"]  # session, page


async def test_my_consultations(api: Api) -> None:
    teacher, farmer = await expert(api), await api.person()
    opened = await slot(api, teacher)
    assert (await book(api, farmer, opened["id"]))["userErrors"] == []
    await copy(api, "consultations", lambda n: {"idempotencyKey": f"copy-{n}"})
    query = """query($n: Int) { myConsultations(first: $n) { edges { node {
        topic expert { name title } farmer { name } slot { startsAt } } } } }"""
    # session, the page, its slots
    assert await commands(api, query, "myConsultations", farmer) == ["find", "find", "find"]


async def test_video_sessions(api: Api) -> None:
    teacher, farmer = await expert(api), await api.person()
    lecture = lecture_input(topic="返青期肥水管理", durationMinutes=60, capacity=50)
    result = await api.gql(SCHEDULE, {"i": lecture}, as_=teacher)
    assert result["data"]["scheduleVideoSession"]["userErrors"] == []
    await copy(api, "video_sessions")
    query = """query($n: Int) { videoSessions(first: $n) { edges { node {
        title registered expert { name specialties } } } } }"""
    # session, the page, the viewer's registrations
    assert await commands(api, query, "videoSessions", farmer) == ["find", "find", "find"]


async def test_latest_prices(api: Api) -> None:
    await write_history(api.db, "corn", SUNJIAJI_MARKET, [200] * 8)
    await copy(api, "price_latest")
    query = """query($n: Int, $c: [ID!]) { latestPrices(commodityIds: $c, first: $n) {
        edges { node { price changePct7d commodity { name } market { name } } } } }"""
    assert await commands(api, query, "latestPrices", None, c=[commodity_id("corn")]) == ["find"]
