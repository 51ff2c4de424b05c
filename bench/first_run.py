"""The first run's seed, step by step: wall time and the embedded server's CPU time.

    .venv/bin/python -m bench.first_run [--price-days N]

Seeds a fresh SQLite file through a fresh embedded server, as the first `make run`
does (without starting the command line itself). The server's CPU time shows what
the machine's load does not: a busy machine stretches the wall time, not the CPU.
"""

import argparse
import asyncio
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sannong.db.client import open_command_client
from sannong.db.embedded import EmbeddedServer
from sannong.security import Passwords
from sannong.seed import seed
from sannong.seed.prices import DAYS
from sannong.seed.progress import Step, reporting_to
from sannong.settings import Settings


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _Writes:
    def __init__(self) -> None:
        self.count = 0

    def expect(self, count: int) -> None: ...

    def advance(self, count: int) -> None: ...

    def wrote(self, count: int) -> None:
        self.count += count


class PrintedSteps:
    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid

    @contextmanager
    def step(self, label: str) -> Iterator[Step]:
        writes = _Writes()
        wall, cpu = time.perf_counter(), cpu_seconds(self.server_pid)
        with reporting_to(writes):
            yield writes
        print(
            f"{writes.count:>6} {time.perf_counter() - wall:>8.1f}"
            f" {cpu_seconds(self.server_pid) - cpu:>9.1f}  {label}",
            flush=True,
        )


async def main(price_days: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        server = EmbeddedServer(path=Path(folder) / "sannong.sqlite")
        client = open_command_client(server.start())
        assert server.process is not None
        try:
            print(f"load average {os.getloadavg()[0]:.2f}")
            print(f"{'writes':>6} {'wall s':>8} {'db cpu s':>9}  step")
            started = time.perf_counter()
            await seed(
                client["sannong"],
                Passwords(Settings()),  # the real argon2 cost, as on a first run
                price_days=price_days,
                progress=PrintedSteps(server.process.pid),
            )
            print(f"{'':>6} {time.perf_counter() - started:>8.1f} {'':>9}  total")
            print(f"load average {os.getloadavg()[0]:.2f}")
        finally:
            await client.close()
            server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--price-days", type=int, default=DAYS)
    asyncio.run(main(parser.parse_args().price_days))
