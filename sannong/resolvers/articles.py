"""Technical articles: experts and admins publish, everyone reads."""

import strawberry

from sannong.auth import Role, require_role
from sannong.context import Context
from sannong.resolvers.inputs import region_path_of
from sannong.rules import articles as rules
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
        filter = filter or ArticleFilter()
        commodity, region = filter.commodity_id, filter.region_id
        page = await rules.browse_articles(
            info.context.db,
            category=None if filter.category is None else filter.category.value,
            commodity_code=None
            if commodity is None
            else node_key(commodity, "Commodity", "commodityId"),
            region_path=None if region is None else await region_path_of(info, region),
            first=first,
            after=after,
        )
        return Connection[Article].from_page(page, Article.from_doc)


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
