"""One client may not starve the others: GraphQL requests in flight and per second, per
client address.

Every request of a process shares one event loop: a client sending fifty expensive or
invalid documents at once kept `/healthz` waiting seconds behind them and made other
people's logins time out. A client over `in_flight` requests at once, or over its
`per_second` rate (a token bucket holding `burst`), is answered 429 at once, before its
body is read, with a coded GraphQL error (RATE_LIMITED) and `Retry-After`.

The address is the connection's, or the one a trusted proxy forwards when
`forwarded_allow_ips` names it (uvicorn resolves it before the app sees the request).
Counts are per process; villages behind one carrier address share a budget sized for
that (a request takes tens of milliseconds, so eight in flight serve many people).
"""

import asyncio
import time
from collections import Counter
from dataclasses import dataclass

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from sannong.errors import ErrorCode

_REFUSAL = orjson.dumps(
    {
        "errors": [
            {
                "message": "请求过于频繁，请稍后再试",
                "extensions": {"code": ErrorCode.RATE_LIMITED.value},
            }
        ]
    }
)
REFUSAL_DELAY_SECONDS = 1.0
_IDLE_SECONDS = 60.0  # buckets of clients silent this long are forgotten


@dataclass
class _Bucket:
    tokens: float
    at: float


class ClientLimits:
    """ASGI middleware for the paths in `paths` (HTTP only; WebSockets have their own)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        in_flight: int,
        per_second: float,
        burst: int,
        paths: frozenset[str] = frozenset({"/graphql"}),
    ) -> None:
        self.app, self.paths = app, paths
        self.in_flight, self.per_second, self.burst = in_flight, per_second, burst
        self._flying: Counter[str] = Counter()
        self._buckets: dict[str, _Bucket] = {}
        self._swept = time.monotonic()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        address = client[0] if client else "unknown"
        if self._flying[address] >= self.in_flight or not self._take_token(address):
            await self._refuse_slowly(send)
            return
        self._flying[address] += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self._flying[address] -= 1
            if self._flying[address] <= 0:
                del self._flying[address]

    async def _refuse_slowly(self, send: Send) -> None:
        """A refusal answered at once is retried at once: a flooding client's refusals
        alone then keep the loop busy. Held for a moment (a sleeping task, no CPU), its
        retries come at the pace of its connections, which it already holds anyway."""
        await asyncio.sleep(REFUSAL_DELAY_SECONDS)
        await _refuse(send)

    def _take_token(self, address: str) -> bool:
        now = time.monotonic()
        if now - self._swept > _IDLE_SECONDS:
            self._sweep(now)
        bucket = self._buckets.get(address)
        if bucket is None:
            bucket = self._buckets[address] = _Bucket(float(self.burst), now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.per_second)
        bucket.at = now
        if bucket.tokens < 1:
            return False
        bucket.tokens -= 1
        return True

    def _sweep(self, now: float) -> None:
        self._swept = now
        for address in [a for a, b in self._buckets.items() if now - b.at > _IDLE_SECONDS]:
            del self._buckets[address]


async def _refuse(send: Send) -> None:
    headers = [(b"content-type", b"application/json"), (b"retry-after", b"1")]
    await send({"type": "http.response.start", "status": 429, "headers": headers})
    await send({"type": "http.response.body", "body": _REFUSAL})
