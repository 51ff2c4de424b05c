"""The embedded MongoDB-compatible server (mongoeco) in a process of its own.

Several uvicorn workers share one server, so it cannot live inside a worker.
`python -m sannong.db.embedded --path FILE --port N` serves a SQLite file;
`--memory` serves an in-memory engine (tests). The first line on stdout is the URI.
"""

import argparse
import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from mongoeco.engines.memory import MemoryEngine
from mongoeco.engines.sqlite import SQLiteEngine
from mongoeco.wire import AsyncMongoEcoProxyServer


async def _serve(path: str | None, host: str, port: int) -> None:
    engine = MemoryEngine() if path is None else SQLiteEngine(path)
    server = AsyncMongoEcoProxyServer(engine=engine, host=host, port=port)
    address = await server.start()
    print(address.uri, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    watchdog = asyncio.create_task(_stop_when_orphaned(stop))
    await stop.wait()
    watchdog.cancel()
    # The SQLite engine's heartbeat can race the close ("database is locked");
    # the file is consistent either way, so a failed close must not hide the exit.
    with contextlib.suppress(Exception):
        await server.close()


async def _stop_when_orphaned(stop: asyncio.Event) -> None:
    """A parent killed without cleaning up (SIGKILL, a crash) must not leave the server behind."""
    parent = os.getppid()
    while os.getppid() == parent:  # noqa: ASYNC110 (polling a pid has no event)
        await asyncio.sleep(1.0)
    stop.set()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--path", help="SQLite file; omit with --memory")
    parser.add_argument("--memory", action="store_true")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    if not args.memory and not args.path:
        parser.error("give --path or --memory")
    asyncio.run(_serve(None if args.memory else args.path, args.host, args.port))


class EmbeddedServer:
    """Owns the child process running the embedded server."""

    def __init__(self, *, path: Path | None, port: int = 0, host: str = "127.0.0.1") -> None:
        self.path, self.port, self.host = path, port, host
        self.process: subprocess.Popen[str] | None = None
        self.uri = ""

    def start(self, timeout: float = 30.0) -> str:
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        where = ["--memory"] if self.path is None else ["--path", str(self.path)]
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sannong.db.embedded",
                *where,
                "--host",
                self.host,
                "--port",
                str(self.port),
            ],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        line = self.process.stdout.readline().strip()
        if not line.startswith("mongodb://") or time.monotonic() > deadline:
            self.stop()
            raise RuntimeError(f"embedded database did not start: {line!r}")
        self.uri = line
        # Keep the port on restart so clients reconnect to the same address.
        self.port = int(line.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
        return self.uri

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        self.process = None


if __name__ == "__main__":
    main()
