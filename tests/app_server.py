"""A real server for the app's browser tests and `make bench-app`: an in-memory embedded
database seeded with the demo (a short price history, so it takes seconds), the app
served at `/` with its trusted documents. Prints one JSON line when it is ready.

    python -m tests.app_server --port 0 [--documents-only]
"""

import argparse
import asyncio
import json
import os
import socket
import sys
import tempfile
from pathlib import Path

import uvicorn

from sannong.api.app import create_app
from sannong.db.client import open_command_client
from sannong.db.embedded import EmbeddedServer
from sannong.security import Passwords
from sannong.seed import seed
from sannong.seed.progress import LogProgress
from tests.conftest import settings_for_tests

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

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        print(json.dumps({"url": f"http://127.0.0.1:{self.config.port}"}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--documents-only", action="store_true")
    args = parser.parse_args()
    database = EmbeddedServer(path=None)
    uri = database.start()
    try:
        asyncio.run(_seed(uri, "sannong"))
        port = args.port or _free_port()
        data_dir = Path(tempfile.mkdtemp(prefix="sannong-app-"))
        settings = settings_for_tests(
            mongodb_uri=uri,
            data_dir=data_dir,
            log_level="WARNING",
            app_dir=ROOT / "frontend" / "dist",
            trusted_documents=ROOT / "frontend" / "trusted-documents.json",
            trusted_documents_only=args.documents_only,
            login_max_failures_per_phone=1000,
        )
        app = create_app(settings)
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        asyncio.run(AnnouncingServer(config).serve())
    finally:
        database.stop()
        sys.stdout.flush()
        os._exit(0)  # the in-memory database dies with us; nothing to flush


if __name__ == "__main__":
    main()
