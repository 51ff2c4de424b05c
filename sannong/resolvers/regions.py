"""The region tree: province › city › county › township › village."""

from typing import Any

import strawberry
from strawberry import relay

from sannong.types.common import node_key
from sannong.types.regions import Region, RegionLevel

MAX_REGIONS = 1000  # one answer never carries more regions than this


@strawberry.type
class RegionQuery:
    @strawberry.field(
        description="Children of `parentId`; with `level`, every region of that level "
        "(under `parentId` if given); with neither, the provinces"
    )
    async def regions(
        self,
        info: strawberry.Info,
        parent_id: relay.GlobalID | None = None,
        level: RegionLevel | None = None,
    ) -> list[Region]:
        query: dict[str, Any] = {}
        if parent_id is not None:
            parent = node_key(parent_id, "Region", "parentId")
            # index regions(path, _id) for a subtree, regions(parentId, _id) for children
            query = {"path": parent, "_id": {"$ne": parent}} if level else {"parentId": parent}
        if level is not None:
            query["level"] = level.value
        elif parent_id is None:
            query["level"] = RegionLevel.PROVINCE.value
        docs = await info.context.db.regions.find(
            query, sort=[("_id", 1)], limit=MAX_REGIONS
        ).to_list()
        return [Region.from_doc(doc) for doc in docs]
