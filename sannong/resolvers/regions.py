"""The region tree: province › city › county › township › village."""

from typing import Any

import strawberry
from strawberry import relay

from sannong.auth import Role, require_role
from sannong.context import Context
from sannong.rules import regions as rules
from sannong.rules.audit import AuditAction
from sannong.types.common import mutation, node_key
from sannong.types.regions import (
    CreateRegionInput,
    Region,
    RegionLevel,
    RegionPayload,
    RenameRegionInput,
)

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


@strawberry.type
class RegionMutation:
    @mutation(
        "Platform admins: add a region one level below one of their subtree",
        audit=AuditAction.CREATE_REGION,
    )
    async def create_region(
        self, info: strawberry.Info[Context], input: CreateRegionInput
    ) -> RegionPayload:
        context = info.context
        region = await rules.create_region(
            context.db,
            context,
            require_role(await context.viewer(), Role.PLATFORM_ADMIN),
            parent_code=node_key(input.parent_id, "Region", "parentId"),
            code=input.code,
            name=input.name,
        )
        return RegionPayload(region=Region.from_doc(region))

    @mutation("Platform admins: rename a region of their subtree", audit=AuditAction.RENAME_REGION)
    async def rename_region(
        self, info: strawberry.Info[Context], input: RenameRegionInput
    ) -> RegionPayload:
        context = info.context
        region = await rules.rename_region(
            context.db,
            context,
            require_role(await context.viewer(), Role.PLATFORM_ADMIN),
            code=node_key(input.id, "Region", "id"),
            name=input.name,
        )
        return RegionPayload(region=Region.from_doc(region))
