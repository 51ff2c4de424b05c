"""Outbound SMS behind one interface.

    OutboxSms  (default)  stores each message in `sms_outbox` and logs it
    HttpSms               posts to SANNONG_SMS_GATEWAY_URL, retrying, and records
                          the delivery status on the same outbox document

Every message is in the outbox either way, so admins can see what was sent.
"""

import asyncio
import logging
from typing import Any, Protocol

import aiohttp
from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from sannong.clock import now
from sannong.db import Database
from sannong.security import mask_phone
from sannong.settings import Settings

log = logging.getLogger("sannong.sms")


class SmsProvider(Protocol):
    async def send(
        self, phone: str, text: str, *, purpose: str, key: str | None = None
    ) -> ObjectId:
        """Queue or deliver one message; returns its outbox id. A message with a `key`
        (e.g. "consultation-reminder:<id>:24h:<user>") goes out once: sending the same key
        again after it was delivered sends nothing and returns the first id."""
        ...


DONE = ("logged", "sent")


async def _record(
    db: Database, phone: str, text: str, purpose: str, status: str, key: str | None
) -> tuple[ObjectId, bool]:
    """The outbox entry of this message and whether it still has to go out."""
    at = now()
    document: dict[str, Any] = {
        "phone": phone,
        "text": text,
        "purpose": purpose,
        "status": status,
        "attempts": 0,
        "createdAt": at,
        "updatedAt": at,
    }
    if key is not None:
        document["key"] = key
    try:
        result = await db.sms_outbox.insert_one(document)
    except DuplicateKeyError:
        # index sms_outbox(key) unique, sparse: a retry of a job that crashed after sending
        earlier = await db.sms_outbox.find_one({"key": key}, {"status": 1})
        if earlier is None:  # pragma: no cover - a duplicate that is gone again
            raise
        return earlier["_id"], earlier["status"] not in DONE
    inserted: ObjectId = result.inserted_id
    return inserted, True


class OutboxSms:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def send(
        self, phone: str, text: str, *, purpose: str, key: str | None = None
    ) -> ObjectId:
        message_id, due = await _record(self.db, phone, text, purpose, "logged", key)
        if not due:
            return message_id
        log.info(
            "sms logged",
            extra={"to": mask_phone(phone), "purpose": purpose, "message_id": str(message_id)},
        )
        return message_id


class HttpSms:
    """POST {"id", "to", "text"} as JSON; 2xx is delivered, 5xx and network errors are retried."""

    def __init__(
        self,
        db: Database,
        session: aiohttp.ClientSession,
        url: str,
        *,
        token: str | None = None,
        timeout: float = 5.0,
        retries: int = 2,
        backoff: float = 0.2,
    ) -> None:
        self.db, self.session, self.url, self.token = db, session, url, token
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.retries, self.backoff = retries, backoff

    async def send(
        self, phone: str, text: str, *, purpose: str, key: str | None = None
    ) -> ObjectId:
        message_id, due = await _record(self.db, phone, text, purpose, "pending", key)
        if not due:
            return message_id
        # A retry re-sends with the same id, so a gateway that saw it can drop the repeat.
        status, detail, attempts = await self._deliver(str(message_id), phone, text)
        update: dict[str, Any] = {
            "status": status,
            "attempts": attempts,
            "updatedAt": now(),
            "detail": detail,
        }
        await self.db.sms_outbox.update_one({"_id": message_id}, {"$set": update})
        log.info(
            "sms %s",
            status,
            extra={
                "to": mask_phone(phone),
                "purpose": purpose,
                "message_id": str(message_id),
                "attempts": attempts,
            },
        )
        return message_id

    async def _deliver(self, message_id: str, phone: str, text: str) -> tuple[str, str, int]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        detail = ""
        for attempt in range(1, self.retries + 2):
            try:
                async with self.session.post(
                    self.url,
                    json={"id": message_id, "to": phone, "text": text},
                    headers=headers,
                    timeout=self.timeout,
                ) as response:
                    if 200 <= response.status < 300:
                        return "sent", f"HTTP {response.status}", attempt
                    detail = f"HTTP {response.status}"
                    if response.status < 500 and response.status != 429:
                        return "failed", detail, attempt  # the gateway refused; retrying won't help
            except (aiohttp.ClientError, TimeoutError) as error:
                detail = type(error).__name__
            if attempt <= self.retries:
                await asyncio.sleep(self.backoff * 2 ** (attempt - 1))
        return "failed", detail, self.retries + 1


def sms_provider(
    db: Database, settings: Settings, session: aiohttp.ClientSession | None
) -> SmsProvider:
    """The configured provider: the HTTP gateway when a URL is set (it needs the session),
    else the outbox. One place for the app and the command line."""
    if settings.sms_gateway_url is None or session is None:
        return OutboxSms(db)
    return HttpSms(
        db,
        session,
        settings.sms_gateway_url,
        token=settings.sms_gateway_token,
        timeout=settings.sms_timeout_seconds,
        retries=settings.sms_retries,
    )
