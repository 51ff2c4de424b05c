"""A real aiohttp server on loopback standing in for the SMS gateway."""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from aiohttp import web

from tests.servers import client_pid


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


class WatchingGateway(Gateway):
    """Notes which process sent each message and when; takes a little while per message,
    as real gateways do, so a batch lasts long enough to be cut."""

    def __init__(self, pids: set[int] | None = None) -> None:
        super().__init__()
        self.pids, self.port = pids or set(), 0
        self.senders: list[tuple[float, int | None]] = []
        self.arrived = asyncio.Event()
        self._pid_of_port: dict[int, int | None] = {}

    async def handle(self, request: web.Request) -> web.Response:
        client_port = request.transport.get_extra_info("peername")[1]  # type: ignore[union-attr]
        if client_port not in self._pid_of_port:
            self._pid_of_port[client_port] = client_pid(client_port, self.port, self.pids)
        self.senders.append((asyncio.get_running_loop().time(), self._pid_of_port[client_port]))
        self.arrived.set()
        await asyncio.sleep(0.02)
        return await super().handle(request)

    async def until(self, condition: Callable[[], bool], within: float) -> None:
        """Returns once `condition()` holds, checked at each message; else TimeoutError."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while not condition():
            self.arrived.clear()
            left = deadline - loop.time()
            if left <= 0:
                raise TimeoutError
            try:
                await asyncio.wait_for(self.arrived.wait(), min(left, 1.0))
            except TimeoutError:
                continue


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
    if isinstance(gateway, WatchingGateway):
        gateway.port = port
    try:
        yield f"http://127.0.0.1:{port}/send", gateway
    finally:
        await runner.cleanup()
