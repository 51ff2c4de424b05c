"""Regions, commodities and markets are kept by the process: a repeated lookup costs no
database command, and a change announced on the event feed is seen at once."""

import asyncio
import time

from sannong.db import Database
from sannong.db.client import count_commands
from sannong.integrations.events import Topic, publish
from sannong.loaders.shared import SharedDocuments
from sannong.seed.regions import village_code
from tests.factories import Api, region_id, village_id

QUERY = "query($id: ID!) { node(id: $id) { ... on Region { name } } }"


async def region_name(api: Api, code_name: str) -> tuple[str, list[str]]:
    with count_commands() as tally:
        result = await api.gql(QUERY, {"id": village_id(code_name)})
    return result["data"]["node"]["name"], tally.names


async def test_a_region_seen_before_costs_no_database_command(api: Api) -> None:
    first, first_commands = await region_name(api, "孙家集村")
    again, again_commands = await region_name(api, "孙家集村")
    assert first == again == "孙家集村"
    assert first_commands == ["find"] and again_commands == []


async def test_a_change_on_the_feed_is_seen_by_the_next_request(api: Api, db: Database) -> None:
    await region_name(api, "孙家集村")
    code = village_code("孙家集村")
    await db.regions.update_one({"_id": code}, {"$set": {"name": "孙家集社区"}})
    await publish(db, Topic.REFERENCE, audience=["regions"], ids=[code])
    for _ in range(100):
        if (await region_name(api, "孙家集村"))[0] == "孙家集社区":
            break
        await asyncio.sleep(0.05)
    assert (await region_name(api, "孙家集村"))[0] == "孙家集社区"


async def test_a_missing_document_is_looked_up_again(api: Api, db: Database) -> None:
    code = "370783003299"
    assert (await api.gql(QUERY, {"id": region_id(code)}))["errors"]
    await db.regions.insert_one(
        {
            "_id": code,
            "name": "新村",
            "level": "VILLAGE",
            "parentId": "370783003000",
            "path": ["370000000000", "370700000000", "370783000000", "370783003000", code],
        }
    )
    assert (await api.gql(QUERY, {"id": region_id(code)}))["data"]["node"]["name"] == "新村"


def test_copies_expire_and_the_oldest_go_first() -> None:
    shared = SharedDocuments(max_entries=2, ttl=0.05)
    for n in range(3):
        shared.put(("db", "RegionById", n), {"_id": n})
    assert shared.get(("db", "RegionById", 0)) is None  # pushed out by the third
    assert shared.get(("db", "RegionById", 2)) == {"_id": 2}
    time.sleep(0.06)
    assert shared.get(("db", "RegionById", 2)) is None
