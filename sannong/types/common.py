"""Shapes every domain shares: connections, user errors, global IDs."""

from collections.abc import Awaitable, Callable, Iterable
from enum import Enum
from typing import Any, ClassVar, Self

import strawberry
from bson import ObjectId
from strawberry import relay
from strawberry.extensions import FieldExtension
from strawberry.extensions.field_extension import AsyncExtensionResolver
from strawberry.types.field import StrawberryField

from sannong.db import object_id
from sannong.db.pagination import Page
from sannong.errors import BadUserInput, Failure, InputErrorCode, RuleError
from sannong.loaders import ById
from sannong.media import AttachmentErrorCode, PhotoErrorCode
from sannong.rules.accounts import AccountErrorCode
from sannong.rules.articles import ArticleErrorCode
from sannong.rules.audit import AuditAction, audited
from sannong.rules.consultations import ConsultationErrorCode
from sannong.rules.experts import ExpertErrorCode
from sannong.rules.feedback import FeedbackErrorCode
from sannong.rules.finance import FinanceErrorCode
from sannong.rules.lectures import LectureErrorCode
from sannong.rules.market import ListingErrorCode, OrderErrorCode
from sannong.rules.notices import NoticeErrorCode
from sannong.rules.prices import PriceErrorCode
from sannong.rules.questions import QuestionErrorCode
from sannong.rules.regions import RegionErrorCode


def _union_of_codes(*enums: type[Enum]) -> type[Enum]:
    """One GraphQL enum of every domain's codes: a new domain adds its enum here, nothing else."""
    values = dict.fromkeys(member.value for enum in enums for member in enum)
    return Enum("UserErrorCode", {value: value for value in values})  # type: ignore[return-value]


UserErrorCode = strawberry.enum(
    _union_of_codes(
        InputErrorCode,
        AccountErrorCode,
        RegionErrorCode,
        ListingErrorCode,
        OrderErrorCode,
        PhotoErrorCode,
        PriceErrorCode,
        ArticleErrorCode,
        ExpertErrorCode,
        QuestionErrorCode,
        ConsultationErrorCode,
        LectureErrorCode,
        NoticeErrorCode,
        FinanceErrorCode,
        AttachmentErrorCode,
        FeedbackErrorCode,
    ),
    description="Stable codes of business-rule failures in mutation payloads",
)


@strawberry.type(description="A business-rule failure: what, where, and a code for clients")
class UserError:
    field: str | None
    message: str
    code: UserErrorCode  # type: ignore[valid-type]

    @classmethod
    def from_failure(cls, failure: Failure) -> Self:
        return cls(
            field=failure.field, message=failure.message, code=UserErrorCode(failure.code.value)
        )


class RuleErrorsAsPayload(FieldExtension):
    """A `RuleError` raised by the mutation becomes its payload's `userErrors`; an admin
    action (`audit`) is written to the audit log, done or refused."""

    def __init__(self, audit: AuditAction | None = None) -> None:
        self.audit = audit

    def apply(self, field: StrawberryField) -> None:
        self.payload: Any = field.type  # one extension instance per mutation field

    async def resolve_async(
        self, next_: AsyncExtensionResolver, source: Any, info: strawberry.Info, **kwargs: Any
    ) -> Any:
        actor = await info.context.viewer() if self.audit else None
        try:
            async with audited(info.context.db, actor, self.audit):
                return await next_(source, info, **kwargs)
        except RuleError as refused:
            return self.payload(user_errors=[UserError.from_failure(f) for f in refused.failures])


def mutation(description: str, *, audit: AuditAction | None = None) -> Any:
    """`strawberry.mutation` whose rule failures come back as `userErrors` of its payload;
    with `audit`, an admin action logged with its outcome (`rules.audit`)."""
    return strawberry.mutation(description=description, extensions=[RuleErrorsAsPayload(audit)])


# Cursors are signed (`db.pagination`): made only when a client selects them.
def _start_cursor(root: "PageInfo") -> str | None:
    return root.page.cursor_at(0)


def _end_cursor(root: "PageInfo") -> str | None:
    return root.page.cursor_at(-1)


def _edge_cursor(root: "Edge[Any]") -> str:
    return root.page.cursor(root.document)


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None = strawberry.field(resolver=_start_cursor)
    end_cursor: str | None = strawberry.field(resolver=_end_cursor)
    page: strawberry.Private[Page]


@strawberry.type
class Edge[T]:
    cursor: str = strawberry.field(resolver=_edge_cursor)
    node: T
    document: strawberry.Private[dict[str, Any]]
    page: strawberry.Private[Page]


@strawberry.type
class Connection[T]:
    edges: list[Edge[T]]
    page_info: PageInfo
    count_total: strawberry.Private[Callable[[], Awaitable[int]] | None] = None

    @strawberry.field(description="Number of items matching the filter (one extra count)")
    async def total_count(self) -> int | None:
        return None if self.count_total is None else await self.count_total()

    @classmethod
    def from_page(cls, page: Page, node: Callable[[dict[str, Any]], T]) -> Self:
        """The connection of a page a rule read; `totalCount` calls the page's count."""
        return cls(
            edges=[Edge(node=node(d), document=d, page=page) for d in page.documents],
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=page.has_previous_page,
                page=page,
            ),
            count_total=page.count,
        )


def object_key(global_id: relay.GlobalID, type_name: str, field: str = "id") -> ObjectId | None:
    """The ObjectId inside a global ID of that type; None when the key is not one."""
    return object_id(node_key(global_id, type_name, field))


def node_key(global_id: relay.GlobalID, type_name: str, field: str = "id") -> str:
    """The database key inside a global ID, refusing an ID of another type."""
    if global_id.type_name != type_name:
        raise BadUserInput(f"ID 类型不符，应为 {type_name}", field=field)
    return global_id.node_id


class DocumentNode(relay.Node):
    """A relay node stored as one document: how it loads, reads and who may see it, once.

    A type names its loader and writes `from_doc`; `node(id:)`, the `load` of
    related objects and the visibility rule all go through here.
    """

    loader: ClassVar[type[ById]]

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Self:
        raise NotImplementedError

    @classmethod
    async def visible_to(cls, info: strawberry.Info, doc: dict[str, Any]) -> bool:
        return True

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: strawberry.Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        docs = await cls.loader.of(info.context).load_node_keys(node_ids)
        return [await cls._shown(info, doc) for doc in docs]

    @classmethod
    async def load(cls, info: strawberry.Info, key: Any) -> Self | None:
        """The object a document refers to, or None when it is gone or not for this viewer."""
        if key is None:
            return None
        return await cls._shown(info, await cls.loader.of(info.context).load(key))

    @classmethod
    async def load_many(cls, info: strawberry.Info, keys: Iterable[Any]) -> list[Self]:
        docs = await cls.loader.of(info.context).load_many(list(keys))
        return [node for doc in docs if (node := await cls._shown(info, doc)) is not None]

    @classmethod
    async def _shown(cls, info: strawberry.Info, doc: dict[str, Any] | None) -> Self | None:
        if doc is None or not await cls.visible_to(info, doc):
            return None
        return cls.from_doc(doc)
