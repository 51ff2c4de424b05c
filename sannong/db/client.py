"""The one database client of a process, and the counter of commands per request."""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import Counter
from pymongo import AsyncMongoClient, monitoring

from sannong.db import Client

DB_COMMANDS = Counter("sannong_db_commands_total", "Database commands sent", ["command"])

# Commands bookkeeping the driver sends on its own; they are not the request's work.
_IGNORED = frozenset({"endSessions", "hello", "isMaster", "ismaster", "killCursors"})


@dataclass
class CommandTally:
    names: list[str] = field(default_factory=list)
    # The commands themselves, as sent: a test explains them (tests/test_query_plans.py).
    commands: list[Mapping[str, Any]] = field(default_factory=list)
    parent: "CommandTally | None" = None  # an enclosing tally counts the same commands

    @property
    def count(self) -> int:
        return len(self.names)


_current_tally: ContextVar[CommandTally | None] = ContextVar("command_tally", default=None)


@contextmanager
def count_commands() -> Iterator[CommandTally]:
    """Count the database commands issued by the code inside the block (same task tree)."""
    tally = CommandTally(parent=_current_tally.get())
    token = _current_tally.set(tally)
    try:
        yield tally
    finally:
        _current_tally.reset(token)


class _CommandListener(monitoring.CommandListener):
    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name in _IGNORED:
            return
        DB_COMMANDS.labels(event.command_name).inc()
        tally = _current_tally.get()
        while tally is not None:
            tally.names.append(event.command_name)
            tally.commands.append(event.command)
            tally = tally.parent

    # Only commands sent are counted; their outcome is the request's business.
    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None: ...

    def failed(self, event: monitoring.CommandFailedEvent) -> None: ...


def open_client(uri: str, timeout_ms: int) -> Client:
    """The client of requests: every operation ends within `timeout_ms`, finding the
    server, connecting and waiting for the answer included (pymongo's client-side
    operation timeout), so a database that is down or hung fails a request fast.
    Work that may take longer (index builds) sets its own `pymongo.timeout`."""
    return _client(
        uri, serverSelectionTimeoutMS=timeout_ms, connectTimeoutMS=timeout_ms, timeoutMS=timeout_ms
    )


def open_job_client(uri: str, timeout_ms: int) -> Client:
    """The client of background jobs (fan-out, reminders): the same bounds as a request's,
    longer. A job has nobody waiting on it, and on a busy machine a bulk write of a batch
    takes longer than a request may: with a request's 2 s every try of a fan-out failed
    and it never got through. Each operation still ends within `timeout_ms`, so a hung
    database fails the try, which is retried later."""
    return _client(
        uri, serverSelectionTimeoutMS=timeout_ms, connectTimeoutMS=timeout_ms, timeoutMS=timeout_ms
    )


# Batch commands write for minutes on a busy machine: they wait longer for the server
# and for each answer, and retry what failed (see `sannong.seed.batches`).
COMMAND_SERVER_WAIT_MS = 30_000
COMMAND_SOCKET_TIMEOUT_MS = 120_000


def open_command_client(uri: str) -> Client:
    """The client of command-line work (seed, imports, create-admin)."""
    return _client(
        uri,
        serverSelectionTimeoutMS=COMMAND_SERVER_WAIT_MS,
        connectTimeoutMS=COMMAND_SERVER_WAIT_MS,
        socketTimeoutMS=COMMAND_SOCKET_TIMEOUT_MS,
    )


def _client(uri: str, **timeouts: Any) -> Client:
    """Every client of the project: times with their zone, and its commands counted."""
    return AsyncMongoClient(uri, tz_aware=True, event_listeners=[_CommandListener()], **timeouts)
