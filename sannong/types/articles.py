from datetime import datetime
from enum import Enum
from typing import Any, Self

import strawberry
from strawberry import relay

from sannong.loaders.articles import ArticleById
from sannong.rules.articles import ALL_REGIONS
from sannong.types.accounts import User
from sannong.types.common import DocumentNode, UserError
from sannong.types.prices import Commodity
from sannong.types.regions import Region


@strawberry.enum(description="种植技术、畜牧养殖、水产养殖、病虫害防治、惠农政策、市场行情、农机")
class ArticleCategory(Enum):
    PLANTING = "PLANTING"
    LIVESTOCK = "LIVESTOCK"
    AQUACULTURE = "AQUACULTURE"
    PEST_CONTROL = "PEST_CONTROL"
    POLICY = "POLICY"
    MARKET = "MARKET"
    MACHINERY = "MACHINERY"


@strawberry.type(description="A technical article by an expert or an admin")
class Article(DocumentNode):
    loader = ArticleById

    key: relay.NodeID[str]
    title: str
    summary: str
    body: str = strawberry.field(description="Sanitized HTML")
    category: ArticleCategory
    published_at: datetime
    doc: strawberry.Private[dict[str, Any]]

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Self:
        return cls(
            key=str(doc["_id"]),
            title=doc["title"],
            summary=doc["summary"],
            body=doc["body"],
            category=ArticleCategory(doc["category"]),
            published_at=doc["publishedAt"],
            doc=doc,
        )

    @strawberry.field
    async def author(self, info: strawberry.Info) -> User | None:
        return await User.load(info, self.doc["authorId"])

    @strawberry.field(description="Crops and animals the article is about")
    async def crops(self, info: strawberry.Info) -> list[Commodity]:
        return await Commodity.load_many(info, self.doc["commodityIds"])

    @strawberry.field(description="Where the advice applies; empty means everywhere")
    async def regions(self, info: strawberry.Info) -> list[Region]:
        codes = [code for code in self.doc["regionIds"] if code != ALL_REGIONS]
        return await Region.load_many(info, codes)


@strawberry.input
class ArticleFilter:
    category: ArticleCategory | None = None
    commodity_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Articles about this crop"
    )
    region_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Articles that apply to this region (or everywhere)"
    )


@strawberry.input
class PublishArticleInput:
    title: str
    body: str = strawberry.field(description="Rich text (HTML); unsafe parts are removed")
    category: ArticleCategory
    summary: str | None = None
    commodity_ids: list[relay.GlobalID] = strawberry.field(default_factory=list)
    region_ids: list[relay.GlobalID] = strawberry.field(
        default_factory=list,
        description="Where it applies; empty: everywhere (experts) or the admin's region",
    )


@strawberry.type
class ArticlePayload:
    article: Article | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
