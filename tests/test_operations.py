"""/healthz, /readyz, /metrics and the logs."""

import logging

import pytest

from tests.factories import Api


async def test_health_and_readiness(api: Api) -> None:
    assert (await api.http.get("/healthz")).json() == {"status": "ok"}
    ready = await api.http.get("/readyz")
    assert (ready.status_code, ready.json()) == (200, {"status": "ready"})


async def test_metrics_count_requests_errors_and_database_commands(api: Api) -> None:
    await api.gql("{ regions { name } }")
    await api.gql("{ mee }")
    text = (await api.http.get("/metrics")).text
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
