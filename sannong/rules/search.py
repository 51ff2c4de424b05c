"""Chinese search: documents keep jieba tokens (`searchTokens`, multikey-indexed) and
`titleTokens`; a hit ranks by the query tokens in its title first, then anywhere.

Each searchable kind adds one function returning `(score, document)` pairs.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from sannong.db import Database, Document
from sannong.errors import BadUserInput
from sannong.money import yuan_text
from sannong.text import count_matches, query_tokens, tokens

# A title match outweighs every possible body match (queries have at most 12 tokens).
TITLE_WEIGHT = 16
CANDIDATES = 500  # the most recent matching documents that are ranked
MAX_TEXT = 100
MAX_HITS = 50


class SearchKind(Enum):
    ARTICLE = "ARTICLE"
    COMMODITY = "COMMODITY"
    LISTING = "LISTING"
    QUESTION = "QUESTION"  # answered questions, without who asked


@dataclass(frozen=True)
class Hit:
    kind: SearchKind
    title: str
    snippet: str
    score: int
    document: Document


def focused(query: list[str]) -> list[str]:
    """Drops the pieces jieba's search mode adds inside a longer query word: 稻瘟病 also gives
    瘟病, which would find 姜瘟病. Documents keep every piece, so the whole word still matches."""
    return [t for t in query if not any(t != other and t in other for other in query)]


def score(query: list[str], title_tokens: list[str], all_tokens: list[str]) -> int:
    return TITLE_WEIGHT * count_matches(query, title_tokens) + count_matches(query, all_tokens)


async def search_articles(
    db: Database, query: list[str], limit: int
) -> list[tuple[int, dict[str, Any]]]:
    candidates = await db.articles.find(  # index articles(searchTokens)
        {"searchTokens": {"$in": query}},
        {"titleTokens": 1, "searchTokens": 1, "publishedAt": 1},
        sort=[("publishedAt", -1)],
        limit=CANDIDATES,
    ).to_list()
    ranked = sorted(
        candidates,
        key=lambda d: (score(query, d["titleTokens"], d["searchTokens"]), d["publishedAt"]),
        reverse=True,
    )[:limit]
    scores = {d["_id"]: score(query, d["titleTokens"], d["searchTokens"]) for d in ranked}
    docs = await db.articles.find(
        {"_id": {"$in": list(scores)}}, {"titleTokens": 0, "searchTokens": 0}
    ).to_list()
    by_id = {d["_id"]: d for d in docs}
    return [(scores[d["_id"]], by_id[d["_id"]]) for d in ranked if d["_id"] in by_id]


async def search_commodities(
    db: Database, query: list[str], limit: int
) -> list[tuple[int, dict[str, Any]]]:
    docs = await db.commodities.find(  # index commodities(searchTokens)
        {"searchTokens": {"$in": query}}, sort=[("order", 1)], limit=limit
    ).to_list()
    # The name is the commodity's title: a match on it is a title match.
    return [(TITLE_WEIGHT * count_matches(query, d["searchTokens"]), d) for d in docs]


async def search_listings(
    db: Database, query: list[str], limit: int
) -> list[tuple[int, dict[str, Any]]]:
    """Listings on sale; the commodity and title count as the title."""
    candidates = await db.listings.find(  # index listings(searchTokens, status, _id)
        {"searchTokens": {"$in": query}, "status": "ACTIVE"},
        sort=[("_id", -1)],
        limit=CANDIDATES,
    ).to_list()

    def listing_score(doc: dict[str, Any]) -> int:
        return score(query, tokens(doc["commodity"], doc["title"]), doc["searchTokens"])

    ranked = sorted(candidates, key=lambda d: (listing_score(d), d["_id"]), reverse=True)
    return [(listing_score(d), d) for d in ranked[:limit]]


async def search_questions(
    db: Database, query: list[str], limit: int
) -> list[tuple[int, dict[str, Any]]]:
    """Answered questions; the crop and the question count as the title. Who asked is
    not read: a hit carries no one's identity."""
    candidates = await db.questions.find(  # index questions(searchTokens, status)
        {"searchTokens": {"$in": query}, "status": "ANSWERED"},
        {"askerId": 0, "regionId": 0, "path": 0},
        sort=[("answeredAt", -1)],
        limit=CANDIDATES,
    ).to_list()

    def question_score(doc: dict[str, Any]) -> int:
        return score(query, tokens(doc["crop"], doc["text"]), doc["searchTokens"])

    ranked = sorted(candidates, key=lambda d: (question_score(d), d["answeredAt"]), reverse=True)
    return [(question_score(d), d) for d in ranked[:limit]]


async def search(
    db: Database, text: str, kinds: Iterable[SearchKind] | None, first: int
) -> list[Hit]:
    """The best `first` hits of every kind asked for (default all), best first; of equal
    scores, the kinds in their order."""
    if not 1 <= first <= MAX_HITS:
        raise BadUserInput(f"first 应在 1 到 {MAX_HITS} 之间", field="first")
    if len(text) > MAX_TEXT:
        raise BadUserInput(f"搜索内容不能超过 {MAX_TEXT} 个字", field="text")
    query = focused(query_tokens(text))
    if not query:
        return []
    wanted = set(kinds or SearchKind)
    hits: list[Hit] = []
    if SearchKind.ARTICLE in wanted:
        hits += [
            Hit(SearchKind.ARTICLE, doc["title"], doc["summary"], score, doc)
            for score, doc in await search_articles(db, query, first)
        ]
    if SearchKind.COMMODITY in wanted:
        hits += [
            Hit(SearchKind.COMMODITY, doc["name"], "、".join(doc.get("aliases", [])), score, doc)
            for score, doc in await search_commodities(db, query, first)
        ]
    if SearchKind.LISTING in wanted:
        hits += [
            Hit(SearchKind.LISTING, doc["title"], _listing_snippet(doc), score, doc)
            for score, doc in await search_listings(db, query, first)
        ]
    if SearchKind.QUESTION in wanted:
        hits += [
            Hit(SearchKind.QUESTION, f"{doc['crop']}：{doc['text'][:40]}", _answer(doc), score, doc)
            for score, doc in await search_questions(db, query, first)
        ]
    hits.sort(key=lambda hit: hit.score, reverse=True)  # stable: kinds keep their order
    return hits[:first]


def _listing_snippet(doc: Document) -> str:
    return f"{doc['commodity']} {yuan_text(doc['priceFen'], doc['unit'])}"


def _answer(question: Document) -> str:
    """The start of a question's first answer."""
    return question["answers"][0]["text"][:80] if question["answers"] else ""
