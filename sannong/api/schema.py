"""Assembles the one schema from the domains' query and mutation types."""

from collections.abc import Callable

import strawberry
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry import relay
from strawberry.extensions import AddValidationRules, MaxTokensLimiter, SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from sannong.api.errors import CodedErrors
from sannong.api.limits import RequestLimits
from sannong.resolvers.accounts import AccountMutation, AccountQuery
from sannong.resolvers.alerts import AlertMutation, AlertQuery
from sannong.resolvers.articles import ArticleMutation, ArticleQuery
from sannong.resolvers.market import MarketMutation, MarketQuery, MarketSubscription
from sannong.resolvers.notifications import NotificationQuery
from sannong.resolvers.prices import PriceAlertQuery, PriceMutation, PriceQuery
from sannong.resolvers.regions import RegionQuery
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
)
MUTATIONS: tuple[type, ...] = (
    AccountMutation,
    PriceMutation,
    ArticleMutation,
    AlertMutation,
    MarketMutation,
)
SUBSCRIPTIONS: tuple[type, ...] = (MarketSubscription,)


def _query_type() -> type:
    # `relay.node()` is bound to the first schema it joins: a new one for every schema.
    @strawberry.type
    class NodeQuery:
        node: relay.Node | None = relay.node(description="Any object by its global ID")

    return merge_types("Query", (NodeQuery, *QUERIES))


def build_schema(settings: Settings) -> strawberry.Schema:
    # Factories: each request gets fresh extension instances (they keep per-request state).
    extensions: list[Callable[[], SchemaExtension]] = [
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: RequestLimits(
            max_depth=settings.max_depth,
            max_aliases=settings.max_aliases,
            max_cost=settings.max_cost,
        ),
        lambda: CodedErrors(debug=settings.debug),
    ]
    if not settings.debug:
        extensions.append(lambda: AddValidationRules([NoSchemaIntrospectionCustomRule]))
    return strawberry.Schema(
        query=_query_type(),
        mutation=merge_types("Mutation", MUTATIONS),
        subscription=merge_types("Subscription", SUBSCRIPTIONS),
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=not settings.debug),
    )
