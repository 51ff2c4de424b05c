"""Worst-case cost of the validation step for hostile documents, one row per attack.

    .venv/bin/python -m bench.validation

The step is what every request goes through before any resolver: parsing with the
token limit, the request limits (`sannong.api.limits`) and graphql-core's rules.
Each document is timed through the app's own schema, its extensions included, so a
figure is what one request of it costs the event loop: cold (a text the process has
not seen) and cached (the same text again: neither parsed nor validated). "largest
accepted" rows are documents just inside every limit, the dearest ones the standard
rules still see.
"""

import statistics
import time
from collections.abc import Iterator
from typing import Any

from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions import SchemaExtension

from sannong.api.schema import build_schema
from sannong.settings import Settings

SETTINGS = Settings(mongodb_uri="mongodb://unused")


def exponential_fragments(k: int) -> str:
    fragments = ["fragment F1 on Region { id name }"] + [
        f"fragment F{i} on Region {{ ...F{i - 1} ...F{i - 1} }}" for i in range(2, k + 1)
    ]
    return f"{{ regions {{ ...F{k} }} }} " + " ".join(fragments)


def nested_exponential_fragments(k: int) -> str:
    fragments = ["fragment F1 on Region { id name }"] + [
        f"fragment F{i} on Region {{ a: children {{ ...F{i - 1} }} b: children {{ ...F{i - 1} }} }}"
        for i in range(2, k + 1)
    ]
    return f"{{ regions {{ ...F{k} }} }} " + " ".join(fragments)


def repeated(n: int, selection: str = "regions { id }") -> str:
    return "{ " + f"{selection} " * n + "}"


def fanned_out(width: int, depth: int) -> str:
    """`width` copies of a field at every level: the merge rule's pairs multiply per level."""
    inner = "id"
    for _ in range(depth):
        inner = " ".join([f"children {{ {inner} }}"] * width)
    return "{ regions { " + inner + " } }"


def binary_tree(levels: int) -> str:
    """Every region with its children and parent, and theirs, `levels` deep: 2^levels
    distinct selections with no field repeated, built from fragments."""
    fragments = ["fragment T1 on Region { id name }"] + [
        f"fragment T{i} on Region {{ id name children {{ ...T{i - 1} }} parent {{ ...T{i - 1} }} }}"
        for i in range(2, levels + 1)
    ]
    return f"{{ regions {{ ...T{levels} }} }} " + " ".join(fragments)


def spread_aliases(aliases: int, spreads: int) -> str:
    fragment = "fragment A on Region { " + " ".join(f"a{n}: id" for n in range(aliases)) + " }"
    return "{ " + " ".join(f"r{n}: regions {{ ...A }}" for n in range(spreads)) + " } " + fragment


HOME = """query($v: ID!) {
  me { name followedCommodities { name latestPrice { price changePct7d } } }
  alerts(regionId: $v) { title severity }
  listings(filter: { regionId: $v }, first: 10) { edges { node { title price seller { name } } } }
  articles(first: 5) { edges { node { title } } } }"""

ATTACKS: list[tuple[str, str, dict[str, Any]]] = [
    ("for comparison: the farmer's Home query", HOME, {"v": "UmVnaW9uOjE="}),
    ("exponential fragments, k=30", exponential_fragments(30), {}),
    ("exponential fragments, k=60", exponential_fragments(60), {}),
    ("nested exponential fragments, k=30", nested_exponential_fragments(30), {}),
    ("950 × regions { id }", repeated(950), {}),
    (
        "300 × regions { children { id name } }",
        repeated(300, "regions { children { id name } }"),
        {},
    ),
    ("8 × 8 × 8 fan-out", fanned_out(8, 3), {}),
    ("30 aliases spread 3 times", spread_aliases(30, 3), {}),
    (
        "900 KB listings text",
        "query($t: String) { listings(filter: { text: $t }) { totalCount } }",
        {"t": "玉米" * 150_000},
    ),
    (
        "31 fields sharing a 200 KB variable",
        "query($t: String) { "
        + " ".join(f"l{n}: listings(filter: {{ text: $t }}) {{ totalCount }}" for n in range(31))
        + " }",
        {"t": "玉米" * 100_000},
    ),
    # Just inside the limits: the dearest documents the standard rules still validate.
    ("largest accepted: 20 × regions { id }", repeated(20), {}),
    ("largest accepted: 2 × 2 × 2 × 2 fan-out", fanned_out(2, 4), {}),
    ("largest accepted: binary tree, 765 fields", binary_tree(8), {}),
]


class PreExecutionTime(SchemaExtension):
    """Parsing and validation of one request, in milliseconds."""

    last = 0.0

    def on_parse(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        PreExecutionTime.last = (time.perf_counter() - started) * 1000

    def on_validate(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        PreExecutionTime.last += (time.perf_counter() - started) * 1000

    def on_execute(self) -> Iterator[None]:
        # Accepted documents are not run: only their way to execution is measured.
        self.execution_context.result = GraphQLExecutionResult(data={}, errors=None)
        yield


async def run(schema: Any, query: str, variables: dict[str, Any]) -> tuple[str, float]:
    result = await schema.execute(query, variable_values=variables, context_value=None)
    codes = sorted({(e.extensions or {}).get("code", "?") for e in result.errors or []})
    return ",".join(codes) or "accepted", PreExecutionTime.last


async def main() -> None:
    schema = build_schema(SETTINGS)
    schema.extensions = (PreExecutionTime, *schema.extensions)  # first: times the others
    print("cold: a text never seen (an attacker varies a comment); cached: the same text again")
    print(
        f"{'document':<52} {'bytes':>9} {'answer':>22} {'cold median':>11} {'cold max':>9} "
        f"{'cached median':>13}"
    )
    for label, query, variables in ATTACKS:
        cold, cached = [], []
        outcome = ""
        for n in range(7):
            outcome, elapsed = await run(schema, f"{query} # {label} {n}", variables)
            cold.append(elapsed)
            cached.append((await run(schema, query, variables))[1])
        size = len(query.encode()) + sum(len(str(v).encode()) for v in variables.values())
        print(
            f"{label:<52} {size:>9} {outcome:>22} {statistics.median(cold):>11.2f} "
            f"{max(cold):>9.2f} {statistics.median(cached[1:]):>13.2f}"
        )


if __name__ == "__main__":
    import asyncio

    asyncio.run(main())
