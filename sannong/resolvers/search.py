"""`search(text, kinds)`: one box for the articles, commodities and listings a farmer looks for."""

import strawberry

from sannong.context import Context
from sannong.errors import BadUserInput
from sannong.money import yuan_text
from sannong.rules.search import (
    focused,
    search_articles,
    search_commodities,
    search_listings,
    search_questions,
)
from sannong.text import query_tokens
from sannong.types.articles import Article
from sannong.types.market import Listing
from sannong.types.prices import Commodity
from sannong.types.questions import Question
from sannong.types.search import SearchHit, SearchKind

MAX_TEXT = 100
MAX_HITS = 50


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
        first = 20 if first is None else first
        if not 1 <= first <= MAX_HITS:
            raise BadUserInput(f"first 应在 1 到 {MAX_HITS} 之间", field="first")
        if len(text) > MAX_TEXT:
            raise BadUserInput(f"搜索内容不能超过 {MAX_TEXT} 个字", field="text")
        query = focused(query_tokens(text))
        if not query:
            return []
        wanted = set(kinds or SearchKind)
        db = info.context.db
        hits: list[SearchHit] = []
        if SearchKind.ARTICLE in wanted:
            for score, doc in await search_articles(db, query, first):
                hits.append(
                    SearchHit(
                        kind=SearchKind.ARTICLE,
                        title=doc["title"],
                        snippet=doc["summary"],
                        score=score,
                        node=Article.from_doc(doc),
                    )
                )
        if SearchKind.COMMODITY in wanted:
            for score, doc in await search_commodities(db, query, first):
                hits.append(
                    SearchHit(
                        kind=SearchKind.COMMODITY,
                        title=doc["name"],
                        snippet="、".join(doc.get("aliases", [])),
                        score=score,
                        node=Commodity.from_doc(doc),
                    )
                )
        if SearchKind.LISTING in wanted:
            for score, doc in await search_listings(db, query, first):
                price = yuan_text(doc["priceFen"], doc["unit"])
                hits.append(
                    SearchHit(
                        kind=SearchKind.LISTING,
                        title=doc["title"],
                        snippet=f"{doc['commodity']} {price}",
                        score=score,
                        node=Listing.from_doc(doc),
                    )
                )
        if SearchKind.QUESTION in wanted:
            for score, doc in await search_questions(db, query, first):
                answer = doc["answers"][0]["text"] if doc["answers"] else ""
                hits.append(
                    SearchHit(
                        kind=SearchKind.QUESTION,
                        title=f"{doc['crop']}：{doc['text'][:40]}",
                        snippet=answer[:80],
                        score=score,
                        node=Question.from_doc(doc),
                    )
                )
        hits.sort(key=lambda hit: hit.score, reverse=True)  # stable: kinds keep their order
        return hits[:first]
