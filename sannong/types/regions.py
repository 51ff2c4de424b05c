from typing import Any, Self

import strawberry
from strawberry import relay

from sannong.loaders.regions import RegionById, RegionsByParent
from sannong.rules.regions import RegionLevel
from sannong.types.common import DocumentNode, UserError

__all__ = ["CreateRegionInput", "Region", "RegionLevel", "RegionPayload", "RenameRegionInput"]


strawberry.enum(RegionLevel, description="Levels of China's administrative divisions")


@strawberry.type(description="省、市、县、乡镇、村: a node of the region tree")
class Region(DocumentNode):
    loader = RegionById

    key: relay.NodeID[str]
    code: str = strawberry.field(description="National administrative division code")
    name: str
    level: RegionLevel
    parent_code: strawberry.Private[str | None]
    path_codes: strawberry.Private[list[str]]

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Self:
        return cls(
            key=doc["_id"],
            code=doc["_id"],
            name=doc["name"],
            level=RegionLevel(doc["level"]),
            parent_code=doc.get("parentId"),
            path_codes=doc["path"],
        )

    @strawberry.field
    async def parent(self, info: strawberry.Info) -> "Region | None":
        return await Region.load(info, self.parent_code)

    @strawberry.field
    async def children(self, info: strawberry.Info) -> list["Region"]:
        docs = await RegionsByParent.of(info.context).load(self.code)
        return [Region.from_doc(doc) for doc in docs]

    @strawberry.field(description="From the province down to this region")
    async def path(self, info: strawberry.Info) -> list["Region"]:
        return await Region.load_many(info, self.path_codes)

    @strawberry.field(description="E.g. 山东省潍坊市寿光市洛城街道东斟灌村")
    async def full_name(self, info: strawberry.Info) -> str:
        return "".join(region.name for region in await self.path(info))


@strawberry.input(description="A new region one level below its parent (platform admins)")
class CreateRegionInput:
    parent_id: relay.GlobalID
    code: str = strawberry.field(
        description="12 digits: the parent's significant digits, then this level's own"
    )
    name: str = strawberry.field(description="1–20 characters, unique among its siblings")


@strawberry.input(description="A region's new name (platform admins)")
class RenameRegionInput:
    id: relay.GlobalID
    name: str = strawberry.field(description="1–20 characters, unique among its siblings")


@strawberry.type
class RegionPayload:
    region: Region | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
