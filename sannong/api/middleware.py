"""ASGI middleware: request body cap, metrics and one structured log line per request."""

import contextlib
import logging
import time
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sannong.api.metrics import LATENCY, REQUESTS
from sannong.db.client import count_commands
from sannong.logs import failure

log = logging.getLogger("sannong.http")

_TOO_LARGE = orjson.dumps(
    {"errors": [{"message": "请求内容过大", "extensions": {"code": "BAD_USER_INPUT"}}]}
)


class BodyTooLarge(Exception):
    pass


class BodyLimit:
    """Refuses bodies over `max_bytes` with 413, by header or while streaming.

    Multipart requests (photo uploads) get their own, larger `max_upload_bytes`;
    JSON and everything else keep the small cap.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, max_upload_bytes: int | None = None) -> None:
        self.app, self.max_bytes = app, max_bytes
        self.max_upload_bytes = max_upload_bytes or max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        multipart = headers.get(b"content-type", b"").lower().startswith(b"multipart/form-data")
        max_bytes = self.max_upload_bytes if multipart else self.max_bytes
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > max_bytes):
            await _send_too_large(send)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _send_too_large(send)


async def _send_too_large(send: Send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": _TOO_LARGE})


class RequestObserver:
    """Counts, times and logs each request in one line; never logs bodies, tokens or phone
    numbers. A GraphQL request adds its operation's name, digest and error codes
    (`sannong.api.errors`); an exception escaping the app adds its type and frames."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"] if scope["path"] in _KNOWN_PATHS else "other"
        if scope["path"].startswith("/media/"):
            path = "/media"  # one metrics label for every photo
        status: dict[str, Any] = {"code": 500}

        async def observing_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        started = time.perf_counter()
        fields: dict[str, Any] = {}
        with count_commands() as tally:
            try:
                await self.app(scope, receive, observing_send)
            except Exception as error:
                fields["failures"] = [failure(error)]
                raise
            finally:
                elapsed = time.perf_counter() - started
                REQUESTS.labels(path, scope["method"], str(status["code"])).inc()
                LATENCY.labels(path).observe(elapsed)
                with contextlib.suppress(KeyError, TypeError):
                    fields = scope["state"]["graphql"] | fields
                log.log(
                    logging.ERROR if "failures" in fields else logging.INFO,
                    "request",
                    extra={
                        "method": scope["method"],
                        "path": path,
                        "status": status["code"],
                        "ms": round(elapsed * 1000, 1),
                        "db_commands": tally.count,
                        **fields,
                    },
                )


_KNOWN_PATHS = frozenset({"/graphql", "/healthz", "/readyz", "/metrics", "/", "/media"})
