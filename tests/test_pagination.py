import base64
from pathlib import Path
from typing import Any

import httpx
import pytest
from bson import json_util

from sannong.api.app import create_app
from sannong.db import Database
from sannong.db.client import open_client
from sannong.db.pagination import decode_cursor, paginate
from sannong.errors import BadUserInput
from tests.conftest import settings_for_tests, start_app
from tests.factories import Api, codes
from tests.prices_helpers import SUNJIAJI_MARKET, write_history


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


LATEST = """query($after: String) { latestPrices(first: 1, after: $after) {
  edges { node { commodity { name } } } pageInfo { endCursor } } }"""

# Cursors that once reached the decoder and raised there instead of answering.
FORGED = {
    "an ObjectId that is none": crafted([1, {"$oid": "zz"}]),
    "a date past year 9999": crafted([{"$date": 10**20}, 1]),
    "a number beyond a float": base64.urlsafe_b64encode(b"[1e999999, 1]").decode(),
    "deep nesting": base64.urlsafe_b64encode(b"[" * 5000).decode(),  # also too long
    "plain values, unsigned": crafted([1, 2]),
    "a real cursor's body with another's signature": "WzEsIDJd.AAAAAAAAAAAAAAAAAAAAAA",
}


@pytest.mark.parametrize("what", FORGED)
async def test_a_forged_cursor_is_refused_through_the_api(api: Api, what: str) -> None:
    result = await api.gql(LATEST, {"after": FORGED[what]})
    assert codes(result) == ["BAD_USER_INPUT"]


async def app_serving(mongodb_uri: str, db_name: str, data_dir: Path) -> tuple[Any, Any]:
    """An app as a new process would start it: its key from the data dir."""
    settings = settings_for_tests(database=db_name, data_dir=data_dir, secret_key=None)
    app = create_app(settings, client=open_client(mongodb_uri, 1500))
    return app, await start_app(app)


async def test_cursors_keep_working_across_restarts(
    mongodb_uri: str, db_name: str, db: Database, catalog: None, tmp_path: Path
) -> None:
    for commodity in ("corn", "wheat"):
        await write_history(db, commodity, SUNJIAJI_MARKET, [230])

    async def page(data_dir: Path, after: str | None = None) -> dict[str, Any]:
        app, lifespan = await app_serving(mongodb_uri, db_name, data_dir)
        try:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
                body = {"query": LATEST, "variables": {"after": after}}
                return (await http.post("/graphql", json=body)).json()
        finally:
            await lifespan.__aexit__(None, None, None)

    first = await page(tmp_path / "var")
    cursor = first["data"]["latestPrices"]["pageInfo"]["endCursor"]
    assert codes(await page(tmp_path / "elsewhere", cursor)) == ["BAD_USER_INPUT"]  # other key
    again = await page(tmp_path / "var", cursor)  # a restart: the key kept in the data dir
    assert "errors" not in again and len(again["data"]["latestPrices"]["edges"]) == 1
    assert (tmp_path / "var" / "secret_key").stat().st_mode & 0o077 == 0
