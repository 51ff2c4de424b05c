"""/healthz, /readyz, /metrics and the logs."""

import asyncio
import json
import logging
import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from sannong.api.app import create_app
from sannong.db import Database
from sannong.db.client import open_client
from tests.conftest import settings_for_tests, start_app
from tests.factories import METRICS_TOKEN, Api, codes

LOGIN = "mutation($i: LoginInput!) { login(input: $i) { token userErrors { code } } }"
PHONE, PASSWORD = "13812345678", "Mima2026secret"


async def test_health_and_readiness(api: Api) -> None:
    assert (await api.http.get("/healthz")).json() == {"status": "ok"}
    ready = await api.http.get("/readyz")
    assert (ready.status_code, ready.json()) == (200, {"status": "ready"})


@pytest.fixture
async def metrics_app(mongodb_uri: str, db_name: str, tmp_path: Path) -> AsyncIterator[Starlette]:
    settings = settings_for_tests(database=db_name, data_dir=tmp_path, metrics_token=None)
    application = create_app(settings, client=open_client(mongodb_uri, 1500))
    lifespan = await start_app(application)
    yield application
    await lifespan.__aexit__(None, None, None)


async def test_metrics_count_requests_errors_and_database_commands(api: Api) -> None:
    await api.gql("{ regions { name } }")
    await api.gql("{ mee }")
    headers = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    text = (await api.http.get("/metrics", headers=headers)).text
    assert 'sannong_http_requests_total{method="POST",path="/graphql",status="200"}' in text
    assert 'sannong_graphql_errors_total{code="BAD_USER_INPUT"}' in text
    assert 'sannong_db_commands_total{command="find"}' in text
    assert "sannong_http_request_seconds_bucket" in text


async def test_logs_carry_no_phone_numbers_or_tokens(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    logger = logging.getLogger("sannong")
    logger.propagate = True  # let caplog see the JSON logger's records
    try:
        with caplog.at_level(logging.INFO, logger="sannong"):
            person = await api.person()
            await api.gql("{ me { phone } }", as_=person)
            await api.services_sms_send(person.phone)
    finally:
        logger.propagate = False
    logged = " ".join(f"{r.getMessage()} {vars(r)}" for r in caplog.records)
    assert "request" in logged
    assert person.phone not in logged
    assert person.token not in logged


async def test_metrics_are_only_for_the_bearer_of_the_token(
    metrics_app: Starlette, api: Api
) -> None:
    assert (await api.http.get("/metrics")).status_code == 401
    wrong = await api.http.get("/metrics", headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 401
    transport = httpx.ASGITransport(app=metrics_app)  # no token configured: not served
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        assert (await http.get("/metrics")).status_code == 404


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_metrics_can_be_served_on_a_loopback_port_of_their_own(
    mongodb_uri: str, db_name: str, tmp_path: Path
) -> None:
    port = free_port()
    settings = settings_for_tests(
        database=db_name, data_dir=tmp_path, metrics_port=port, metrics_token=None
    )
    app = create_app(settings, client=open_client(mongodb_uri, 1500))
    lifespan = await start_app(app)
    try:
        async with httpx.AsyncClient() as http:
            scraped = await http.get(f"http://127.0.0.1:{port}/metrics")
        assert "sannong_http_requests_total" in scraped.text
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            assert (await http.get("/metrics")).status_code == 404
    finally:
        await lifespan.__aexit__(None, None, None)


def graphql_lines(lines: list[str]) -> list[dict]:
    return [
        entry
        for entry in map(json.loads, lines)
        if entry["message"] == "request" and entry.get("path") == "/graphql"
    ]


async def test_a_failed_login_with_malformed_input_logs_one_line_without_secrets(
    api: Api, log_lines: Callable[[], list[str]]
) -> None:
    # An input field too many: coercion fails, and the error quotes the whole input.
    malformed = {"i": {"phone": PHONE, "password": PASSWORD, "remember": True}}
    response = await api.http.post(
        "/graphql", json={"query": LOGIN, "variables": malformed, "operationName": None}
    )
    assert codes(response.json()) == ["BAD_USER_INPUT"]
    arguments = f'phone: "{PHONE}", password: "{PASSWORD}", x: 1'
    inline = f"mutation SignIn {{ login(input: {{ {arguments} }}) {{ token }} }}"
    assert codes(await api.gql(inline)) == ["BAD_USER_INPUT"]
    logged = "\n".join(log_lines())
    assert PHONE not in logged and PASSWORD not in logged
    assert "Traceback" not in logged
    lines = graphql_lines(log_lines())
    assert len(lines) == 2 == len(log_lines())  # one line per request, nothing else
    assert [line["errors"] for line in lines] == [["BAD_USER_INPUT"], ["BAD_USER_INPUT"]]
    assert lines[1]["operation"] == "SignIn" and len(lines[1]["document"]) == 16
    assert "failures" not in lines[0]


async def test_a_login_while_the_database_is_down_logs_no_secrets_and_no_traceback(
    tmp_path: Path, log_lines: Callable[[], list[str]]
) -> None:
    nobody = f"mongodb://127.0.0.1:{free_port()}/?directConnection=true"
    app = create_app(settings_for_tests(data_dir=tmp_path), client=open_client(nobody, 300))
    lifespan = await start_app(app)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            arguments = f'phone: "{PHONE}", password: "{PASSWORD}"'
            inline = f"mutation {{ login(input: {{ {arguments} }}) {{ token }} }}"
            response = await http.post("/graphql", json={"query": inline})
        assert codes(response.json()) == ["SERVICE_UNAVAILABLE"]
    finally:
        await lifespan.__aexit__(None, None, None)
    logged = "\n".join(log_lines())
    assert PHONE not in logged and PASSWORD not in logged
    assert [line["errors"] for line in graphql_lines(log_lines())] == [["SERVICE_UNAVAILABLE"]]
    assert "Traceback" not in logged and "exception" not in logged


async def test_indexes_the_database_refuses_are_logged_as_refused_without_the_values(
    mongodb_uri: str, db: Database, db_name: str, tmp_path: Path, log_lines: Callable[[], list[str]]
) -> None:
    """Two accounts with one phone (written around the API) stop the unique index: the
    log says the database refused it, with its code, and not the phone it quotes."""
    await db.users.drop_index("phone_1")
    await db.users.insert_many([{"phone": PHONE, "name": "甲"}, {"phone": PHONE, "name": "乙"}])
    app = create_app(
        settings_for_tests(database=db_name, data_dir=tmp_path),
        client=open_client(mongodb_uri, 5000),
    )
    lifespan = await start_app(app)
    try:
        for _ in range(100):  # the indexes are applied in the background at start
            if any("refused" in line for line in log_lines()):
                break
            await asyncio.sleep(0.05)
    finally:
        await lifespan.__aexit__(None, None, None)
    refused = [json.loads(line) for line in log_lines() if "refused" in line]
    assert refused and refused[0]["level"] == "ERROR" and refused[0]["code"]
    logged = "\n".join(log_lines())
    assert PHONE not in logged and "not reachable" not in logged
