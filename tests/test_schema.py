from pathlib import Path

from graphql import GraphQLSchema, build_ast_schema, parse

from sannong.api.schema import build_schema
from tests.conftest import settings_for_tests

SCHEMA_FILE = Path(__file__).parent.parent / "schema.graphql"


def test_exported_schema_matches_the_code() -> None:
    exported = SCHEMA_FILE.read_text(encoding="utf-8")
    current = build_schema(settings_for_tests()).as_str() + "\n"
    assert exported == current, "schema.graphql is stale: run `make schema` and commit it"


def signature(schema: GraphQLSchema, type_name: str, field: str) -> str:
    definition = schema.get_type(type_name).fields[field]  # type: ignore[union-attr]
    args = ", ".join(f"{name}: {arg.type}" for name, arg in definition.args.items())
    return f"{field}({args}): {definition.type}" if args else f"{field}: {definition.type}"


def test_contract_names_are_in_the_schema() -> None:
    schema = build_ast_schema(parse(SCHEMA_FILE.read_text(encoding="utf-8")))
    expected = {
        ("Query", "node"): "node(id: ID!): Node",
        ("Query", "me"): "me: User",
        ("Query", "regions"): "regions(parentId: ID, level: RegionLevel): [Region!]!",
        ("Mutation", "register"): "register(input: RegisterInput!): AuthPayload!",
        ("Mutation", "login"): "login(input: LoginInput!): AuthPayload!",
        ("Mutation", "logout"): "logout: Boolean!",
        ("Mutation", "updateProfile"): "updateProfile(input: UpdateProfileInput!): UserPayload!",
        ("Mutation", "grantRole"): "grantRole(input: GrantRoleInput!): UserPayload!",
        # agricultural information
        ("Query", "commodities"): "commodities(category: CommodityCategory): [Commodity!]!",
        ("Query", "latestPrices"): "latestPrices(commodityIds: [ID!], regionId: ID, first: Int, "
        "after: String): PriceQuoteConnection!",
        ("Query", "priceHistory"): "priceHistory(commodityId: ID!, marketId: ID, days: Int): "
        "PriceSeries!",
        ("Query", "alerts"): "alerts(regionId: ID, activeOnly: Boolean): [Alert!]!",
        ("Query", "articles"): "articles(filter: ArticleFilter, first: Int, after: String): "
        "ArticleConnection!",
        ("Query", "search"): "search(text: String!, kinds: [SearchKind!], first: Int): "
        "[SearchHit!]!",
        ("Mutation", "followCommodities"): "followCommodities(input: FollowCommoditiesInput!): "
        "UserPayload!",
        ("Mutation", "publishArticle"): "publishArticle(input: PublishArticleInput!): "
        "ArticlePayload!",
        ("Mutation", "reportPrices"): "reportPrices(input: ReportPricesInput!): "
        "ReportPricesPayload!",
        ("Mutation", "createAlert"): "createAlert(input: CreateAlertInput!): AlertPayload!",
        # produce marketplace
        ("Query", "listings"): "listings(filter: ListingFilter, sort: ListingSort, first: Int, "
        "after: String): ListingConnection!",
        ("Query", "myOrders"): "myOrders(role: OrderRole!, status: OrderStatus, first: Int, "
        "after: String): OrderConnection!",
        **{
            ("Mutation", name): f"{name}(input: {name[0].upper()}{name[1:]}Input!): {payload}!"
            for name, payload in [
                ("createListing", "ListingPayload"),
                ("updateListing", "ListingPayload"),
                ("closeListing", "ListingPayload"),
                ("placeOrder", "OrderPayload"),
                ("respondToOrder", "OrderPayload"),
                ("cancelOrder", "OrderPayload"),
                ("completeOrder", "OrderPayload"),
            ]
        },
        ("Subscription", "orderUpdated"): "orderUpdated: Order!",
    }
    assert {key: signature(schema, *key) for key in expected} == expected
    assert list(schema.get_type("Role").values) == [  # type: ignore[union-attr]
        "FARMER",
        "EXPERT",
        "TOWNSHIP_ADMIN",
        "PLATFORM_ADMIN",
    ]


def test_every_rule_error_code_is_in_the_public_enum() -> None:
    """A domain's code missing from `UserErrorCode` would turn its refusal into a crash."""
    import importlib
    import pkgutil
    from enum import Enum

    import sannong
    from sannong.types.common import UserErrorCode

    public = {member.value for member in UserErrorCode}
    found: dict[str, set[str]] = {}
    for module in pkgutil.walk_packages(sannong.__path__, "sannong."):
        for name, value in vars(importlib.import_module(module.name)).items():
            rule_codes = name.endswith("ErrorCode") and name != "ErrorCode"  # not the API's
            if rule_codes and isinstance(value, type) and issubclass(value, Enum):
                found[name] = {member.value for member in value}
    assert {"InputErrorCode", "ListingErrorCode", "OrderErrorCode", "AccountErrorCode"} <= set(
        found
    )
    missing = {name: codes - public for name, codes in found.items() if codes - public}
    assert missing == {}
