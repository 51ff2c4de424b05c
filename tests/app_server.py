"""A real server for the app's browser tests and `make bench-app`: an in-memory embedded
database seeded with the demo (a short price history, so it takes seconds), the app
served at `/` with its trusted documents. Prints one JSON line when it is ready.

    python -m tests.app_server --port 0 [--documents-only] [--sms-gateway]

With `--sms-gateway` a real aiohttp SMS gateway (tests.gateway) runs on loopback in the
same process, the app sends its SMS there and runs its job worker (the SMS fan-outs); the
ready line then also names the gateway, whose `GET /received` tells what it got.
"""

import argparse
import asyncio
import json
import os
import socket
import sys
import tempfile
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import uvicorn

from sannong.api.app import create_app
from sannong.db.client import open_command_client
from sannong.db.embedded import EmbeddedServer
from sannong.security import Passwords
from sannong.seed import seed
from sannong.seed.progress import LogProgress
from tests.conftest import settings_for_tests
from tests.gateway import running_gateway

ROOT = Path(__file__).resolve().parent.parent
PRICE_DAYS = 10  # a week's change needs 8 days; more only costs seconds


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def _seed(uri: str, database: str) -> None:
    settings = settings_for_tests()
    client = open_command_client(uri)
    try:
        await seed(
            client[database], Passwords(settings), price_days=PRICE_DAYS, progress=LogProgress()
        )
    finally:
        await client.close()


class AnnouncingServer(uvicorn.Server):
    """Says where it listens once it does: the browser tests wait for this line."""

    def __init__(self, config: uvicorn.Config, announce: dict[str, Any]) -> None:
        super().__init__(config)
        self.announce = announce

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        ready = {"url": f"http://127.0.0.1:{self.config.port}"} | self.announce
        print(json.dumps(ready), flush=True)


async def _serve(uri: str, port: int, *, documents_only: bool, sms_gateway: bool) -> None:
    async with AsyncExitStack() as stack:
        announce: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        if sms_gateway:
            send_url, _ = await stack.enter_async_context(running_gateway())
            announce["smsGateway"] = send_url.removesuffix("/send")
            extra = {
                "sms_gateway_url": send_url,
                "jobs_enabled": True,
                "jobs_poll_seconds": 0.3,
                "fanout_per_minute": 60_000,  # a test waits seconds, not minutes
            }
        settings = settings_for_tests(
            mongodb_uri=uri,
            data_dir=Path(tempfile.mkdtemp(prefix="sannong-app-")),
            log_level="WARNING",
            app_dir=ROOT / "frontend" / "dist",
            trusted_documents=ROOT / "frontend" / "trusted-documents.json",
            trusted_documents_only=documents_only,
            login_max_failures_per_phone=1000,
            **extra,
        )
        app = create_app(settings)
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        await AnnouncingServer(config, announce).serve()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--documents-only", action="store_true")
    parser.add_argument("--sms-gateway", action="store_true")
    args = parser.parse_args()
    database = EmbeddedServer(path=None)
    uri = database.start()
    try:
        asyncio.run(_seed(uri, "sannong"))
        port = args.port or _free_port()
        asyncio.run(
            _serve(uri, port, documents_only=args.documents_only, sms_gateway=args.sms_gateway)
        )
    finally:
        database.stop()
        sys.stdout.flush()
        os._exit(0)  # the in-memory database dies with us; nothing to flush


if __name__ == "__main__":
    main()
