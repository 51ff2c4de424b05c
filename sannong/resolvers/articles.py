"""Technical articles: experts and admins publish, everyone reads."""

from typing import Any

import strawberry

from sannong.auth import Role, require_role
from sannong.context import Context
from sannong.errors import BadUserInput
from sannong.loaders.regions import RegionById
from sannong.rules import articles as rules
from sannong.rules.articles import ALL_REGIONS
from sannong.types.articles import Article, ArticleFilter, ArticlePayload, PublishArticleInput
from sannong.types.common import Connection, mutation, node_key


@strawberry.type
class ArticleQuery:
    @strawberry.field(description="Articles, newest first")
    async def articles(
        self,
        info: strawberry.Info[Context],
        filter: ArticleFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Article]:
        query: dict[str, Any] = {}
        if filter is not None:
            # indexes articles(<field>, publishedAt, _id) for each filter, (publishedAt, _id)
            if filter.category is not None:
                query["category"] = filter.category.value
            if filter.commodity_id is not None:
                query["commodityIds"] = node_key(filter.commodity_id, "Commodity", "commodityId")
            if filter.region_id is not None:
                region = await RegionById.of(info.context).load(
                    node_key(filter.region_id, "Region", "regionId")
                )
                if region is None:
                    raise BadUserInput("地区不存在", field="regionId")
                query["regionIds"] = {"$in": [*region["path"], ALL_REGIONS]}
        return await Connection[Article].find(
            info.context.db.articles,
            query,
            Article.from_doc,
            sort_key="publishedAt",
            first=first,
            after=after,
            projection={"titleTokens": 0, "searchTokens": 0},
        )


@strawberry.type
class ArticleMutation:
    @mutation("Experts and admins: publish an article (HTML is sanitized)")
    async def publish_article(
        self, info: strawberry.Info[Context], input: PublishArticleInput
    ) -> ArticlePayload:
        context = info.context
        author = require_role(
            await context.viewer(), Role.EXPERT, Role.TOWNSHIP_ADMIN, Role.PLATFORM_ADMIN
        )
        doc = await rules.publish_article(
            context.db,
            context,
            author,
            title=input.title,
            body_html=input.body,
            category=input.category.value,
            summary=input.summary,
            commodity_codes=[node_key(c, "Commodity", "commodityIds") for c in input.commodity_ids],
            region_codes=[node_key(r, "Region", "regionIds") for r in input.region_ids],
        )
        return ArticlePayload(article=Article.from_doc(doc))
