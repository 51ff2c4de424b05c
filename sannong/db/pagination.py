"""One keyset pagination helper for every feed: sort key + `_id`, never skip/offset.

The cursor is an opaque base64 of `[sort value, _id]`. A decoded cursor is
checked to hold two plain values before it goes into a filter, so a crafted
cursor can never carry an operator.
"""

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bson import ObjectId, json_util

from sannong.db import Collection
from sannong.errors import BadUserInput

MAX_PAGE = 100
DEFAULT_PAGE = 20
_PLAIN = (str, int, float, datetime, ObjectId)


@dataclass
class Page:
    documents: list[dict[str, Any]]
    cursors: list[str]
    has_next_page: bool
    has_previous_page: bool


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE
    if not 1 <= first <= MAX_PAGE:
        raise BadUserInput(f"每页数量 first 应在 1 到 {MAX_PAGE} 之间", field="first")
    return first


def encode_cursor(value: Any, _id: Any) -> str:
    raw = json_util.dumps([value, _id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[Any, Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
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
    """One `find` with limit first+1; the sort (sort_key, _id) must be backed by an index."""
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
    documents = documents[:size]
    cursors = [encode_cursor(_sort_value(doc, sort_key), doc["_id"]) for doc in documents]
    return Page(documents, cursors, has_next, after is not None)


def _sort_value(document: dict[str, Any], sort_key: str) -> Any:
    value: Any = document
    for part in sort_key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value
