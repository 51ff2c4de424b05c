"""GraphQL over HTTP, request limits and error masking."""

import httpx
import pytest
from starlette.applications import Starlette

from sannong.api.app import create_app
from sannong.db.client import open_client
from tests.conftest import settings_for_tests, start_app
from tests.factories import Api, codes

GRAPHQL_RESPONSE = "application/graphql-response+json"


async def test_answers_in_graphql_response_json_when_accepted(api: Api) -> None:
    response = await api.http.post(
        "/graphql", json={"query": "{ me { name } }"}, headers={"Accept": GRAPHQL_RESPONSE}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == GRAPHQL_RESPONSE
    plain = await api.http.post("/graphql", json={"query": "{ me { name } }"})
    assert plain.headers["content-type"] == "application/json"


async def test_unparsable_document_is_400_with_a_code(api: Api) -> None:
    response = await api.http.post(
        "/graphql", json={"query": "{ me { "}, headers={"Accept": GRAPHQL_RESPONSE}
    )
    assert response.status_code == 400
    assert codes(response.json()) == ["BAD_USER_INPUT"]
    assert "data" not in response.json()


async def test_invalid_document_is_400_without_suggestions(api: Api) -> None:
    response = await api.http.post("/graphql", json={"query": "{ mee { name } }"})
    assert response.status_code == 400
    body = response.json()
    assert codes(body) == ["BAD_USER_INPUT"]
    assert "Did you mean" not in body["errors"][0]["message"]


async def test_unparsable_json_body_is_400(api: Api) -> None:
    response = await api.http.post(
        "/graphql", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400


async def test_queries_work_over_get(api: Api) -> None:
    response = await api.http.get("/graphql", params={"query": "{ regions { name } }"})
    assert response.status_code == 200
    assert response.json()["data"] == {"regions": [{"name": "山东省"}]}


async def test_mutations_are_refused_over_get(api: Api) -> None:
    response = await api.http.get("/graphql", params={"query": "mutation { logout }"})
    assert response.status_code == 405


async def test_batched_requests_are_refused(api: Api) -> None:
    response = await api.http.post("/graphql", json=[{"query": "{ me { name } }"}] * 2)
    assert response.status_code == 400


async def test_introspection_is_off_outside_debug(api: Api) -> None:
    response = await api.http.post("/graphql", json={"query": "{ __schema { types { name } } }"})
    assert response.status_code == 400
    assert set(codes(response.json())) == {"BAD_USER_INPUT"}


async def test_graphiql_is_not_served_outside_debug(api: Api) -> None:
    response = await api.http.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 400  # a GET without a query, not an IDE page
    assert "graphiql" not in response.text.lower()


async def test_every_response_reports_its_cost(api: Api) -> None:
    result = await api.gql("{ regions { children { name } } }")
    assert result["extensions"]["cost"] == {"requested": 2, "limit": 5000}


async def test_a_25_level_nested_query_is_refused_before_running(api: Api) -> None:
    query = "{ regions { " + "children { " * 24 + "name" + " }" * 24 + " } }"
    response = await api.http.post("/graphql", json={"query": query})
    assert response.status_code == 400
    body = response.json()
    assert codes(body) == ["QUERY_TOO_COMPLEX"]
    assert "嵌套" in body["errors"][0]["message"]


async def test_200_aliases_are_refused(api: Api) -> None:
    query = "{ " + " ".join(f"a{n}: me {{ name }}" for n in range(200)) + " }"
    response = await api.http.post("/graphql", json={"query": query})
    assert response.status_code == 400
    assert codes(response.json()) == ["QUERY_TOO_COMPLEX"]


async def test_a_document_with_too_many_tokens_is_refused(api: Api) -> None:
    query = "{ " + "me { name } " * 1500 + "}"
    response = await api.http.post("/graphql", json={"query": query})
    assert response.status_code == 400
    assert codes(response.json()) == ["QUERY_TOO_COMPLEX"]


async def test_cost_adds_up_over_aliases_and_levels(api: Api) -> None:
    query = (
        "{ "
        + " ".join(f"a{n}: regions {{ children {{ children {{ name }} }} }}" for n in range(25))
        + " }"
    )
    response = await api.http.post("/graphql", json={"query": query})
    assert response.json()["extensions"]["cost"]["requested"] == 75


async def test_a_10_mb_body_is_refused_with_413(api: Api) -> None:
    body = b'{"query": "{ me { name } }", "variables": {"x": "' + b"a" * (10 * 1024 * 1024) + b'"}}'
    response = await api.http.post(
        "/graphql", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert codes(response.json()) == ["BAD_USER_INPUT"]


async def test_a_streamed_body_over_the_cap_is_refused(api: Api) -> None:
    async def chunks():  # no content-length: the cap is enforced while reading
        for _ in range(20):
            yield b"a" * 100_000

    response = await api.http.post(
        "/graphql", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413


@pytest.fixture
async def cheap_budget_app(mongodb_uri: str, db_name: str) -> Starlette:
    app = create_app(
        settings_for_tests(database=db_name, max_cost=20), client=open_client(mongodb_uri, 5000)
    )
    lifespan = await start_app(app)
    yield app
    await lifespan.__aexit__(None, None, None)


async def test_over_budget_is_refused_before_any_resolver_runs(cheap_budget_app: Starlette) -> None:
    transport = httpx.ASGITransport(app=cheap_budget_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        query = (
            "{ " + " ".join(f"a{n}: regions {{ children {{ name }} }}" for n in range(11)) + " }"
        )
        response = await http.post("/graphql", json={"query": query})
    body = response.json()
    assert response.status_code == 400
    assert codes(body) == ["QUERY_TOO_COMPLEX"]
    assert body["extensions"]["cost"] == {"requested": 22, "limit": 20}
    assert "data" not in body


async def test_unexpected_errors_are_masked(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from sannong.resolvers import regions

    # A real bug cannot be summoned on demand: a bad limit makes the driver raise TypeError
    # with its own text, which must not reach the client.
    monkeypatch.setattr(regions, "MAX_REGIONS", "many")
    result = await api.gql("{ regions { name } }")
    assert codes(result) == ["INTERNAL_SERVER_ERROR"]
    assert result["errors"][0]["message"] == "服务器开小差了，请稍后再试"
    assert "limit" not in str(result["errors"]) and "Traceback" not in str(result)


async def test_chinese_is_sent_as_utf8_not_escaped(api: Api) -> None:
    response = await api.http.post("/graphql", json={"query": "{ regions { name } }"})
    assert "山东省".encode() in response.content
