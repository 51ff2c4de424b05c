"""The region tree: province › city › county › township › village."""

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
        parent = None if parent_id is None else node_key(parent_id, "Region", "parentId")
        docs = await rules.regions(info.context.db, parent, level)
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
            context,
            require_role(await context.viewer(), Role.PLATFORM_ADMIN),
            code=node_key(input.id, "Region", "id"),
            name=input.name,
        )
        return RegionPayload(region=Region.from_doc(region))
