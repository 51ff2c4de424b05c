"""Assembles the one schema from the domains' query and mutation types."""

import inspect
from collections.abc import Callable
from typing import Annotated

import strawberry
from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from starlette.datastructures import UploadFile
from strawberry import relay
from strawberry.extensions import AddValidationRules, MaxTokensLimiter, SchemaExtension
from strawberry.file_uploads import Upload
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.types.cast import cast as strawberry_cast
from strawberry.types.scalar import ScalarDefinition, scalar

from sannong.api.errors import CodedErrors
from sannong.api.execution import RememberedNames, executor_class, streamline
from sannong.api.limits import DocumentCache, Limits, RequestValidation
from sannong.errors import NotFound
from sannong.resolvers.accounts import AccountMutation, AccountQuery
from sannong.resolvers.alerts import AlertMutation, AlertQuery
from sannong.resolvers.articles import ArticleMutation, ArticleQuery
from sannong.resolvers.audit import AuditQuery
from sannong.resolvers.consultations import (
    ConsultationMutation,
    ConsultationQuery,
    ConsultationSubscription,
)
from sannong.resolvers.experts import ExpertMutation, ExpertQuery
from sannong.resolvers.feedback import FeedbackMutation, FeedbackQuery
from sannong.resolvers.market import MarketMutation, MarketQuery, MarketSubscription
from sannong.resolvers.notices import NoticeMutation, NoticeQuery, NoticeSubscription
from sannong.resolvers.notifications import NotificationMutation, NotificationQuery
from sannong.resolvers.people import PeopleQuery
from sannong.resolvers.prices import PriceAlertQuery, PriceMutation, PriceQuery
from sannong.resolvers.regions import RegionMutation, RegionQuery
from sannong.resolvers.search import SearchQuery
from sannong.settings import Settings

QUERIES: tuple[type, ...] = (
    AccountQuery,
    RegionQuery,
    PriceQuery,
    PriceAlertQuery,
    ArticleQuery,
    AlertQuery,
    SearchQuery,
    NotificationQuery,
    MarketQuery,
    PeopleQuery,
    ExpertQuery,
    ConsultationQuery,
    NoticeQuery,
    FeedbackQuery,
    AuditQuery,
)
MUTATIONS: tuple[type, ...] = (
    AccountMutation,
    PriceMutation,
    ArticleMutation,
    AlertMutation,
    MarketMutation,
    NotificationMutation,
    ExpertMutation,
    ConsultationMutation,
    NoticeMutation,
    FeedbackMutation,
    RegionMutation,
)
SUBSCRIPTIONS: tuple[type, ...] = (
    MarketSubscription,
    ConsultationSubscription,
    NoticeSubscription,
)


async def _node(
    info: strawberry.Info,
    id: Annotated[relay.GlobalID, strawberry.argument(description="The ID of the object.")],
) -> relay.Node | None:
    """One NOT_FOUND for every ID that names no visible object, whatever its type name:
    a made-up type, the `Node` interface itself, another kind of type, a missing or
    hidden object all answer alike, so the answer tells nothing about the schema."""
    definition = info.schema.get_type_by_name(id.type_name)
    node_type = definition.origin if isinstance(definition, StrawberryObjectDefinition) else None
    if (
        node_type is None
        or definition.is_interface  # type: ignore[union-attr]
        or not (isinstance(node_type, type) and issubclass(node_type, relay.Node))
    ):
        raise NotFound()
    found = node_type.resolve_node(id.node_id, info=info, required=False)
    if inspect.isawaitable(found):
        found = await found
    if found is None:
        raise NotFound()
    return strawberry_cast(node_type, found)


def _query_type() -> type:
    @strawberry.type
    class NodeQuery:
        node: relay.Node | None = strawberry.field(
            resolver=_node, description="Any object by its global ID"
        )

    return merge_types("Query", (NodeQuery, *QUERIES))


def _uploaded_file(value: object) -> UploadFile:
    """Only a file part of a multipart request is an upload. Strawberry's own scalar lets
    any JSON value through, and a string then failed inside the resolver as an internal
    error; refused here, it is a variable that does not fit its type: BAD_USER_INPUT."""
    if not isinstance(value, UploadFile):
        raise ValueError("此处应为上传的文件（multipart 请求中的文件），不能是文字或数字")
    return value


UPLOAD_SCALAR: ScalarDefinition = scalar(
    name="Upload",
    description="Represents a file upload.",
    serialize=lambda value: value,
    parse_value=_uploaded_file,
)


class SannongSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Strawberry's default logs each error with the query text and variables;
        # `CodedErrors` logs through the JSON logger instead (see `sannong.api.errors`).
        return None


def build_schema(settings: Settings) -> strawberry.Schema:
    limits = Limits(
        max_depth=settings.max_depth,
        max_aliases=settings.max_aliases,
        max_cost=settings.max_cost,
        max_fields=settings.max_fields,
    )
    documents = DocumentCache(limits, hide_suggestions=not settings.debug)
    # Factories: each request gets fresh extension instances (they keep per-request state).
    extensions: list[Callable[[], SchemaExtension]] = [
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: RequestValidation(documents),
        lambda: CodedErrors(debug=settings.debug),
    ]
    if not settings.debug:
        extensions.append(lambda: AddValidationRules([NoSchemaIntrospectionCustomRule]))
    schema = SannongSchema(
        query=_query_type(),
        mutation=merge_types("Mutation", MUTATIONS),
        subscription=merge_types("Subscription", SUBSCRIPTIONS),
        extensions=extensions,
        config=StrawberryConfig(
            disable_field_suggestions=not settings.debug, name_converter=RememberedNames()
        ),
        scalar_overrides={Upload: UPLOAD_SCALAR},
        execution_context_class=executor_class(
            planned=settings.execution_plans, hide_suggestions=not settings.debug
        ),
    )
    streamline(schema)
    return schema
