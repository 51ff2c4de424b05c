"""`api/execution/plans.py` answers as graphql-core does: the same data, the same errors at the same
paths, the same nulls propagated; and the API keeps one plan per repeated operation."""

import asyncio
from enum import Enum
from typing import Annotated, Any

import pytest
import strawberry
from starlette.applications import Starlette
from strawberry.extensions import ParserCache

from sannong.api.execution.fast_fields import streamline
from sannong.api.execution.plans import PLANS_PER_OPERATION, PlannedExecutor, executor_class
from sannong.api.graphql import GraphQLView
from tests.factories import Api, village_id
from tests.market import create_listing


@strawberry.interface
class Thing:
    id: strawberry.ID


@strawberry.type
class Fruit(Thing):
    name: str
    tags: list[str]

    @strawberry.field
    async def ripe(self) -> bool:
        await asyncio.sleep(0)
        return self.name != "青杏"


@strawberry.type
class Tool(Thing):
    weight: int


@strawberry.enum
class Size(Enum):
    SMALL = "small"
    BIG = "big"


@strawberry.type
class Box:
    label: str
    size: Size
    ratio: float

    @strawberry.field
    async def things(self, info: strawberry.Info) -> list[Thing]:
        await asyncio.sleep(0)
        return [
            Fruit(id=strawberry.ID(f"{self.label}1"), name="苹果", tags=["甜", "脆"]),
            Tool(id=strawberry.ID(f"{self.label}2"), weight=3),
            Fruit(id=strawberry.ID(f"{self.label}3"), name="青杏", tags=[]),
        ]

    @strawberry.field
    def broken(self) -> str | None:
        raise ValueError("坏了")

    @strawberry.field
    async def must(self) -> str:
        raise ValueError("必需的字段出错")

    @strawberry.field
    def fails_now(self) -> str:
        raise ValueError("立即出错")

    @strawberry.field
    def nothing(self) -> str:
        return None  # type: ignore[return-value]  # a resolver breaking its promise

    @strawberry.field
    def numbers(self) -> list[int | None]:
        return [1, ValueError("第二个数出错"), 3]  # type: ignore[list-item]  # as a DataLoader can

    @strawberry.field
    async def counted(self, times: int = 2) -> list[int]:
        return list(range(times))


Found = Annotated[Fruit | Tool, strawberry.union("Found")]


@strawberry.type
class Query:
    @strawberry.field
    def boxes(self, first: int) -> list[Box]:
        return [Box(label=label, size=Size.BIG, ratio=0.5) for label in "abc"[:first]]

    @strawberry.field
    async def box(self, label: str) -> Box | None:
        return Box(label=label, size=Size.SMALL, ratio=1.25) if label in "abc" else None

    @strawberry.field
    def found(self) -> list[Found]:
        return [
            Tool(id=strawberry.ID("t"), weight=7),
            Fruit(id=strawberry.ID("f"), name="梨", tags=[]),
        ]


DOCUMENTS: list[tuple[str, dict[str, Any]]] = [
    (
        """query($n: Int!, $withTags: Boolean!) {
          boxes(first: $n) { __typename label size ratio counted(times: 3)
            things { __typename id ... on Fruit { name ripe tags @include(if: $withTags) }
                     ... on Tool { weight } }
            broken } }""",
        {"n": 2, "withTags": True},
    ),
    ("query($n: Int!) { boxes(first: $n) { label } }", {"n": 3}),
    ('{ box(label: "a") { label must } other: box(label: "b") { label } }', {}),
    ('{ box(label: "a") { label nothing } }', {}),
    ("{ boxes(first: 2) { label must } }", {}),
    ('{ box(label: "a") { things { id } counted failsNow } }', {}),
    ('{ box(label: "c") { numbers } none: box(label: "z") { label } }', {}),
    (
        """{ a: box(label: "a") { ...Parts } b: box(label: "b") { ...Parts } }
        fragment Parts on Box { label size things { id } }""",
        {},
    ),
    ("{ found { __typename ... on Fruit { name } ... on Tool { weight } } }", {}),
]


def schemas() -> tuple[strawberry.Schema, strawberry.Schema]:
    made = []
    for planned in (False, True):
        parsed = ParserCache()
        schema = strawberry.Schema(
            Query,
            types=[Fruit, Tool],
            execution_context_class=executor_class(planned=planned, hide_suggestions=True),
            # One parse cache for every request: a repeated text gives the same operation
            # node, as the API's document cache does.
            extensions=[lambda parsed=parsed: parsed],
        )
        streamline(schema)
        made.append(schema)
    return made[0], made[1]


def answer(result: Any) -> dict[str, Any]:
    errors = [
        (e.message, e.path, [(loc.line, loc.column) for loc in e.locations or []])
        for e in result.errors or []
    ]
    return {"data": result.data, "errors": sorted(errors, key=str)}


def plans_of(schema: strawberry.Schema) -> Any:
    """The schema's plans; None when graphql-core runs everything."""
    executor = schema.execution_context_class
    return executor.plans if issubclass(executor, PlannedExecutor) else None


@pytest.mark.parametrize(("document", "variables"), DOCUMENTS)
async def test_a_plan_answers_as_graphql_core(document: str, variables: dict[str, Any]) -> None:
    core, planned = schemas()
    expected = answer(await core.execute(document, variables))
    found = answer(await planned.execute(document, variables))
    assert found == expected
    assert plans_of(core) is None
    assert len(plans_of(planned).operations) == 1  # it did run from a plan


async def test_answers_and_errors_in_detail() -> None:
    """What both executors agree on, spelled out (they could agree on a wrong answer)."""
    _, planned = schemas()
    document, variables = DOCUMENTS[0]
    result = await planned.execute(document, variables)
    box = result.data["boxes"][0]
    assert box["__typename"] == "Box" and box["size"] == "BIG" and box["ratio"] == 0.5
    assert box["counted"] == [0, 1, 2]
    assert box["things"] == [
        {"__typename": "Fruit", "id": "a1", "name": "苹果", "ripe": True, "tags": ["甜", "脆"]},
        {"__typename": "Tool", "id": "a2", "weight": 3},
        {"__typename": "Fruit", "id": "a3", "name": "青杏", "ripe": False, "tags": []},
    ]
    assert box["broken"] is None
    assert [(e.message, e.path) for e in result.errors] == [
        ("坏了", ["boxes", 0, "broken"]),
        ("坏了", ["boxes", 1, "broken"]),
    ]
    without_tags = await planned.execute(document, {**variables, "withTags": False})
    assert "tags" not in without_tags.data["boxes"][0]["things"][0]

    propagated = await planned.execute(DOCUMENTS[2][0])
    assert propagated.data == {"box": None, "other": {"label": "b"}}
    assert [(e.message, e.path) for e in propagated.errors] == [("必需的字段出错", ["box", "must"])]
    broken_promise = await planned.execute(DOCUMENTS[3][0])
    assert broken_promise.data == {"box": None}
    assert broken_promise.errors[0].message == (
        "Cannot return null for non-nullable field Box.nothing."
    )
    to_the_root = await planned.execute(DOCUMENTS[4][0])
    assert to_the_root.data is None
    siblings_started = await planned.execute(DOCUMENTS[5][0])  # async siblings first
    assert siblings_started.data == {"box": None}
    assert [(e.message, e.path) for e in siblings_started.errors] == [
        ("立即出错", ["box", "failsNow"])
    ]
    items = await planned.execute(DOCUMENTS[6][0])
    assert items.data == {"box": {"numbers": [1, None, 3]}, "none": None}
    assert [(e.message, e.path) for e in items.errors] == [("第二个数出错", ["box", "numbers", 1])]


async def test_what_a_plan_does_not_cover_runs_through_graphql_core() -> None:
    _, planned = schemas()
    introspection = await planned.execute('{ __type(name: "Box") { name } }')
    assert introspection.data == {"__type": {"name": "Box"}}
    again = await planned.execute('{ __type(name: "Box") { name } }')
    assert again.data == introspection.data
    known = plans_of(planned).operations
    assert [each.plans for each in known.values()] == [{(): None}]  # known, and no plan


HOME = """query($village: ID!, $n: Int) {
  me { name unreadNoticeCount followedCommodities { name } }
  notices(regionId: $village, first: $n) { edges { node { id title read } } }
  listings(filter: { regionId: $village }, first: $n) {
    edges { cursor node { id title price seller { name } } } pageInfo { endCursor } }
}"""


def plans_of_app(app: Starlette) -> Any:
    view = next(r.app for r in app.routes if isinstance(getattr(r, "app", None), GraphQLView))
    return plans_of(view.schema)


@pytest.mark.usefixtures("catalog")
async def test_the_api_plans_a_repeated_document_once(api: Api, app: Starlette) -> None:
    for n in range(3):
        await create_listing(api, await api.person(), title=f"大白菜{n}")
    farmer = await api.person()
    variables = {"village": village_id("孙家集村"), "n": 2}
    first = await api.gql(HOME, variables, as_=farmer)
    operations = plans_of_app(app).operations
    home = next(
        each for each in operations.values() if "notices" in str(each.operation.loc.source.body)
    )
    plan = home.plans[()]
    again = await api.gql(HOME, variables, as_=farmer)
    assert "errors" not in first and again == first
    assert home.plans == {(): plan}  # the same plan served the second request
    edges = first["data"]["listings"]["edges"]
    assert [e["node"]["title"] for e in edges] == ["大白菜2", "大白菜1"]
    assert first["data"]["listings"]["pageInfo"]["endCursor"] == edges[-1]["cursor"]
    following = await api.gql(
        "query($a: String) { listings(first: 2, after: $a) { edges { node { title } } } }",
        {"a": edges[-1]["cursor"]},
        as_=farmer,
    )
    assert [e["node"]["title"] for e in following["data"]["listings"]["edges"]][:1] == ["大白菜0"]


async def test_plans_per_operation_are_bounded() -> None:
    """One plan per combination of @include/@skip values, up to a bound: a client
    sending every combination of many conditions gets graphql-core, not memory."""
    _, planned = schemas()
    names = [f"c{n}" for n in range(4)]
    conditions = " ".join(f"{name}: label @include(if: ${name})" for name in names)
    signature = ", ".join(f"${name}: Boolean!" for name in names)
    document = f'query({signature}) {{ box(label: "a") {{ {conditions} }} }}'
    for combination in range(16):
        variables = {name: bool(combination >> n & 1) for n, name in enumerate(names)}
        result = await planned.execute(document, variables)
        expected = {name: "a" for name, on in variables.items() if on}
        assert result.errors is None and result.data == {"box": expected}
    [known] = plans_of(planned).operations.values()
    assert len(known.plans) == PLANS_PER_OPERATION
