"""Chinese text segmentation for search: tokens are stored on documents and indexed.

MongoDB's text index does not segment Chinese, so every searchable document
keeps `searchTokens` (jieba's search-engine mode, lower-cased, without
punctuation and one-character function words) behind a multikey index.
"""

import logging
import re
from collections.abc import Iterable

import jieba

jieba.setLogLevel(logging.WARNING)
_WORD = re.compile(r"[\w]", re.UNICODE)
_STOP = frozenset("的了和与及在是对把被或等也就都而之其为以于从到个这那")


def warm_up() -> None:
    """Loads jieba's dictionary (about 0.6 s), so the first request does not wait for it."""
    jieba.initialize()


def tokens(*texts: str | None) -> list[str]:
    """Distinct search tokens of the texts, in first-seen order."""
    seen: dict[str, None] = {}
    for text in texts:
        if not text:
            continue
        for token in jieba.cut_for_search(text):
            token = token.strip().lower()
            if token and _WORD.search(token) and token not in _STOP:
                seen.setdefault(token, None)
    return list(seen)


def query_tokens(text: str, limit: int = 12) -> list[str]:
    """Tokens of a search box entry; capped so one query cannot ask for hundreds of terms."""
    return tokens(text)[:limit]


def count_matches(query: Iterable[str], document_tokens: Iterable[str]) -> int:
    have = set(document_tokens)
    return sum(1 for token in query if token in have)
