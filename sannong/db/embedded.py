"""The embedded MongoDB-compatible server (mongoeco) in a process of its own.

Several uvicorn workers share one server, so it cannot live inside a worker.
`python -m sannong.db.embedded --path FILE --port N` serves a SQLite file;
`--memory` serves an in-memory engine (tests). The first line on stdout is the URI.
`sannong serve` supervises it: a server that dies is started again on the same port
and file, so the API recovers by itself.
"""

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from mongoeco.engines.memory import MemoryEngine
from mongoeco.engines.sqlite import SQLiteEngine
from mongoeco.wire import AsyncMongoEcoProxyServer
from prometheus_client import Counter

log = logging.getLogger("sannong.db.embedded")

RESTARTS = Counter(
    "sannong_embedded_db_restarts_total", "Restarts of the embedded database after it stopped"
)
FIRST_RESTART_DELAY = 0.5
MAX_RESTART_DELAY = 30.0
STABLE_AFTER_SECONDS = 60.0  # up this long: the next failure starts the backoff anew


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
        self._started_at = 0.0
        self._lock = threading.RLock()  # start/stop against the supervisor
        self._stopping = threading.Event()
        self._supervisor: threading.Thread | None = None

    def start(self, timeout: float = 30.0) -> str:
        with self._lock:
            return self._start(timeout)

    def _start(self, timeout: float) -> str:
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
            # Ctrl-C on the terminal stops `serve`, which then stops the server: reaching
            # the server first, it would look like a crash to the supervisor.
            process_group=0,
        )
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        line = self.process.stdout.readline().strip()
        if not line.startswith("mongodb://") or time.monotonic() > deadline:
            self._terminate()
            raise RuntimeError(f"embedded database did not start: {line!r}")
        self.uri = line
        # Keep the port on restart so clients reconnect to the same address.
        self.port = int(line.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
        self._started_at = time.monotonic()
        return self.uri

    def supervise(self) -> None:
        """Start the server again, on the same port and file, whenever it stops without
        being told to: first after half a second, then backing off up to 30 s."""
        self._stopping.clear()
        self._supervisor = threading.Thread(
            target=self._watch, name="embedded-db-supervisor", daemon=True
        )
        self._supervisor.start()

    def _watch(self) -> None:
        delay = FIRST_RESTART_DELAY
        while True:
            process = self.process
            if process is not None:
                code = process.wait()
                if self._stopping.is_set():
                    return
                if time.monotonic() - self._started_at > STABLE_AFTER_SECONDS:
                    delay = FIRST_RESTART_DELAY
                log.error(
                    "embedded database stopped, restarting it",
                    extra={"exit_code": code, "restart_in_seconds": delay},
                )
            if self._stopping.wait(delay):
                return
            delay = min(delay * 2, MAX_RESTART_DELAY)
            with self._lock:
                if self._stopping.is_set():
                    return
                try:
                    self._start(timeout=30.0)
                except Exception as error:  # the port or file still busy: try again later
                    log.error("embedded database did not restart", extra={"error": str(error)})
                    continue
            RESTARTS.inc()
            log.warning("embedded database restarted", extra={"port": self.port})

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            self._terminate()
        supervisor, self._supervisor = self._supervisor, None
        if supervisor is not None and supervisor is not threading.current_thread():
            supervisor.join(timeout=10)

    def _terminate(self) -> None:
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
