import base64

import pytest
from bson import json_util

from sannong.db import Database
from sannong.db.pagination import decode_cursor, paginate
from sannong.errors import BadUserInput


@pytest.fixture
async def items(db: Database) -> Database:
    # ties on `rank` make the `_id` tie-breaker matter
    await db.items.insert_many([{"_id": n, "rank": n // 3} for n in range(25)])
    await db.items.create_index([("rank", -1), ("_id", -1)])
    return db


async def test_pages_follow_each_other_without_gaps_or_repeats(items: Database) -> None:
    seen: list[int] = []
    after = None
    while True:
        page = await paginate(items.items, {}, sort_key="rank", first=10, after=after)
        seen += [doc["_id"] for doc in page.documents]
        if not page.has_next_page:
            break
        after = page.cursors[-1]
    assert seen == sorted(range(25), key=lambda n: (n // 3, n), reverse=True)


async def test_ascending_pages_by_id(items: Database) -> None:
    first = await paginate(items.items, {"rank": {"$gte": 2}}, descending=False, first=5)
    second = await paginate(
        items.items, {"rank": {"$gte": 2}}, descending=False, first=5, after=first.cursors[-1]
    )
    assert [d["_id"] for d in first.documents + second.documents] == list(range(6, 16))


@pytest.mark.parametrize("first", [0, -1, 101])
async def test_page_size_is_bounded(items: Database, first: int) -> None:
    with pytest.raises(BadUserInput):
        await paginate(items.items, {}, first=first)


def crafted(value: object) -> str:
    return base64.urlsafe_b64encode(json_util.dumps(value).encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64!",
        crafted({"$gt": ""}),
        crafted([{"$ne": None}, 1]),
        crafted([1, 2, 3]),
        crafted("plain"),
        crafted([True, 1]),
    ],
)
def test_a_crafted_cursor_is_refused(cursor: str) -> None:
    with pytest.raises(BadUserInput):
        decode_cursor(cursor)
