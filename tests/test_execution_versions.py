"""On a graphql-core or strawberry release other than the tested one, the execution code
that reaches into their internals stands down: queries run through graphql-core's plain
executor with strawberry's own resolvers, the answers stay right, and the log says so in
one WARNING line, not one per schema or request.

The installed release is observed through `versions.version` (importlib's); the tests
replace it, the one seam there is for "another release is installed": installing one is
not possible in a test run."""

import logging
from collections.abc import Iterator
from importlib.metadata import version

import pytest
import strawberry

from sannong.api.execution import TESTED_VERSIONS, executor_class, streamline, versions
from sannong.api.execution.plans import PlannedExecutor
from tests.test_plans import DOCUMENTS, Fruit, Query, Tool, answer, plans_of, schemas


@pytest.fixture
def warnings(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    logger = logging.getLogger("sannong")
    propagate = logger.propagate
    logger.propagate = True  # let caplog see the JSON logger's records
    try:
        with caplog.at_level(logging.WARNING, logger="sannong.execution"):
            yield caplog
    finally:
        logger.propagate = propagate


def installed_as(monkeypatch: pytest.MonkeyPatch, **releases: str) -> None:
    """As if these releases were installed (package name with `_` for `-`)."""
    wanted = {name.replace("_", "-"): found for name, found in releases.items()}
    monkeypatch.setattr(versions, "version", lambda name: wanted.get(name) or version(name))
    monkeypatch.setattr(versions, "_warned", set())  # a fresh process


def build() -> strawberry.Schema:
    schema = strawberry.Schema(
        Query,
        types=[Fruit, Tool],
        execution_context_class=executor_class(planned=True, hide_suggestions=True),
    )
    streamline(schema)
    return schema


def test_the_tested_releases_are_the_installed_ones() -> None:
    """The versions named next to the code are the ones this run tests."""
    assert {name: version(name) for name in TESTED_VERSIONS} == dict(TESTED_VERSIONS)


@pytest.mark.parametrize(
    "releases", [{"graphql_core": "3.4.0"}, {"strawberry_graphql": "0.342.0"}], ids=str
)
async def test_an_untested_release_runs_graphql_core_plainly_and_warns_once(
    monkeypatch: pytest.MonkeyPatch,
    warnings: pytest.LogCaptureFixture,
    releases: dict[str, str],
) -> None:
    installed_as(monkeypatch, **releases)
    first, second = build(), build()  # the app and the tests build many schemas
    for schema in (first, second):
        assert not issubclass(schema.execution_context_class, PlannedExecutor)
        assert plans_of(schema) is None
    assert streamline(first) == 0  # strawberry's own resolvers stay

    lines = [r for r in warnings.records if r.name == "sannong.execution"]
    assert len(lines) == 1 and lines[0].levelno == logging.WARNING
    message = lines[0].getMessage()
    assert "\n" not in message
    [(name, found)] = [(n.replace("_", "-"), v) for n, v in releases.items()]
    assert f"{name} {found}" in message and f"{name} {TESTED_VERSIONS[name]}" in message

    core, _ = schemas()  # plans off: graphql-core's executor, strawberry's resolvers
    for document, variables in DOCUMENTS:
        expected = answer(await core.execute(document, variables))
        assert answer(await first.execute(document, variables)) == expected
        assert answer(await first.execute(document, variables)) == expected  # again
    assert len([r for r in warnings.records if r.name == "sannong.execution"]) == 1


async def test_the_tested_releases_run_from_plans(warnings: pytest.LogCaptureFixture) -> None:
    schema = build()
    assert streamline(schema) > 0
    document, variables = DOCUMENTS[1]
    assert (await schema.execute(document, variables)).errors is None
    assert len(plans_of(schema).operations) == 1
    assert not [r for r in warnings.records if r.name == "sannong.execution"]
