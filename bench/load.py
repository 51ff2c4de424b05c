"""Load and capacity of the API over the embedded database, printed side by side in one
run and written to bench/results.md.

    make bench        (or: .venv/bin/python -m bench.load [--budget SECONDS] [--full])

1. Home at concurrency 1, 16 and 64 through a real `sannong serve` process: requests/s,
   p50/p95/p99, database commands per request, response bytes raw and compressed.
2. The floor (bench/floor.py: the same reads by hand, orjson) under the same load, and
   the ratio of the two processes' CPU time per request.
3. Listings search at about 1 000 and 10 000 listings: p95 and the ratio.
4. The capacity table of the embedded default (the SQLite engine): at 2, 25 and 50 % of
   one township's year (and 100 % with --full), the p95 of each main screen, and the
   largest size where every screen has p95 <= 200 ms.
5. The database's share: the embedded server's CPU time per request of each screen at
   each size, and the largest size's over the smallest's (issue 24: at most 2).
   `--capacity-only` measures only 4 and 5 and leaves bench/results.md alone: run it on
   two checkouts at the same time to compare a change.

The data set is the demo seed (written in-process into a memory engine, then copied
into a SQLite file) grown with copies of its documents: people spread over the demo
township's villages, listings, orders, notices with read receipts, daily prices. It is
written into the SQLite file by the engine in-process, between the server's runs,
because writing it over the wire costs minutes. The database server and the API are
real processes (`python -m sannong.db.embedded`, `sannong serve`); the load generator
is aiohttp in this process. These machines are shared: compare figures within a run.
"""

import argparse
import asyncio
import contextlib
import os
import platform
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any

import aiohttp
from bson import ObjectId
from mongoeco import AsyncMongoClient as InProcessClient
from mongoeco.engines.memory import MemoryEngine
from mongoeco.engines.sqlite import SQLiteEngine

from sannong.db.embedded import EmbeddedServer
from sannong.db.indexes import INDEXES
from sannong.rules.notices import sort_key
from sannong.security import Passwords
from sannong.seed import DEMO_ACCOUNTS, seed
from sannong.settings import Settings

DATABASE = "bench"
TOWNSHIP = "370783003000"  # the demo farmer's township: the data set grows inside it
RESULTS = Path(__file__).with_name("results.md")
METRICS_TOKEN = "bench-metrics"
TARGET_MS = 200.0
SCREEN_REQUESTS = 30  # per screen and size, one after another, after two warm-ups
random.seed(14)

HOME = """query($v: ID!, $n: Int) {
  me { name unreadNoticeCount
       followedCommodities { name latestPrice { price unit changePct7d } } }
  notices(regionId: $v, first: $n) {
    edges { node { id title category publishedAt pinned read } } }
  alerts(regionId: $v) { id kind severity title validUntil }
  videoSessions(first: 3) { edges { node { title startsAt expert { name specialties } } } }
  listings(filter: { regionId: $v }, first: $n) {
    edges { node { id title price unit seller { name } } } }
}"""
SCREENS = {
    "Home": (HOME, {"n": 5}),
    "Market search": (
        """query($t: String) { listings(filter: { text: $t }, first: 20) { edges { node {
            title price unit seller { name } region { name } } } } }""",
        {"t": "大白菜"},
    ),
    "My orders": (
        """{ myOrders(role: BUYER, first: 20) { edges { node {
            title quantity total status listing { title } seller { name } } } } }""",
        {},
    ),
    "Notices": (
        """{ me { unreadNoticeCount } notices(first: 20) { edges { node {
            title category publishedAt read } } } }""",
        {},
    ),
    "Prices": (
        """query($c: ID!) { priceHistory(commodityId: $c, days: 30) { points { date avg } }
            latestPrices(first: 20) { edges { node { price commodity { name } } } } }""",
        {"c": "Q29tbW9kaXR5OmNvcm4="},  # Commodity:corn
    ),
}
SEARCH = SCREENS["Market search"]


@dataclass(frozen=True)
class Size:
    residents: int
    listings: int
    orders: int
    notices: int
    receipts: int
    daily_prices: int

    def scaled(self, share: float) -> "Size":
        return Size(**{f.name: max(1, round(getattr(self, f.name) * share)) for f in fields(self)})


# One township's year (issue 14); receipts: two notices read per resident.
YEAR = Size(20_000, 5_000, 20_000, 500, 40_000, 100_000)
STEPS = (0.02, 0.25, 0.5)  # `--full` adds the whole year
FULL_STEPS = (*STEPS, 1.0)


@dataclass
class Figures:
    requests: int
    seconds: float
    latencies: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def pct(self, p: int) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0]
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1]


@dataclass
class DataSet:
    """What the growth copies from (the seed's documents) and what it has grown to."""

    templates: dict[str, dict[str, Any]]
    villages: list[dict[str, Any]]
    commodities: list[dict[str, Any]]
    markets: list[str]
    counts: dict[str, int] = field(default_factory=dict)
    people: list[ObjectId] = field(default_factory=list)
    listings: list[ObjectId] = field(default_factory=list)
    notices: list[ObjectId] = field(default_factory=list)
    farmer: ObjectId | None = None
    receipts: set[tuple[ObjectId, ObjectId]] = field(default_factory=set)  # (notice, reader)
    month: int = 2  # the next month back in time the daily prices fill

    def size(self) -> Size:
        """What the data set holds (the seed's documents included)."""
        return Size(
            self.counts["users"],
            self.counts["listings"],
            self.counts["orders"],
            self.counts["notices"],
            self.counts["notice_reads"],
            self.counts["daily_prices"],
        )


# -- the data set ------------------------------------------------------------------------


async def build_base(path: Path) -> DataSet:
    """The demo seed, written in a memory engine in-process, copied into the SQLite file."""
    memory = InProcessClient(MemoryEngine())[DATABASE]
    settings = Settings(mongodb_uri="mongodb://unused")
    await seed(memory, Passwords(settings), reset=True, price_days=14)
    engine = SQLiteEngine(str(path))
    await engine.connect()
    target = InProcessClient(engine)[DATABASE]
    for name in await memory.list_collection_names():
        if docs := await memory[name].find({}).to_list():
            await target[name].insert_many(docs)
    await bench_indexes(target)
    await close(engine)
    farmer = await memory.users.find_one({"phone": DEMO_ACCOUNTS[0].phone})
    assert farmer is not None
    data = DataSet(
        templates={
            "users": farmer,
            "listings": await memory.listings.find_one({"status": "ACTIVE"}),
            "orders": await memory.orders.find_one({}),
            "notices": await memory.notices.find_one({"statement": None}),
            "notice_reads": await memory.notice_reads.find_one({}),
        },
        villages=await memory.regions.find({"parentId": TOWNSHIP}).to_list(),
        commodities=await memory.commodities.find({"category": "VEGETABLE"}).to_list(),
        markets=[m["_id"] for m in await memory.markets.find({}).to_list()],
        farmer=farmer["_id"],
    )
    data.people = [u["_id"] for u in await memory.users.find({}, {"_id": 1}).to_list()]
    data.listings = [x["_id"] for x in await memory.listings.find({}, {"_id": 1}).to_list()]
    data.notices = [x["_id"] for x in await memory.notices.find({}, {"_id": 1}).to_list()]
    data.receipts = {
        (r["noticeId"], r["userId"]) for r in await memory.notice_reads.find({}).to_list()
    }
    for name in ("users", "listings", "orders", "notices", "notice_reads", "prices"):
        data.counts[name] = await memory[name].count_documents({})
    data.counts["daily_prices"] = sum(
        len(month["days"]) for month in await memory.prices.find({}).to_list()
    )
    return data


# The embedded engine checks a unique index by reading the whole collection, per
# document inserted: copies of these collections would take an hour to write.
BULK = {"users", "orders", "notice_reads"}


async def bench_indexes(db: Any) -> None:
    """The service's indexes (sannong/db/indexes.py), those of the bulk collections
    without their unique constraint: reads are served the same, and the copies are
    unique by construction. (The API's start-up then finds them differing and says so.)"""
    for collection, indexes in INDEXES.items():
        models = [
            replace(index, unique=False).model() if collection in BULK else index.model()
            for index in indexes
        ]
        await db[collection].create_indexes(models)


def made_at(at: datetime) -> ObjectId:
    """An id that sorts by `at`, as the service's ids sort by their creation."""
    return ObjectId(int(at.timestamp()).to_bytes(4, "big") + os.urandom(8))


async def close(engine: SQLiteEngine) -> None:
    # The engine's heartbeat can race the close ("database is locked"), as in
    # sannong/db/embedded.py; the file is consistent either way.
    with contextlib.suppress(Exception):
        await engine.disconnect()


def _people(data: DataSet, count: int, at: datetime) -> list[dict[str, Any]]:
    template, docs = data.templates["users"], []
    for n in range(count):
        village = random.choice(data.villages)
        serial = data.counts["users"] + n
        docs.append(
            template
            | {
                "_id": ObjectId(),
                "phone": f"139{serial:08d}",
                "name": f"村民{serial}",
                "regionId": village["_id"],
                "path": village["path"],
                "followedCommodityIds": [c["_id"] for c in random.sample(data.commodities, 3)],
                "createdAt": at - timedelta(days=random.randint(0, 365)),
            }
        )
    return docs


def _listings(data: DataSet, count: int, at: datetime) -> list[dict[str, Any]]:
    template, docs = data.templates["listings"], []
    for _ in range(count):
        crop = random.choice(data.commodities)
        village = random.choice(data.villages)
        created = at - timedelta(minutes=random.randint(0, 365 * 24 * 60))
        docs.append(
            template
            | {
                "_id": made_at(created),
                "commodity": crop["name"],
                "title": f"自家{crop['name']}",
                "sellerId": random.choice(data.people),
                "regionId": village["_id"],
                "path": village["path"],
                "priceFen": random.randint(100, 900),
                "status": "ACTIVE" if random.random() < 0.8 else "CLOSED",
                "searchTokens": [crop["name"], "自家", "新鲜"],
                "createdAt": created,
                "updatedAt": created,
            }
        )
    return docs


def _orders(data: DataSet, count: int, at: datetime) -> list[dict[str, Any]]:
    template, docs = data.templates["orders"], []
    for n in range(count):
        created = at - timedelta(minutes=random.randint(0, 365 * 24 * 60))
        # the demo farmer buys as often as anyone in a village of 1 000
        buyer = data.farmer if random.random() < 0.001 else random.choice(data.people)
        docs.append(
            template
            | {
                "_id": made_at(created),
                "listingId": random.choice(data.listings),
                "sellerId": random.choice(data.people),
                "buyerId": buyer,
                "status": random.choice(["PENDING", "ACCEPTED", "COMPLETED", "CANCELLED"]),
                "idempotencyKey": f"bench-{data.counts['orders'] + n}",
                "createdAt": created,
                "updatedAt": created,
            }
        )
    return docs


def _notices(data: DataSet, count: int, at: datetime) -> list[dict[str, Any]]:
    template, docs = data.templates["notices"], []
    for n in range(count):
        region = random.choice(
            [*data.villages, {"_id": TOWNSHIP, "path": data.villages[0]["path"][:-1]}]
        )
        published = at - timedelta(minutes=random.randint(0, 365 * 24 * 60))
        docs.append(
            template
            | {
                "_id": made_at(published),
                "title": f"关于第{data.counts['notices'] + n}号事项的公告",
                "regionId": region["_id"],
                "path": region["path"],
                "publishedAt": published,
                "sortKey": sort_key(False, published),
                # a third have expired: kept, shown only when asked
                "expiresAt": None if random.random() < 0.67 else published + timedelta(days=30),
            }
        )
    return docs


def _receipts(data: DataSet, count: int, at: datetime) -> list[dict[str, Any]]:
    template, docs = data.templates["notice_reads"], []
    while len(docs) < count:
        pair = (random.choice(data.notices), random.choice(data.people))
        if pair in data.receipts:  # one receipt per notice and reader (a unique index)
            continue
        data.receipts.add(pair)
        docs.append(
            template | {"_id": ObjectId(), "noticeId": pair[0], "userId": pair[1], "readAt": at}
        )
    return docs


def _prices(data: DataSet, days: int, at: datetime) -> list[dict[str, Any]]:
    """Month documents (commodity x market x month) holding `days` daily prices or more,
    filling months further back in time."""
    docs: list[dict[str, Any]] = []
    filled = 0
    while filled < days:
        first = (at.replace(day=1) - timedelta(days=31 * data.month)).date().replace(day=1)
        data.month += 1
        for crop in data.commodities:
            for market in data.markets:
                entries = {}
                for day in range(1, 29):
                    avg = random.randint(150, 600)
                    entries[f"d{day:02d}"] = {"low": avg - 20, "avg": avg, "high": avg + 20}
                month = first.strftime("%Y-%m")
                docs.append(
                    {
                        "_id": f"{crop['_id']}:{market}:{month}",
                        "commodityId": crop["_id"],
                        "marketId": market,
                        "month": month,
                        "unit": crop["unit"],
                        "days": entries,
                    }
                )
                filled += len(entries)
                if filled >= days:
                    return docs
    return docs


async def grow(path: Path, data: DataSet, size: Size) -> float:
    """Adds copies until the data set has `size`; returns the seconds it took."""
    started = time.perf_counter()
    at = datetime.now(UTC)
    engine = SQLiteEngine(str(path))
    await engine.connect()
    db = InProcessClient(engine)[DATABASE]
    plan: list[tuple[str, Callable[[DataSet, int, datetime], list[dict[str, Any]]], int]] = [
        ("users", _people, size.residents),
        ("listings", _listings, size.listings),
        ("orders", _orders, size.orders),
        ("notices", _notices, size.notices),
        ("notice_reads", _receipts, size.receipts),
    ]
    for name, make, wanted in plan:
        missing = wanted - data.counts[name]
        if missing <= 0:
            continue
        docs = make(data, missing, at)
        took = time.perf_counter()
        for start in range(0, len(docs), 5_000):
            await db[name].insert_many(docs[start : start + 5_000])
        if os.environ.get("BENCH_TRACE"):
            print(f"  {name}: {len(docs)} in {time.perf_counter() - took:.1f} s", flush=True)
        data.counts[name] += missing
        ids = [d["_id"] for d in docs]
        {"users": data.people, "listings": data.listings, "notices": data.notices}.get(
            name, []
        ).extend(ids)
    if (missing := size.daily_prices - data.counts["daily_prices"]) > 0:
        months = _prices(data, missing, at)
        await db.prices.insert_many(months)
        data.counts["daily_prices"] += sum(len(m["days"]) for m in months)
    await close(engine)
    return time.perf_counter() - started


# -- the processes -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    parts = stat[stat.rindex(")") + 2 :].split()
    return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.asynccontextmanager
async def process(
    command: list[str], port: int, log: Path, env: dict[str, str]
) -> AsyncIterator[int]:
    """A server process until the block ends; yields its pid once it answers on `port`.
    Its output goes to `log`."""
    with log.open("w") as output:
        child = await asyncio.create_subprocess_exec(
            *command, env={**os.environ, **env}, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 60
        async with aiohttp.ClientSession() as http:
            while True:
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"http://127.0.0.1:{port}/healthz") as answer:
                        if answer.status in (200, 404):
                            break
                if child.returncode is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{command[2]} did not start, see {log}")
                await asyncio.sleep(0.2)
        yield child.pid
    finally:
        child.terminate()
        try:
            await asyncio.wait_for(child.wait(), 15)
        except TimeoutError:
            child.kill()
            await child.wait()


def api_command(port: int) -> list[str]:
    return [str(Path(sys.executable).with_name("sannong")), "serve", "--port", str(port)]


def api_env(uri: str, data_dir: Path) -> dict[str, str]:
    return {
        "SANNONG_MONGODB_URI": uri,
        "SANNONG_DATABASE": DATABASE,
        "SANNONG_DATA_DIR": str(data_dir),
        "SANNONG_LOG_LEVEL": "WARNING",
        "SANNONG_JOBS_ENABLED": "false",  # reminders and SMS are not the load measured
        "SANNONG_METRICS_TOKEN": METRICS_TOKEN,
        "SANNONG_LOGIN_MAX_ATTEMPTS_PER_ADDRESS": "10000",
        "SANNONG_LOGIN_MAX_FAILURES_PER_PHONE": "10000",
        # Every request of the load generator comes from one address: the per-client limits
        # (20 per second) would answer 429 to the load itself.
        "SANNONG_GRAPHQL_PER_SECOND_PER_CLIENT": "100000",
        "SANNONG_GRAPHQL_BURST_PER_CLIENT": "100000",
        "SANNONG_GRAPHQL_IN_FLIGHT_PER_CLIENT": "1000",
    }


# -- the load ----------------------------------------------------------------------------


type Send = Callable[[aiohttp.ClientSession], Any]


async def drive(send: Send, concurrency: int, total: int) -> Figures:
    """`total` requests by `concurrency` clients at once, each sending when it got its
    answer. Fresh connections: a server closes those idle for 5 s (keep-alive), and a
    request sent on one as it closes would fail."""
    latencies: list[float] = []
    left = total

    async def client(http: aiohttp.ClientSession) -> None:
        nonlocal left
        while left > 0:
            left -= 1
            started = time.perf_counter()
            async with send(http) as answer:
                await answer.read()
                assert answer.status == 200, answer.status
            latencies.append((time.perf_counter() - started) * 1000)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        started = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(concurrency)))
        return Figures(total, time.perf_counter() - started, latencies)


async def login(http: aiohttp.ClientSession, url: str) -> str:
    account = DEMO_ACCOUNTS[0]
    body = {
        "query": "mutation($i: LoginInput!) { login(input: $i) { token } }",
        "variables": {"i": {"phone": account.phone, "password": account.password}},
    }
    async with http.post(f"{url}/graphql", json=body) as answer:
        token: str = (await answer.json())["data"]["login"]["token"]
    return token


async def db_commands(http: aiohttp.ClientSession, url: str) -> float:
    headers = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    async with http.get(f"{url}/metrics", headers=headers) as answer:
        text = await answer.text()
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("sannong_db_commands_total{")
    )


async def commands_per_request(
    http: aiohttp.ClientSession, url: str, send: Send, n: int = 30
) -> float:
    """Commands counted by the API's metrics over `n` requests, less the event feed's
    polling measured over a quiet second."""
    before = await db_commands(http, url)
    await asyncio.sleep(1.0)
    idle = await db_commands(http, url) - before
    before = await db_commands(http, url)
    started = time.perf_counter()
    for _ in range(n):
        async with send(http) as answer:
            await answer.read()
    elapsed = time.perf_counter() - started
    return (await db_commands(http, url) - before - idle * elapsed) / n


async def sizes_of(url: str, body: dict[str, Any], headers: dict[str, str]) -> dict[str, int]:
    found = {}
    async with aiohttp.ClientSession(auto_decompress=False) as raw:
        for name, accept in (("raw", "identity"), ("gzip", "gzip"), ("br", "br")):
            async with raw.post(
                f"{url}/graphql", json=body, headers=headers | {"Accept-Encoding": accept}
            ) as answer:
                found[name] = len(await answer.read())
    return found


@dataclass(frozen=True)
class Screen:
    p95_ms: float
    db_cpu_ms: float  # the database process's CPU time per request


async def screen_figures(
    http: aiohttp.ClientSession,
    url: str,
    token: str,
    village: str,
    database_pid: int,
    only: str | None = None,
) -> dict[str, Screen]:
    """Each screen's p95 and the database's CPU time per request: the embedded server is
    a process of its own, so its CPU time around the requests is the database's share
    (the machine's load stretches wall time, not CPU time)."""
    headers = {"Authorization": f"Bearer {token}"}
    found = {}
    for name, (query, variables) in SCREENS.items():
        if only is not None and name != only:
            continue
        body = {"query": query, "variables": variables | ({"v": village} if "$v" in query else {})}

        def send(http: aiohttp.ClientSession, body: dict[str, Any] = body) -> Any:
            return http.post(f"{url}/graphql", json=body, headers=headers)

        async with send(http) as answer:
            result = await answer.json()
            assert "errors" not in result, (name, result)
        await drive(send, 1, 1)
        before = cpu_seconds(database_pid)
        figures = await drive(send, 1, SCREEN_REQUESTS)
        db_ms = (cpu_seconds(database_pid) - before) * 1000 / SCREEN_REQUESTS
        found[name] = Screen(figures.pct(95), db_ms)
    return found


# -- the run -----------------------------------------------------------------------------


def machine() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    return (
        f"{os.cpu_count()} cores, {model}; Python {platform.python_version()}; "
        f"mongoeco {version('mongoeco')} (SQLite engine, the default), "
        f"pymongo {version('pymongo')}, strawberry-graphql {version('strawberry-graphql')}"
    )


def load_average() -> str:
    """The machine is shared: what else ran explains a noisy figure."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def row(*cells: object) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


async def run(budget: float, full: bool, capacity_only: bool = False) -> list[str]:
    begun = time.perf_counter()
    out: list[str] = []

    def say(line: str = "") -> None:
        print(line, flush=True)
        out.append(line)

    workdir = Path(tempfile.mkdtemp(prefix="sannong-bench-"))
    path = workdir / "bench.sqlite"
    try:
        say(f"Machine: {machine()}; load average at the start {load_average()}")
        how = "--full" if full else f"--budget {budget:.0f}"
        say(f"Run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, `python -m bench.load {how}`")
        say()
        data = await build_base(path)
        first = YEAR.scaled(STEPS[0])
        seconds = await grow(path, data, first)
        say(f"Data set built in {time.perf_counter() - begun:.0f} s (last growth {seconds:.0f} s).")
        village = base64_id("Region", data.templates["users"]["regionId"])

        if not capacity_only:
            # 1 and 2: Home, and the floor, under load
            say()
            say(f"## Home under load ({describe(data.size())})")
            say()
            database = EmbeddedServer(path=path)
            uri = database.start()
            try:
                api_port, floor_port = free_port(), free_port()
                floor = [sys.executable, "-m", "bench.floor", "--uri", uri, "--database", DATABASE]
                async with (
                    process(
                        api_command(api_port), api_port, workdir / "api.log", api_env(uri, workdir)
                    ) as api_pid,
                    process(
                        [*floor, "--port", str(floor_port)], floor_port, workdir / "floor.log", {}
                    ) as floor_pid,
                    aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100)) as http,
                ):
                    api = f"http://127.0.0.1:{api_port}"
                    token = await login(http, api)
                    headers = {"Authorization": f"Bearer {token}", "Accept-Encoding": "identity"}
                    body = {"query": HOME, "variables": {"v": village, "n": 5}}
                    floor_url = f"http://127.0.0.1:{floor_port}/home?village={data.templates['users']['regionId']}&n=5"

                    def graphql(http: aiohttp.ClientSession) -> Any:
                        return http.post(f"{api}/graphql", json=body, headers=headers)

                    def by_hand(http: aiohttp.ClientSession) -> Any:
                        return http.get(floor_url, headers=headers)

                    for send in (graphql, by_hand):  # fills both processes' copies
                        await drive(send, 1, 10)
                    commands = await commands_per_request(http, api, graphql)
                    sizes = await sizes_of(api, body, headers)
                    say(
                        row(
                            "server",
                            "concurrency",
                            "req/s",
                            "p50 ms",
                            "p95 ms",
                            "p99 ms",
                            "CPU ms/req",
                        )
                    )
                    say(row(*["---"] * 7))
                    cpu: dict[str, float] = {}
                    for concurrency, total in ((1, 30), (16, 128), (64, 256)):
                        for name, send, pid in (
                            ("GraphQL", graphql, api_pid),
                            ("floor", by_hand, floor_pid),
                        ):
                            before = cpu_seconds(pid)
                            figures = await drive(send, concurrency, total)
                            per_request = (cpu_seconds(pid) - before) * 1000 / total
                            cpu[f"{name}{concurrency}"] = per_request
                            say(
                                row(
                                    name,
                                    concurrency,
                                    f"{figures.rps:.0f}",
                                    f"{figures.pct(50):.1f}",
                                    f"{figures.pct(95):.1f}",
                                    f"{figures.pct(99):.1f}",
                                    f"{per_request:.2f}",
                                )
                            )
                    say()
                    ratio = (cpu["GraphQL16"] + cpu["GraphQL64"]) / (
                        cpu["floor16"] + cpu["floor64"]
                    )
                    say(f"- Database commands per Home request: {commands:.1f}")
                    say(
                        f"- Home response: {sizes['raw']} B raw, {sizes['gzip']} B gzip, "
                        f"{sizes['br']} B brotli"
                    )
                    say(
                        f"- API CPU per request ÷ floor CPU per request (concurrency 16 and 64): "
                        f"**{ratio:.2f}×**"
                    )
            finally:
                database.stop()

        # 3 and 4: the capacity of the embedded default
        say()
        say("## Capacity of the embedded default (SQLite engine)")
        say()
        say(
            f"p95 ms of each screen, {SCREEN_REQUESTS} requests one after another; "
            f"sizes as a share of one township's year ({describe(YEAR)})."
        )
        say()
        say(
            row(
                "share",
                "residents",
                "listings",
                "orders",
                "notices",
                "receipts",
                "daily prices",
                *SCREENS,
                "all ≤ 200 ms",
            )
        )
        say(row(*["---"] * (7 + len(SCREENS) + 1)))
        largest: Size | None = None
        search: dict[int, float] = {}
        database_ms: dict[float, dict[str, float]] = {}
        for share in FULL_STEPS if full else STEPS:
            size = YEAR.scaled(share)
            if share != STEPS[0]:
                if time.perf_counter() - begun > budget:
                    say(f"(stopped before {share:.0%}: the time budget of {budget:.0f} s is spent)")
                    break
                await grow(path, data, size)
            screens = await measure(path, workdir, village)
            p95 = {name: screen.p95_ms for name, screen in screens.items()}
            database_ms[share] = {name: screen.db_cpu_ms for name, screen in screens.items()}
            size = data.size()  # the seed's own documents count too
            search[size.listings] = p95["Market search"]
            fine = all(v <= TARGET_MS for v in p95.values())
            if fine:
                largest = size
            say(
                row(
                    f"{share:.0%}",
                    *(f"{getattr(size, f.name):,}" for f in fields(size)),
                    *(f"{p95[name]:.0f}" for name in SCREENS),
                    "yes" if fine else "no",
                )
            )
            if max(p95.values()) > 5 * TARGET_MS:
                say(f"(stopped after {share:.0%}: a screen is far past {TARGET_MS:.0f} ms)")
                break
        say()
        say(
            "- Largest size measured with every screen p95 ≤ 200 ms: "
            + (describe(largest) if largest else "none of the sizes measured")
        )
        say_database_share(say, database_ms)

        # 3: listings search at 1 000 and 10 000+ listings
        if data.counts["listings"] < 10_000 and not capacity_only:  # a few seconds: listings only
            await grow(path, data, replace(data.size(), listings=10_000))
            search[10_000] = (await measure(path, workdir, village, only="Market search"))[
                "Market search"
            ]
        say()
        say("## Listings search")
        say()
        say(row("listings", "p95 ms"))
        say(row("---", "---"))
        for count, p95 in sorted(search.items()):
            say(row(f"{count:,}", f"{p95:.0f}"))
        near_1k = min(search, key=lambda c: abs(c - 1_000))
        most = max(search)
        say()
        ratio = search[most] / search[near_1k]
        say(f"- p95 at {most:,} ÷ p95 at {near_1k:,} listings: {ratio:.1f}×")
        say()
        say(f"Whole run: {time.perf_counter() - begun:.0f} s; load average {load_average()}.")
        return out
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def say_database_share(say: Callable[[str], None], by_share: dict[float, dict[str, float]]) -> None:
    """The database's CPU per request of each screen at each size, and how it grows: the
    largest size measured over the smallest (the target is at most 2)."""
    say("")
    say("## The database's share: its CPU ms per request")
    say("")
    shares = sorted(by_share)
    say(row("screen", *(f"{share:.0%}" for share in shares), "largest ÷ smallest"))
    say(row(*["---"] * (len(shares) + 2)))
    for name in SCREENS:
        cells = [by_share[share][name] for share in shares]
        ratio = cells[-1] / cells[0] if cells[0] > 0 else float("nan")
        say(row(name, *(f"{ms:.1f}" for ms in cells), f"{ratio:.1f}×"))
    means = [statistics.fmean(by_share[share].values()) for share in shares]
    say(row("mean", *(f"{ms:.1f}" for ms in means), f"{means[-1] / means[0]:.1f}×"))


async def measure(
    path: Path, workdir: Path, village: str, only: str | None = None
) -> dict[str, Screen]:
    database = EmbeddedServer(path=path)
    uri = database.start()
    assert database.process is not None
    try:
        port = free_port()
        async with (
            process(api_command(port), port, workdir / "api.log", api_env(uri, workdir)),
            aiohttp.ClientSession() as http,
        ):
            url = f"http://127.0.0.1:{port}"
            token = await login(http, url)
            found = await screen_figures(http, url, token, village, database.process.pid, only)
    finally:
        database.stop()
    return found


def describe(size: Size) -> str:
    return (
        f"{size.residents:,} residents, {size.listings:,} listings, {size.orders:,} orders, "
        f"{size.notices:,} notices with {size.receipts:,} read receipts, "
        f"{size.daily_prices:,} daily prices"
    )


def base64_id(kind: str, key: str) -> str:
    import base64

    return base64.b64encode(f"{kind}:{key}".encode()).decode()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--budget", type=float, default=240.0, help="seconds before growing stops")
    parser.add_argument("--full", action="store_true", help="every size, whatever the time")
    parser.add_argument(
        "--capacity-only",
        action="store_true",
        help="only the screens at each size (to compare a change), not Home under load",
    )
    args = parser.parse_args()
    budget = float("inf") if args.full else args.budget
    lines = asyncio.run(run(budget, args.full, args.capacity_only))
    if not args.capacity_only:  # a partial run does not replace the recorded one
        RESULTS.write_text("# Benchmark results (`make bench`)\n\n" + "\n".join(lines) + "\n")
        print(f"\nwritten to {RESULTS}")


if __name__ == "__main__":
    main()
