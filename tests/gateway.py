"""A real aiohttp server on loopback standing in for the SMS gateway."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web


class Gateway:
    """Records every message it accepts; fails the first `failures` posts with `status`."""

    def __init__(self, failures: int = 0, status: int = 503) -> None:
        self.failures, self.status = failures, status
        self.received: list[dict[str, str]] = []
        self.authorization: list[str | None] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.authorization.append(request.headers.get("Authorization"))
        if self.failures > 0:
            self.failures -= 1
            return web.Response(status=self.status)
        self.received.append(await request.json())
        return web.json_response({"ok": True})

    def ids(self) -> list[str]:
        return [message["id"] for message in self.received]

    async def report(self, request: web.Request) -> web.Response:
        """What a browser test asks a gateway running beside the app server."""
        return web.json_response({"count": len(self.received), "messages": self.received})


@asynccontextmanager
async def running_gateway(gateway: Gateway | None = None) -> AsyncIterator[tuple[str, Gateway]]:
    """(url to post to, the gateway) while the block runs."""
    gateway = gateway or Gateway()
    app = web.Application()
    app.router.add_post("/send", gateway.handle)
    app.router.add_get("/received", gateway.report)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}/send", gateway
    finally:
        await runner.cleanup()
