"""What an outsider can learn without introspection: no suggestions, one answer for every
unknown ID, and no address of their choosing through X-Forwarded-For."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from sannong.api.app import create_app
from sannong.cli import uvicorn_options
from sannong.db.client import open_client
from sannong.seed.regions import village_code
from tests.conftest import settings_for_tests
from tests.factories import Api, codes, gid
from tests.test_market_subscriptions import eventually

# A mistyped name, and the right one a suggestion would give away.
MISTYPED: dict[str, tuple[str, dict[str, Any] | None, str]] = {
    "argument": ("{ regions(levl: VILLAGE) { name } }", None, "'level'"),
    "enum value": ("{ regions(level: VILAGE) { name } }", None, "'VILLAGE'"),
    "type name": ("{ regions { ... on Regoin { name } } }", None, "'Region'"),
    "variable type": ("query($l: RegionLevl) { regions(level: $l) { name } }", None, "Level'"),
    "input field": ('{ listings(filter: { txt: "玉米" }) { totalCount } }', None, "'text'"),
    "input field in a variable": (
        "query($f: ListingFilter) { listings(filter: $f) { totalCount } }",
        {"f": {"txt": "玉米"}},
        "'text'",
    ),
    "enum value in a variable": (
        "query($l: RegionLevel) { regions(level: $l) { name } }",
        {"l": "VILAGE"},
        "'VILLAGE'",
    ),
    "field": ("{ regions { nmae } }", None, "'name'"),
}


@pytest.mark.parametrize("kind", MISTYPED)
async def test_no_suggestion_of_any_kind_outside_debug(api: Api, kind: str) -> None:
    query, variables, right_name = MISTYPED[kind]
    response = await api.http.post("/graphql", json={"query": query, "variables": variables})
    body = response.json()
    assert codes(body) and set(codes(body)) == {"BAD_USER_INPUT"}
    messages = " ".join(error["message"] for error in body["errors"])
    assert "Did you mean" not in messages and right_name not in messages, messages


UNKNOWN_IDS = {
    "a made-up type": gid("Bogus", "1"),
    "the Node interface": gid("Node", "1"),
    "a type that is no node": gid("PageInfo", "1"),
    "a missing region": gid("Region", "999999999999"),
    "a malformed key of a real type": gid("Listing", "not-an-object-id"),
    "a missing user": gid("User", "0123456789abcdef01234567"),
}


@pytest.mark.parametrize("what", UNKNOWN_IDS)
async def test_every_unknown_id_is_one_and_the_same_not_found(api: Api, what: str) -> None:
    result = await api.gql("query($id: ID!) { node(id: $id) { id } }", {"id": UNKNOWN_IDS[what]})
    assert result["data"] == {"node": None}
    assert [(e["message"], e["extensions"]) for e in result["errors"]] == [
        ("找不到该对象", {"code": "NOT_FOUND"})
    ]


async def test_a_known_id_still_answers(api: Api) -> None:
    region = gid("Region", village_code("三元朱村"))
    result = await api.gql(
        "query($id: ID!) { node(id: $id) { ... on Region { name } } }", {"id": region}
    )
    assert result == {
        "data": {"node": {"name": "三元朱村"}},
        "extensions": result["extensions"],
    }


@pytest.fixture
async def served(mongodb_uri: str, db_name: str, tmp_path: Path) -> AsyncIterator[str]:
    """The app behind uvicorn configured as `sannong serve` configures it, on loopback:
    the peer of every request is 127.0.0.1, which uvicorn trusts by default."""
    settings = settings_for_tests(
        database=db_name, data_dir=tmp_path, login_max_attempts_per_address=3
    )
    app = create_app(settings, client=open_client(mongodb_uri, 1500))
    config = uvicorn.Config(app, host="127.0.0.1", port=0, **uvicorn_options(settings))
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    await eventually(lambda: server.started)
    yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    server.should_exit = True
    await serving


LOGIN = "mutation($i: LoginInput!) { login(input: $i) { token userErrors { code } } }"


async def test_x_forwarded_for_does_not_reset_the_per_address_login_limit(served: str) -> None:
    wrong = {"phone": "13800000000", "password": "wrong2026x"}
    attempt: dict[str, Any] = {"query": LOGIN, "variables": {"i": wrong}}
    answers = []
    async with httpx.AsyncClient() as http:
        for n in range(5):
            forged = {"X-Forwarded-For": f"203.0.113.{n}"}
            response = await http.post(f"{served}/graphql", json=attempt, headers=forged)
            answers.append(codes(response.json()))
    assert answers[-1] == ["RATE_LIMITED"]
