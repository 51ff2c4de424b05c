from collections.abc import Iterable
from enum import Enum
from typing import Any, Self

import strawberry
from strawberry import relay

from sannong.loaders.regions import RegionById, RegionsByParent


@strawberry.enum(description="Levels of China's administrative divisions")
class RegionLevel(Enum):
    PROVINCE = "PROVINCE"
    CITY = "CITY"
    COUNTY = "COUNTY"
    TOWNSHIP = "TOWNSHIP"
    VILLAGE = "VILLAGE"


@strawberry.type(description="省、市、县、乡镇、村: a node of the region tree")
class Region(relay.Node):
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

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: strawberry.Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        docs = await RegionById.of(info.context).load_many(list(node_ids))
        return [cls.from_doc(doc) if doc else None for doc in docs]

    @strawberry.field
    async def parent(self, info: strawberry.Info) -> "Region | None":
        if self.parent_code is None:
            return None
        doc = await RegionById.of(info.context).load(self.parent_code)
        return Region.from_doc(doc) if doc else None

    @strawberry.field
    async def children(self, info: strawberry.Info) -> list["Region"]:
        docs = await RegionsByParent.of(info.context).load(self.code)
        return [Region.from_doc(doc) for doc in docs]

    @strawberry.field(description="From the province down to this region")
    async def path(self, info: strawberry.Info) -> list["Region"]:
        docs = await RegionById.of(info.context).load_many(self.path_codes)
        return [Region.from_doc(doc) for doc in docs if doc]

    @strawberry.field(description="E.g. 山东省潍坊市寿光市洛城街道东斟灌村")
    async def full_name(self, info: strawberry.Info) -> str:
        return "".join(region.name for region in await self.path(info))
