"""Real `sannong serve` processes on loopback, and graphql-transport-ws clients for them.

Used by the cross-process tests and by `bench/events.py`.
"""

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import websockets

from tests.factories import METRICS_TOKEN

# Cheap password hashing and no address limits: the tests register many people from 127.0.0.1
# (the per-client limits of /graphql are tested on their own).
TEST_ENV = {
    "SANNONG_ARGON2_MEMORY_KIB": "8",
    "SANNONG_ARGON2_TIME_COST": "1",
    "SANNONG_ARGON2_PARALLELISM": "1",
    "SANNONG_LOGIN_MAX_ATTEMPTS_PER_ADDRESS": "100000",
    "SANNONG_REGISTER_MAX_PER_ADDRESS": "100000",
    "SANNONG_GRAPHQL_IN_FLIGHT_PER_CLIENT": "100000",
    "SANNONG_GRAPHQL_PER_SECOND_PER_CLIENT": "100000",
    "SANNONG_GRAPHQL_BURST_PER_CLIENT": "100000",
    # Tests open sockets with one token until the kernel hands one to another worker.
    "SANNONG_WS_CONNECTIONS_PER_TOKEN": "1000",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    process: asyncio.subprocess.Process
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"


@contextlib.asynccontextmanager
async def serving(
    mongodb_uri: str,
    database: str,
    data_dir: Path,
    *,
    workers: int = 1,
    stdout: int = asyncio.subprocess.DEVNULL,
    **settings: str,
) -> AsyncIterator[Server]:
    """`sannong serve` on a free port against the given database, until the block ends
    (`stdout=asyncio.subprocess.PIPE`: what it prints, in `server.process.stdout`)."""
    env = {
        **os.environ,
        **TEST_ENV,
        "SANNONG_MONGODB_URI": mongodb_uri,
        "SANNONG_DATABASE": database,
        "SANNONG_DATA_DIR": str(data_dir),
        "SANNONG_METRICS_TOKEN": METRICS_TOKEN,
        **{f"SANNONG_{key.upper()}": value for key, value in settings.items()},
    }
    port = free_port()
    command = [sys.executable, "-m", "sannong.cli", "serve", "--port", str(port)]
    process = await asyncio.create_subprocess_exec(
        *command,
        "--workers",
        str(workers),
        env=env,
        stdout=stdout,
        stderr=asyncio.subprocess.DEVNULL,
    )
    server = Server(process, port)
    try:
        await _until_ready(server, workers)
        yield server
    finally:
        with contextlib.suppress(ProcessLookupError):  # a test may have killed it
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 20)
        except TimeoutError:
            process.kill()
            await process.wait()


async def _until_ready(server: Server, workers: int) -> None:
    async with httpx.AsyncClient(base_url=server.url) as http:
        for _ in range(1200):
            if server.process.returncode is not None:
                raise RuntimeError(f"sannong serve exited with {server.process.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                if (await http.get("/readyz")).status_code == 200 and (
                    workers == 1 or len(worker_pids(server)) == workers
                ):
                    return
            await asyncio.sleep(0.1)
    raise RuntimeError("sannong serve did not become ready within 120 s")


def worker_pids(server: Server) -> set[int]:
    """Processes under `serve` that hold a socket (uvicorn's workers when there are several)."""
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
    pids = {int(pid) for pid in children.read_text().split()} if children.exists() else set()
    return {pid for pid in pids if _socket_inodes(pid)} or {server.process.pid}


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    with contextlib.suppress(OSError):
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
    return inodes


def serving_pid(server: Server, client_port: int) -> int:
    """The process that accepted the TCP connection coming from `client_port` (Linux /proc):
    tells which uvicorn worker serves a WebSocket, without anything in the app for tests."""
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].rsplit(":", 1)[1], 16)
        remote_port = int(fields[2].rsplit(":", 1)[1], 16)
        if local_port == server.port and remote_port == client_port:
            inode = fields[9]
    assert inode is not None, "connection not found in /proc/net/tcp"
    for pid in worker_pids(server):
        if inode in _socket_inodes(pid):
            return pid
    raise AssertionError("no worker holds the connection")


def client_pid(client_port: int, server_port: int, pids: set[int]) -> int | None:
    """Which of `pids` opened the TCP connection from `client_port` to a loopback server
    on `server_port` (Linux /proc): tells which process sent a request, from the server."""
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].rsplit(":", 1)[1], 16)
        remote_port = int(fields[2].rsplit(":", 1)[1], 16)
        if local_port == client_port and remote_port == server_port:
            inode = fields[9]
    return next((pid for pid in pids if inode in _socket_inodes(pid)), None)


class Socket:
    """One graphql-transport-ws connection, signed in with a bearer token."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self._ids = 0

    @classmethod
    async def open(cls, url: str, token: str | None) -> "Socket":
        protocol = websockets.Subprotocol("graphql-transport-ws")
        connection = await websockets.connect(url, subprotocols=[protocol])
        payload = {"Authorization": f"Bearer {token}"} if token else {}
        await connection.send(json.dumps({"type": "connection_init", "payload": payload}))
        assert json.loads(await connection.recv())["type"] == "connection_ack"
        return cls(connection)

    @property
    def client_port(self) -> int:
        return int(self.connection.local_address[1])

    async def start(self, query: str, variables: dict[str, Any] | None = None) -> str:
        self._ids += 1
        payload = {"query": query, "variables": variables or {}}
        message = {"id": str(self._ids), "type": "subscribe", "payload": payload}
        await self.connection.send(json.dumps(message))
        return str(self._ids)

    async def receive(self, within: float = 5.0) -> dict[str, Any]:
        return json.loads(await asyncio.wait_for(self.connection.recv(), within))

    async def execute(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        """A query or mutation over the socket: its one result."""
        operation = await self.start(query, variables)
        while (message := await self.receive())["id"] != operation:
            continue  # a message of another operation on this socket
        assert message["type"] == "next", message
        assert (await self.receive())["type"] == "complete"
        return message["payload"]

    async def close(self) -> None:
        await self.connection.close()
