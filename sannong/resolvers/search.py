"""`search(text, kinds)`: one box for the articles, commodities and listings a farmer looks for."""

from collections.abc import Callable
from typing import Any

import strawberry
from strawberry import relay

from sannong.context import Context
from sannong.rules import search as rules
from sannong.types.articles import Article
from sannong.types.market import Listing
from sannong.types.prices import Commodity
from sannong.types.questions import Question
from sannong.types.search import SearchHit, SearchKind

# The type each kind's documents are shown as.
_NODES: dict[SearchKind, Callable[[dict[str, Any]], relay.Node]] = {
    SearchKind.ARTICLE: Article.from_doc,
    SearchKind.COMMODITY: Commodity.from_doc,
    SearchKind.LISTING: Listing.from_doc,
    SearchKind.QUESTION: Question.from_doc,
}


@strawberry.type
class SearchQuery:
    @strawberry.field(description="Chinese full-text search, segmented with jieba")
    async def search(
        self,
        info: strawberry.Info[Context],
        text: str,
        kinds: list[SearchKind] | None = None,
        first: int | None = 20,
    ) -> list[SearchHit]:
        hits = await rules.search(info.context.db, text, kinds, 20 if first is None else first)
        return [
            SearchHit(
                kind=hit.kind,
                title=hit.title,
                snippet=hit.snippet,
                score=hit.score,
                node=_NODES[hit.kind](hit.document),
            )
            for hit in hits
        ]
