"""Technical articles: experts and admins publish, everyone reads."""

import asyncio
from datetime import UTC, datetime
from typing import Any

import strawberry

from sannong.auth import Role, require_admin_of, require_role
from sannong.context import Context
from sannong.db.pagination import paginate
from sannong.errors import BadUserInput
from sannong.loaders.articles import ArticleById
from sannong.loaders.prices import CommodityById
from sannong.loaders.regions import RegionById
from sannong.resolvers.regions import load_region
from sannong.rules.articles import ALL_REGIONS, article_document, plain_text, sanitize
from sannong.types.articles import Article, ArticleFilter, ArticlePayload, PublishArticleInput
from sannong.types.common import Connection, UserErrorCode, node_key
from sannong.validation import Checks

TITLE_MAX = 60
SUMMARY_MAX = 200
BODY_MAX = 50_000
MAX_CROPS = 10
MAX_REGIONS = 20


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
        page = await paginate(
            info.context.db.articles,
            query,
            sort_key="publishedAt",
            first=first,
            after=after,
            projection={"titleTokens": 0, "searchTokens": 0},
        )
        return Connection[Article].from_page(page, Article.from_doc)


@strawberry.type
class ArticleMutation:
    @strawberry.mutation(description="Experts and admins: publish an article (HTML is sanitized)")
    async def publish_article(
        self, info: strawberry.Info[Context], input: PublishArticleInput
    ) -> ArticlePayload:
        context = info.context
        viewer = require_role(
            await context.viewer(), Role.EXPERT, Role.TOWNSHIP_ADMIN, Role.PLATFORM_ADMIN
        )
        checks = Checks()
        title = checks.text("title", input.title, label="标题", max_length=TITLE_MAX)
        summary = checks.text("summary", input.summary, label="摘要", max_length=SUMMARY_MAX)
        if len(input.body) > BODY_MAX:
            checks.fail("body", f"正文不能超过 {BODY_MAX} 个字符", UserErrorCode.TOO_LONG)
        elif not plain_text(sanitize(input.body)):
            checks.fail("body", "正文不能为空", UserErrorCode.REQUIRED)
        crops = await _crops(info, input, checks)
        regions = await _regions(info, input, checks)
        if checks.errors:
            return ArticlePayload(user_errors=checks.errors)
        if viewer.role is not Role.EXPERT:
            for region in regions:
                require_admin_of(viewer, region["path"])
        region_ids = [r["_id"] for r in regions]
        if not region_ids and viewer.role is not Role.EXPERT:
            region_ids = [viewer.scope_path[-1]]  # an admin writes for the region it runs
        doc = article_document(
            title=title or "",
            body_html=input.body,
            category=input.category.value,
            summary=summary,
            commodity_ids=crops,
            region_ids=region_ids,
            author_id=viewer.id,
            published_at=datetime.now(UTC),
        )
        result = await context.db.articles.insert_one(doc)
        stored = await ArticleById.of(context).load(result.inserted_id)
        assert stored is not None
        return ArticlePayload(article=Article.from_doc(stored))


async def _crops(
    info: strawberry.Info[Context], input: PublishArticleInput, checks: Checks
) -> list[str]:
    keys = list(
        dict.fromkeys(node_key(c, "Commodity", "commodityIds") for c in input.commodity_ids)
    )
    if len(keys) > MAX_CROPS:
        checks.fail("commodityIds", f"最多关联 {MAX_CROPS} 个品种", UserErrorCode.TOO_MANY)
        return []
    docs = await CommodityById.of(info.context).load_many(keys)
    if any(doc is None for doc in docs):
        checks.fail("commodityIds", "有品种不存在", UserErrorCode.UNKNOWN_COMMODITY)
    return keys


async def _regions(
    info: strawberry.Info[Context], input: PublishArticleInput, checks: Checks
) -> list[dict[str, Any]]:
    if len(input.region_ids) > MAX_REGIONS:
        checks.fail("regionIds", f"最多选择 {MAX_REGIONS} 个地区", UserErrorCode.TOO_MANY)
        return []
    # gathered, so the region loader fetches them in one batch
    regions = await asyncio.gather(
        *(load_region(info, r, checks, "regionIds") for r in input.region_ids)
    )
    return [r for r in regions if r is not None]
