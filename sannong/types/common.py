"""Shapes every domain shares: connections, user errors, global IDs."""

from collections.abc import Awaitable, Callable, Iterable
from enum import Enum
from typing import Any, Self

import strawberry
from bson import ObjectId
from strawberry import relay

from sannong.db import object_id
from sannong.db.pagination import Page
from sannong.errors import BadUserInput


@strawberry.enum(description="Stable codes of business-rule failures in mutation payloads")
class UserErrorCode(Enum):
    INVALID = "INVALID"
    TOO_LONG = "TOO_LONG"
    REQUIRED = "REQUIRED"
    INVALID_PHONE = "INVALID_PHONE"
    WEAK_PASSWORD = "WEAK_PASSWORD"
    PHONE_TAKEN = "PHONE_TAKEN"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    UNKNOWN_REGION = "UNKNOWN_REGION"
    OUT_OF_SCOPE = "OUT_OF_SCOPE"
    NOT_FOUND = "NOT_FOUND"
    SOLD_OUT = "SOLD_OUT"
    NOT_AVAILABLE = "NOT_AVAILABLE"
    OWN_LISTING = "OWN_LISTING"
    BELOW_MINIMUM = "BELOW_MINIMUM"
    TOO_MANY_OPEN_ORDERS = "TOO_MANY_OPEN_ORDERS"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    TOO_MANY_PHOTOS = "TOO_MANY_PHOTOS"
    PHOTO_TOO_LARGE = "PHOTO_TOO_LARGE"
    UNSUPPORTED_PHOTO = "UNSUPPORTED_PHOTO"
    ALREADY_REPORTED = "ALREADY_REPORTED"
    UNKNOWN_COMMODITY = "UNKNOWN_COMMODITY"
    UNKNOWN_MARKET = "UNKNOWN_MARKET"
    WRONG_UNIT = "WRONG_UNIT"
    INVALID_PRICE = "INVALID_PRICE"
    INVALID_DATE = "INVALID_DATE"
    TOO_MANY_ROWS = "TOO_MANY_ROWS"
    DUPLICATE_ROW = "DUPLICATE_ROW"
    TOO_MANY = "TOO_MANY"


@strawberry.type(description="A business-rule failure: what, where, and a code for clients")
class UserError:
    field: str | None
    message: str
    code: UserErrorCode


class UserErrors(Exception):
    """Raised by domain rules, turned into `userErrors` by the mutation; nothing is stored."""

    def __init__(self, errors: Iterable[UserError]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(e.message for e in self.errors))

    @classmethod
    def one(cls, field: str | None, message: str, code: UserErrorCode) -> Self:
        return cls([UserError(field=field, message=message, code=code)])


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge[T]:
    cursor: str
    node: T


@strawberry.type
class Connection[T]:
    edges: list[Edge[T]]
    page_info: PageInfo
    count_total: strawberry.Private[Callable[[], Awaitable[int]] | None] = None

    @strawberry.field(description="Number of items matching the filter (one extra count)")
    async def total_count(self) -> int | None:
        return None if self.count_total is None else await self.count_total()

    @classmethod
    def from_page(
        cls,
        page: Page,
        node: Callable[[dict[str, Any]], T],
        count_total: Callable[[], Awaitable[int]] | None = None,
    ) -> Self:
        edges = [
            Edge(cursor=c, node=node(d)) for d, c in zip(page.documents, page.cursors, strict=True)
        ]
        return cls(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=page.has_previous_page,
                start_cursor=page.cursors[0] if page.cursors else None,
                end_cursor=page.cursors[-1] if page.cursors else None,
            ),
            count_total=count_total,
        )


def object_key(global_id: relay.GlobalID, type_name: str, field: str = "id") -> ObjectId | None:
    """The ObjectId inside a global ID of that type; None when the key is not one."""
    return object_id(node_key(global_id, type_name, field))


def node_key(global_id: relay.GlobalID, type_name: str, field: str = "id") -> str:
    """The database key inside a global ID, refusing an ID of another type."""
    if global_id.type_name != type_name:
        raise BadUserInput(f"ID 类型不符，应为 {type_name}", field=field)
    return global_id.node_id
