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
    }
    assert {key: signature(schema, *key) for key in expected} == expected
    assert list(schema.get_type("Role").values) == [  # type: ignore[union-attr]
        "FARMER",
        "EXPERT",
        "TOWNSHIP_ADMIN",
        "PLATFORM_ADMIN",
    ]
