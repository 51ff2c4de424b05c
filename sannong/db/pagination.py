"""One keyset pagination helper for every feed: sort key + `_id`, never skip/offset.

The cursor is an opaque base64 of `[sort value, _id]` and its signature
(`sannong.signing`): a cursor the server did not make is refused before it is
decoded, so a forged one cannot reach the decoder or a filter. A decoded cursor
is still checked to hold two plain values before it goes into a filter.
"""

import base64
import binascii
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bson import ObjectId, json_util

from sannong import signing
from sannong.db import Collection
from sannong.errors import BadUserInput

MAX_PAGE = 100
DEFAULT_PAGE = 20
_PLAIN = (str, int, float, datetime, ObjectId)


@dataclass
class Page:
    documents: list[dict[str, Any]]
    has_next_page: bool
    has_previous_page: bool
    sort_key: str = "_id"
    # Counts every document of the filter (`totalCount`): one more command, only when asked.
    count: Callable[[], Awaitable[int]] | None = field(default=None, repr=False)

    def cursor(self, document: dict[str, Any]) -> str:
        """The cursor after `document`: made when asked for (signing costs, and most
        screens never ask)."""
        return encode_cursor(_sort_value(document, self.sort_key), document["_id"])

    def cursor_at(self, index: int) -> str | None:
        """The cursor after the document at `index` (-1: the last), None on an empty page."""
        return self.cursor(self.documents[index]) if self.documents else None

    @property
    def cursors(self) -> list[str]:
        return [self.cursor(document) for document in self.documents]


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE
    if not 1 <= first <= MAX_PAGE:
        raise BadUserInput(f"每页数量 first 应在 1 到 {MAX_PAGE} 之间", field="first")
    return first


def encode_cursor(value: Any, _id: Any) -> str:
    body = base64.urlsafe_b64encode(json_util.dumps([value, _id]).encode()).rstrip(b"=")
    return f"{body.decode()}.{signing.sign(body)}"


def decode_cursor(cursor: str) -> tuple[Any, Any]:
    body, _, signature = cursor.encode().rpartition(b".")
    if not body or not signing.verify(body, signature):
        raise BadUserInput("分页游标无效", field="after")
    try:
        raw = base64.urlsafe_b64decode(body + b"=" * (-len(body) % 4))
        value = json_util.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError) as error:
        raise BadUserInput("分页游标无效", field="after") from error
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(item is None or isinstance(item, _PLAIN) for item in value)
        or isinstance(value[0], bool)
    ):
        raise BadUserInput("分页游标无效", field="after")
    return value[0], value[1]


async def paginate(
    collection: Collection,
    query: dict[str, Any],
    *,
    sort_key: str = "_id",
    descending: bool = True,
    first: int | None = None,
    after: str | None = None,
    projection: dict[str, Any] | None = None,
) -> Page:
    """One `find` with limit first+1; the sort (sort_key, _id) must be backed by an index.
    The page counts `query` (without the cursor) when its `count` is called."""
    size = page_size(first)
    direction = -1 if descending else 1
    filters: list[dict[str, Any]] = [query] if query else []
    if after is not None:
        value, last_id = decode_cursor(after)
        beyond = "$lt" if descending else "$gt"
        if sort_key == "_id":
            filters.append({"_id": {beyond: last_id}})
        else:
            filters.append(
                {"$or": [{sort_key: {beyond: value}}, {sort_key: value, "_id": {beyond: last_id}}]}
            )
    match: dict[str, Any] = (
        filters[0] if len(filters) == 1 else {"$and": filters} if filters else {}
    )
    sort = (
        [(sort_key, direction)]
        if sort_key == "_id"
        else [(sort_key, direction), ("_id", direction)]
    )
    documents = await collection.find(match, projection, sort=sort, limit=size + 1).to_list()
    has_next = len(documents) > size
    return Page(
        documents[:size],
        has_next,
        after is not None,
        sort_key,
        count=lambda: collection.count_documents(query),
    )


def _sort_value(document: dict[str, Any], sort_key: str) -> Any:
    value: Any = document
    for part in sort_key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


@dataclass(frozen=True)
class ListQuery:
    """What a list screen reads: a filter document and its order (sort key + `_id`,
    backed by an index), as a visibility rule decides them."""

    query: dict[str, Any]
    sort_key: str = "_id"
    descending: bool = True

    async def page(
        self,
        collection: Collection,
        *,
        first: int | None,
        after: str | None,
        projection: dict[str, Any] | None = None,
    ) -> Page:
        return await paginate(
            collection,
            self.query,
            sort_key=self.sort_key,
            descending=self.descending,
            first=first,
            after=after,
            projection=projection,
        )
