"""GraphQL over HTTP, request limits and error masking."""

import json
from collections.abc import Callable

import httpx
import pytest
import strawberry
from starlette.applications import Starlette
from starlette.routing import Route

from sannong.api.app import create_app
from sannong.api.errors import CodedErrors
from sannong.api.graphql import GraphQLView
from sannong.api.middleware import RequestObserver
from sannong.api.schema import SannongSchema
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
    assert await refusal(response, 400) == "请求内容不是有效的 JSON"


async def test_queries_work_over_get(api: Api) -> None:
    response = await api.http.get("/graphql", params={"query": "{ regions { name } }"})
    assert response.status_code == 200
    assert response.json()["data"] == {"regions": [{"name": "山东省"}]}


async def test_mutations_are_refused_over_get(api: Api) -> None:
    response = await api.http.get("/graphql", params={"query": "mutation { logout }"})
    assert response.status_code == 405
    assert codes(response.json()) == ["BAD_USER_INPUT"]


async def refusal(response: httpx.Response, status: int) -> str:
    """A refusal is GraphQL JSON with a code, whatever went wrong; its message."""
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert codes(body) == ["BAD_USER_INPUT"] and "data" not in body
    return body["errors"][0]["message"]


async def test_batched_requests_are_refused_with_a_code(api: Api) -> None:
    response = await api.http.post("/graphql", json=[{"query": "{ me { name } }"}] * 2)
    assert await refusal(response, 400) == "不支持批量请求，请每次发送一个操作"


async def test_other_methods_are_refused_with_a_code(api: Api) -> None:
    response = await api.http.put("/graphql", json={"query": "{ me { name } }"})
    assert await refusal(response, 405) == "只支持 GET 和 POST 请求"
    assert response.headers["allow"] == "GET, POST"


async def test_an_unsupported_content_type_is_refused_with_a_code(api: Api) -> None:
    response = await api.http.post(
        "/graphql", content=b"{ me { name } }", headers={"Content-Type": "text/plain"}
    )
    assert await refusal(response, 415) == "不支持的内容类型，请使用 application/json"


async def test_a_request_without_a_query_is_refused_with_a_code(api: Api) -> None:
    assert await refusal(await api.http.post("/graphql", json={}), 400) == "请求中没有 GraphQL 查询"
    assert await refusal(await api.http.get("/graphql"), 400) == "请求中没有 GraphQL 查询"


async def test_introspection_is_off_outside_debug(api: Api) -> None:
    response = await api.http.post("/graphql", json={"query": "{ __schema { types { name } } }"})
    assert response.status_code == 400
    assert set(codes(response.json())) == {"BAD_USER_INPUT"}


async def test_a_browser_gets_a_page_saying_what_the_endpoint_is(api: Api) -> None:
    response = await api.http.get("/graphql", headers={"Accept": "text/html,*/*"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "三农 GraphQL 接口" in response.text
    assert "graphiql" not in response.text.lower()  # no IDE outside debug


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


@strawberry.type
class BrokenQuery:
    @strawberry.field
    def broken(self) -> str:
        # What a driver might say: its own words and a value from the request.
        raise TypeError("limit must be an integer, not 'many' (phone 13812345678)")


async def test_unexpected_errors_are_masked_and_logged_by_type(
    app: Starlette, log_lines: Callable[[], list[str]]
) -> None:
    schema = SannongSchema(query=BrokenQuery, extensions=[lambda: CodedErrors(debug=False)])
    view = GraphQLView(schema, app.state.services)
    tiny = Starlette(routes=[Route("/graphql", view)])
    transport = httpx.ASGITransport(app=RequestObserver(tiny))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        result = (await http.post("/graphql", json={"query": "{ broken }"})).json()
    assert result["errors"] == [
        {
            "message": "服务器开小差了，请稍后再试",
            "locations": [{"line": 1, "column": 3}],
            "path": ["broken"],
            "extensions": {"code": "INTERNAL_SERVER_ERROR"},
        }
    ]
    [line] = [json.loads(line) for line in log_lines()]
    assert line["level"] == "ERROR" and line["errors"] == ["INTERNAL_SERVER_ERROR"]
    [failure] = line["failures"]
    assert failure["path"] == "broken" and failure["type"] == "TypeError"
    assert any("test_graphql_http.py" in frame for frame in failure["at"])
    assert "13812345678" not in str(line) and "many" not in str(line)


async def test_chinese_is_sent_as_utf8_not_escaped(api: Api) -> None:
    response = await api.http.post("/graphql", json={"query": "{ regions { name } }"})
    assert "山东省".encode() in response.content


@pytest.mark.parametrize("encoding", ["gzip", "br", "zstd"])
async def test_answers_over_a_kilobyte_are_compressed_as_the_client_accepts(
    api: Api, encoding: str
) -> None:
    big = "{ regions(level: VILLAGE) { id code name fullName } }"
    small = "{ regions { name } }"
    for query, encoded in ((big, encoding), (small, None)):
        response = await api.http.post(
            "/graphql",
            json={"query": query},
            headers={"Accept-Encoding": encoding, "Accept": "application/graphql-response+json"},
        )
        assert response.status_code == 200
        assert response.headers.get("content-encoding") == encoded
        assert response.json()["data"]["regions"]  # httpx decodes it: the body is intact
    plain = await api.http.post(
        "/graphql", json={"query": big}, headers={"Accept-Encoding": "identity"}
    )
    assert "content-encoding" not in plain.headers
    assert len(plain.content) > 1024
