"""`api/fast_fields.streamline` answers fields as strawberry's own resolvers do, and leaves
alone the fields whose resolvers it cannot replace (extensions, permissions)."""

from typing import Any

import strawberry
from graphql import GraphQLObjectType
from strawberry.extensions import FieldExtension
from strawberry.permission import BasePermission
from strawberry.schema.schema_converter import GraphQLCoreConverter

from sannong.api.execution.fast_fields import streamline
from sannong.api.schema import build_schema
from tests.conftest import settings_for_tests


class Shout(FieldExtension):
    def resolve(self, next_: Any, source: Any, info: strawberry.Info, **kwargs: Any) -> Any:
        return str(next_(source, info, **kwargs)).upper()


class NeverAllowed(BasePermission):
    message = "不允许"

    def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
        return False


@strawberry.input
class Span:
    start: int
    length: int = 2


@strawberry.type
class Item:
    code: str
    note: str = strawberry.field(name="remark")

    @strawberry.field
    def doubled(self, times: int = 2) -> str:
        return self.code * times

    @strawberry.field
    async def later(self, info: strawberry.Info) -> str:
        return f"{self.code}@{info.context['who']}"

    @strawberry.field
    @staticmethod
    def parented(parent: strawberry.Parent["Item"]) -> str:
        return parent.code

    @strawberry.field(extensions=[Shout()])
    def shouted(self) -> str:
        return self.code

    @strawberry.field(permission_classes=[NeverAllowed])
    def secret(self) -> str:
        return "秘密"


@strawberry.type
class Query:
    @strawberry.field
    def items(self, span: Span, id: strawberry.relay.GlobalID | None = None) -> list[Item]:
        codes = [f"{id.node_id if id else 'x'}{n}" for n in range(span.start, 10)]
        return [Item(code=code, note="备注") for code in codes[: span.length]]


QUERY = """query($span: Span!) {
  items(span: $span, id: "SXRlbTph") { code remark doubled(times: 3) later parented shouted }
}"""


def resolvers(schema: strawberry.Schema) -> dict[str, Any]:
    found = {}
    for graphql_type in schema._schema.type_map.values():
        if isinstance(graphql_type, GraphQLObjectType) and not graphql_type.name.startswith("__"):
            for name, field in graphql_type.fields.items():
                found[f"{graphql_type.name}.{name}"] = field.resolve
    return found


async def test_streamlined_fields_answer_as_strawberrys_own() -> None:
    plain, fast = strawberry.Schema(Query), strawberry.Schema(Query)
    assert streamline(fast) > 0
    context = {"who": "张三"}
    variables = {"span": {"start": 1}}
    expected = await plain.execute(QUERY, variables, context_value=context)
    found = await fast.execute(QUERY, variables, context_value=context)
    assert expected.errors is None
    assert (
        found.data
        == expected.data
        == {
            "items": [
                {
                    "code": "a1",
                    "remark": "备注",
                    "doubled": "a1a1a1",
                    "later": "a1@张三",
                    "parented": "a1",
                    "shouted": "A1",
                },
                {
                    "code": "a2",
                    "remark": "备注",
                    "doubled": "a2a2a2",
                    "later": "a2@张三",
                    "parented": "a2",
                    "shouted": "A2",
                },
            ]
        }
    )


async def test_extensions_and_permissions_keep_strawberrys_resolver() -> None:
    plain, fast = strawberry.Schema(Query), strawberry.Schema(Query)
    streamline(fast)
    before, after = resolvers(plain), resolvers(fast)
    for kept in ("Item.shouted", "Item.secret"):
        assert after[kept].__qualname__ == before[kept].__qualname__
        assert "_direct" not in after[kept].__qualname__
    for replaced in ("Item.code", "Item.doubled", "Item.later", "Query.items"):
        assert "_direct" in after[replaced].__qualname__
    result = await fast.execute("{ items(span: { start: 0 }) { secret } }")
    assert result.errors is not None and result.errors[0].message == "不允许"


def test_mutations_keep_their_rule_errors_extension() -> None:
    """Mutations turn `RuleError` into `userErrors` (`RuleErrorsAsPayload`, a field
    extension): none of those is streamlined; query fields are."""
    schema = build_schema(settings_for_tests())
    mutation = schema._schema.mutation_type
    assert mutation is not None
    extended = [
        field
        for field in mutation.fields.values()
        if field.extensions[GraphQLCoreConverter.DEFINITION_BACKREF].extensions
    ]
    assert len(extended) > 30
    for field in extended:
        assert "_direct" not in field.resolve.__qualname__  # type: ignore[union-attr]
    query = schema._schema.query_type
    assert query is not None
    assert "_direct" in query.fields["listings"].resolve.__qualname__  # type: ignore[union-attr]
