"""The event feed across processes: publish → deliver latency, and what an idle feed costs.

    make bench        (or: .venv/bin/python -m bench.events)

Two `sannong serve` processes on one embedded database (SQLite file, as `make run`
uses). A buyer subscribes on the first; orders are placed and accepted through the
second. Printed:

- mutation sent → update received by the subscriber (p50/p95), what a person sees;
- written → delivered: the order's `updatedAt` (set by the rule just before it
  publishes) to the moment the subscriber receives the update;
- database commands per idle second of each process, and the embedded server's
  CPU time per idle second while both processes only follow the feed.

Figures are for comparison within one run: these machines are shared and noisy.
"""

import asyncio
import contextlib
import os
import random
import statistics
import tempfile
import time
from collections.abc import Coroutine, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from sannong.db.client import open_client
from sannong.db.embedded import EmbeddedServer
from sannong.db.indexes import ensure_indexes
from sannong.seed.regions import seed_regions
from sannong.settings import Settings
from tests.factories import METRICS_TOKEN, Api
from tests.market import COMPLETE, PLACE, RESPOND, create_listing, new_key
from tests.servers import Server, Socket, serving

SUBSCRIBE = "subscription { orderUpdated { id status updatedAt } }"
ORDERS = 20  # three updates each: placed, accepted, completed
IDLE_SECONDS = 5.0


def percentiles(samples: Sequence[float]) -> str:
    cuts = statistics.quantiles(samples, n=20)
    return f"p50 {statistics.median(samples):6.1f} ms   p95 {cuts[18]:6.1f} ms   n={len(samples)}"


async def commands_sent(server: Server) -> float:
    async with httpx.AsyncClient(base_url=server.url) as http:
        headers = {"Authorization": f"Bearer {METRICS_TOKEN}"}
        text = (await http.get("/metrics", headers=headers)).text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        if family.name == "sannong_db_commands"
        for sample in family.samples
        if sample.name.endswith("_total")
    )


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


async def timed(
    subscriber: Socket, write: Coroutine[Any, Any, Any], samples: list[tuple[float, float]]
) -> Any:
    """Runs one mutation and records how long until the subscriber heard of it."""
    await asyncio.sleep(random.uniform(0, 0.2))  # no lockstep with the polling tick
    started = time.monotonic()
    writing = asyncio.ensure_future(write)
    message = await subscriber.receive(within=10)
    received = datetime.now(UTC)
    elapsed = time.monotonic() - started
    updated = datetime.fromisoformat(message["payload"]["data"]["orderUpdated"]["updatedAt"])
    samples.append((elapsed * 1000, (received - updated).total_seconds() * 1000))
    return await writing


async def run(uri: str, data_dir: Path, embedded_pid: int) -> None:
    settings = Settings()
    client = open_client(uri, 5000)
    db = client[settings.database]
    await ensure_indexes(db)
    await seed_regions(db)
    async with (
        serving(uri, settings.database, data_dir) as first,
        serving(uri, settings.database, data_dir) as second,
    ):
        api = Api(httpx.AsyncClient(base_url=second.url), db)
        seller, buyer = await api.person(), await api.person()
        listing = await create_listing(api, seller, quantity=10_000)
        subscriber = await Socket.open(first.ws_url, buyer.token)
        await subscriber.start(SUBSCRIBE)
        as_buyer = await Socket.open(second.ws_url, buyer.token)
        as_seller = await Socket.open(second.ws_url, seller.token)
        await asyncio.sleep(1.0)  # the subscription starts asynchronously; then it listens

        samples: list[tuple[float, float]] = []
        for _ in range(ORDERS):
            order = {"listingId": listing["id"], "quantity": 1, "idempotencyKey": new_key()}
            placed = await timed(subscriber, as_buyer.execute(PLACE, {"i": order}), samples)
            step = {"i": {"orderId": placed["data"]["placeOrder"]["order"]["id"]}}
            # The seller accepts and completes: the buyer's open orders stay under the cap.
            await timed(
                subscriber, as_seller.execute(RESPOND, {"i": step["i"] | {"accept": True}}), samples
            )
            await timed(subscriber, as_seller.execute(COMPLETE, step), samples)
        end_to_end, write_to_deliver = zip(*samples, strict=True)

        print("Order updates across two processes (embedded database, polling reader)")
        print(f"  mutation sent → subscriber hears it   {percentiles(end_to_end)}")
        print(f"  written → delivered                   {percentiles(write_to_deliver)}")

        for socket in (subscriber, as_buyer, as_seller):
            await socket.close()
        await api.http.aclose()
        await asyncio.sleep(1.0)  # let in-flight work settle
        before = [await commands_sent(s) for s in (first, second)]
        cpu_before = cpu_seconds(embedded_pid)
        await asyncio.sleep(IDLE_SECONDS)
        cpu_after = cpu_seconds(embedded_pid)
        after = [await commands_sent(s) for s in (first, second)]
        # Each /metrics read is itself no database command; the figures are the feed's.
        per_second = [(b - a) / IDLE_SECONDS for a, b in zip(before, after, strict=True)]
        print(f"Idle feed, polling every {settings.event_poll_ms} ms")
        print(
            "  database commands per idle second, per process  "
            + "  ".join(f"{rate:.1f}" for rate in per_second)
        )
        print(
            "  embedded server CPU per idle second             "
            f"{(cpu_after - cpu_before) / IDLE_SECONDS * 1000:.0f} ms (both processes following)"
        )
    await client.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedServer(path=Path(tmp) / "bench.sqlite")
        uri = server.start()
        assert server.process is not None
        try:
            asyncio.run(run(uri, Path(tmp), server.process.pid))
        finally:
            with contextlib.suppress(Exception):
                server.stop()


if __name__ == "__main__":
    main()
