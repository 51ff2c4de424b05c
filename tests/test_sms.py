"""Outbound SMS: the outbox provider, and the HTTP provider against a real gateway on loopback."""

from collections.abc import AsyncIterator

import aiohttp
import pytest

from sannong.db import Database
from sannong.integrations.sms import HttpSms, OutboxSms
from tests.gateway import Gateway, running_gateway


@pytest.fixture
async def gateway_url() -> AsyncIterator[tuple[str, Gateway]]:
    async with running_gateway() as running:
        yield running


async def test_outbox_provider_stores_the_message(db: Database) -> None:
    message_id = await OutboxSms(db).send(
        "13800001111", "【三农】您的验证码是 1234", purpose="test"
    )
    stored = await db.sms_outbox.find_one({"_id": message_id})
    assert stored["status"] == "logged" and stored["text"] == "【三农】您的验证码是 1234"


async def test_http_provider_delivers_and_records_status(
    db: Database, gateway_url: tuple[str, Gateway]
) -> None:
    url, gateway = gateway_url
    async with aiohttp.ClientSession() as session:
        sms = HttpSms(db, session, url, token="secret")
        message_id = await sms.send(
            "13800001111", "玉米价格已超过 1.30 元/斤", purpose="price-alert"
        )
    assert gateway.received == [
        {"id": str(message_id), "to": "13800001111", "text": "玉米价格已超过 1.30 元/斤"}
    ]
    assert gateway.authorization == ["Bearer secret"]
    stored = await db.sms_outbox.find_one({"_id": message_id})
    assert (stored["status"], stored["attempts"]) == ("sent", 1)


async def test_http_provider_retries_server_errors(
    db: Database, gateway_url: tuple[str, Gateway]
) -> None:
    url, gateway = gateway_url
    gateway.failures = 2
    async with aiohttp.ClientSession() as session:
        message_id = await HttpSms(db, session, url, retries=2, backoff=0.01).send(
            "13800001111", "测试", purpose="test"
        )
    stored = await db.sms_outbox.find_one({"_id": message_id})
    assert (stored["status"], stored["attempts"]) == ("sent", 3)
    assert len(gateway.received) == 1


async def test_http_provider_gives_up_and_records_failure(
    db: Database, gateway_url: tuple[str, Gateway]
) -> None:
    url, gateway = gateway_url
    gateway.failures = 10
    async with aiohttp.ClientSession() as session:
        message_id = await HttpSms(db, session, url, retries=1, backoff=0.01).send(
            "13800001111", "测试", purpose="test"
        )
    stored = await db.sms_outbox.find_one({"_id": message_id})
    assert (stored["status"], stored["attempts"], stored["detail"]) == ("failed", 2, "HTTP 503")


async def test_http_provider_does_not_retry_a_refusal(
    db: Database, gateway_url: tuple[str, Gateway]
) -> None:
    url, gateway = gateway_url
    gateway.failures, gateway.status = 5, 400
    async with aiohttp.ClientSession() as session:
        message_id = await HttpSms(db, session, url, retries=3, backoff=0.01).send(
            "13800001111", "测试", purpose="test"
        )
    stored = await db.sms_outbox.find_one({"_id": message_id})
    assert (stored["status"], stored["attempts"]) == ("failed", 1)


async def test_unreachable_gateway_is_a_recorded_failure(db: Database) -> None:
    async with aiohttp.ClientSession() as session:
        # port 9 on loopback: nothing listens, the connection is refused at once
        message_id = await HttpSms(
            db, session, "http://127.0.0.1:9/send", retries=1, backoff=0.01, timeout=1
        ).send("13800001111", "测试", purpose="t")
    stored = await db.sms_outbox.find_one({"_id": message_id})
    assert stored["status"] == "failed" and stored["detail"] == "ClientConnectorError"
