"""Where the API's CPU goes on a farmer's Home request, next to the hand-written floor.

    .venv/bin/python -m bench.profile_home [--requests N] [--rounds R] [--top K]
        [--sort tottime|cumulative] [--save FILE] [--pyinstrument] [--concurrency C]
        [--compare-only]

Seeds the demo data grown to the first size of `bench/load.py` (the same helpers, the
same SQLite file), serves it from the embedded server in its own process, then drives
the real ASGI apps in this process, with raw ASGI messages (no HTTP client or server in
between: their cost is the same for all and not ours to cut):

1. the API (`create_app`) with Home requests as the demo farmer (logged in once), its
   schema run by each of the executors in turn (`EXECUTORS`): the API's as configured,
   and the alternatives it was measured against;
2. the floor (`bench/floor.py`'s endpoint) with requests for the same data,

in R short rounds of N/4 requests each, taking turns. It prints the CPU milliseconds
per request of this process for each, best and median of the rounds (time.process_time:
the machine is shared, so wall time is noise, and even CPU time varies with what else
runs; the database server's CPU is another process's and not counted), their ratios to
the floor, the garbage collector's share, and (unless --compare-only, as `make bench`
runs it) a cProfile top list of N more API requests (a second, profiled run timed by
CPU time: cProfile slows calls down, so its times are relative only).
"""

import argparse
import asyncio
import contextlib
import cProfile
import gc
import io
import pstats
import shutil
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import strawberry
import uvloop
from starlette.applications import Starlette
from starlette.routing import Route

from bench.floor import Floor
from bench.load import (
    DATABASE,
    HOME,
    STEPS,
    YEAR,
    base64_id,
    build_base,
    grow,
)
from bench.remembered_selections import remember_selections
from sannong.api.app import create_app, tune_garbage_collection
from sannong.api.graphql import GraphQLView
from sannong.api.schema import MUTATIONS, SUBSCRIPTIONS, _query_type, build_schema
from sannong.db.embedded import EmbeddedServer
from sannong.seed import DEMO_ACCOUNTS
from sannong.settings import Settings

# The API's schema run by each executor: the API's own (plans), the smallest alternative
# to them (`bench/remembered_selections.py`), graphql-core's executor as it comes (plans
# off: the API with `SANNONG_EXECUTION_PLANS=false`), and strawberry as it comes.
PLAIN = "graphql-core, plain"
KEPT = "graphql-core, selections kept"
EXECUTORS: dict[str, Callable[[Settings], strawberry.Schema]] = {
    "plans (api/execution)": lambda s: build_schema(s.model_copy(update={"execution_plans": True})),
    KEPT: lambda s: remember_selections(
        build_schema(s.model_copy(update={"execution_plans": False}))
    ),
    PLAIN: lambda s: build_schema(s.model_copy(update={"execution_plans": False})),
    "default strawberry": lambda _: default_strawberry(),
}

type App = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


async def call(
    app: App, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    """One HTTP request through `app` as an ASGI server would send it."""
    path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            *((k.lower().encode(), v.encode()) for k, v in (headers or {}).items()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    sent = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.Event().wait()  # the client stays; the app never asks again
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


@contextlib.contextmanager
def collections() -> Iterator[dict[str, Any]]:
    """CPU time the cyclic garbage collector spends meanwhile, and its runs per generation."""
    found: dict[str, Any] = {"ms": 0.0, "runs": [0, 0, 0]}
    started = 0.0

    def observe(phase: str, info: dict[str, int]) -> None:
        nonlocal started
        if phase == "start":
            started = time.process_time()
        else:
            found["ms"] += (time.process_time() - started) * 1000
            found["runs"][info["generation"]] += 1

    gc.callbacks.append(observe)
    try:
        yield found
    finally:
        gc.callbacks.remove(observe)


def default_strawberry() -> strawberry.Schema:
    """The same types in a schema as strawberry makes it: its own executor and field
    resolvers, the document parsed and validated on every request (no document cache,
    so none of the API's limits either), errors logged its way."""
    return strawberry.Schema(
        query=_query_type(),
        mutation=strawberry.tools.merge_types("Mutation", MUTATIONS),
        subscription=strawberry.tools.merge_types("Subscription", SUBSCRIPTIONS),
    )


def view_of(app: Starlette) -> GraphQLView:
    return next(r.app for r in app.routes if isinstance(getattr(r, "app", None), GraphQLView))


async def cpu_ms_per_request(
    send: Callable[[], Awaitable[Any]], n: int, concurrency: int = 1
) -> float:
    """CPU time of this process per request, `n` requests with `concurrency` in flight."""
    left = n

    async def worker() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            await send()

    started = time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return (time.process_time() - started) * 1000 / n


def by_package(stats: pstats.Stats) -> list[tuple[str, float]]:
    """Own time summed per top-level package (or sannong module), largest first."""
    totals: dict[str, float] = {}
    for (filename, _, function), row in stats.stats.items():  # type: ignore[attr-defined]
        own = row[2]
        if "site-packages/" in filename:
            name = filename.split("site-packages/", 1)[1].split("/", 1)[0]
        elif "/sannong/" in filename:
            name = "sannong/" + filename.split("/sannong/", 1)[1]
        elif filename == "~":
            name = f"builtin {function}"
        else:
            name = Path(filename).name
        totals[name] = totals.get(name, 0.0) + own
    whole = sum(totals.values()) or 1.0
    return sorted(((n, t / whole) for n, t in totals.items()), key=lambda x: -x[1])[:25]


async def sample(home: Callable[[], Awaitable[None]], requests: int) -> None:
    """pyinstrument's call tree (if installed: `pip install pyinstrument`): it samples
    the stack instead of timing every call, so small functions are not overstated as
    they are by cProfile. Wall-clock samples: time waiting for the database shows as
    the event loop's select."""
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0002, async_mode="disabled")
    profiler.start()
    for _ in range(requests):
        await home()
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    print(profiler.output_text(unicode=True, color=False, flat=True, flat_time="self"))


async def run(
    requests: int,
    rounds_of: int,
    top: int,
    sort: str,
    save: Path | None,
    sampler: bool,
    concurrency: int,
    compare_only: bool,
) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="sannong-profile-"))
    path = workdir / "bench.sqlite"
    database: EmbeddedServer | None = None
    try:
        data = await build_base(path)
        await grow(path, data, YEAR.scaled(STEPS[0]))
        database = EmbeddedServer(path=path)
        uri = database.start()
        settings = Settings(
            mongodb_uri=uri,
            database=DATABASE,
            data_dir=workdir,
            log_level="WARNING",
            jobs_enabled=False,
            login_max_attempts_per_address=10_000,
        )
        api = create_app(settings)
        tune_garbage_collection()  # as `sannong serve` does
        floor = Floor(uri, DATABASE)
        floor_app = Starlette(routes=[Route("/home", floor.home)])
        async with api.router.lifespan_context(api):
            account = DEMO_ACCOUNTS[0]
            login = {
                "query": "mutation($i: LoginInput!) { login(input: $i) { token } }",
                "variables": {"i": {"phone": account.phone, "password": account.password}},
            }
            _, answer = await call(api, "POST", "/graphql", orjson.dumps(login))
            token = orjson.loads(answer)["data"]["login"]["token"]
            village_key = data.templates["users"]["regionId"]
            body = orjson.dumps(
                {"query": HOME, "variables": {"v": base64_id("Region", village_key), "n": 5}}
            )
            headers = {"Authorization": f"Bearer {token}", "Accept-Encoding": "identity"}

            async def home() -> None:
                status, answer = await call(api, "POST", "/graphql", body, headers)
                assert status == 200 and b'"errors"' not in answer, answer[:500]

            view = view_of(api)
            schemas = {label: make(settings) for label, make in EXECUTORS.items()}
            first = next(iter(schemas))
            floor_label = "the floor, by hand"

            async def by_hand() -> None:
                status, _ = await call(
                    floor_app, "GET", f"/home?village={village_key}&n=5", headers=headers
                )
                assert status == 200

            answers: dict[str, Any] = {}
            for label, schema in schemas.items():  # fills the copies and caches
                view.schema = schema
                for _ in range(20):
                    await home()
                _, answer = await call(api, "POST", "/graphql", body, headers)
                answers[label] = orjson.loads(answer)["data"]
            assert all(a == answers[first] for a in answers.values()), "executors disagree"
            kept = schemas[KEPT].execution_context_class.cache
            assert any(s for o in kept.operations.values() for s in o.selections.values()), (
                "the alternative kept nothing: it would be measured as plain graphql-core"
            )
            for _ in range(20):
                await by_hand()
            rounds: dict[str, list[float]] = {label: [] for label in (*schemas, floor_label)}
            each = max(1, requests // 4)
            turns = [*schemas, floor_label]
            for round_ in range(rounds_of):  # short, interleaved: a busy moment hits all
                at = round_ % len(turns)  # each takes every place in the order in turn
                for label in turns[at:] + turns[:at]:
                    if label == floor_label:
                        send = by_hand
                    else:
                        view.schema, send = schemas[label], home
                    rounds[label].append(await cpu_ms_per_request(send, each, concurrency))
            view.schema = schemas[first]
            best = {label: min(found) for label, found in rounds.items()}
            median = {label: statistics.median(found) for label, found in rounds.items()}
            print(
                f"CPU ms per Home request, best and median of {rounds_of} rounds of {each}, "
                f"{concurrency} in flight; x the floor (best, median):"
            )
            width = max(map(len, rounds))
            for label in rounds:
                print(
                    f"  {label:<{width}}  {best[label]:6.2f} {median[label]:6.2f}  "
                    f"{best[label] / best[floor_label]:5.2f}x "
                    f"{median[label] / median[floor_label]:5.2f}x"
                )
            # Paired by round (the same moment of a shared machine): the median saving.
            plain = rounds[PLAIN]
            print("CPU ms saved per request against plain graphql-core, median of the rounds:")
            for label in schemas:
                if label != PLAIN:
                    pairs = zip(plain, rounds[label], strict=True)
                    saved = statistics.median(p - x for p, x in pairs)
                    print(f"  {label:<{width}}  {saved:6.2f}")
            if compare_only:
                await floor.db.client.close()
                return
            with collections() as gc_api:
                await cpu_ms_per_request(home, requests, concurrency)
            with collections() as gc_floor:
                await cpu_ms_per_request(by_hand, requests, concurrency)
            for name, found in (("API", gc_api), ("floor", gc_floor)):
                print(
                    f"Garbage collection, {name}: {found['ms'] / requests:.2f} ms CPU per "
                    f"request, collections by generation {found['runs']}"
                )

            if sampler:
                await sample(home, requests)
                return
            profiler = cProfile.Profile(time.process_time)  # CPU, not wall time
            profiler.enable()
            for _ in range(requests):
                await home()
            profiler.disable()
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            if save is not None:
                stats.dump_stats(save)
            print(f"\nCPU share by package (cProfile's own time, {requests} requests):")
            for name, share in by_package(stats):
                print(f"  {share:6.1%}  {name}")
            stats.strip_dirs().sort_stats(sort).print_stats(top)
            print(f"\ncProfile of {requests} Home requests, sorted by {sort}:")
            print(out.getvalue())
        await floor.db.client.close()
    finally:
        if database is not None:
            database.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=12, help="of requests/4 each, min taken")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="tottime", choices=("tottime", "cumulative"))
    parser.add_argument("--save", type=Path, help="also write the profile here (pstats)")
    parser.add_argument(
        "--pyinstrument", action="store_true", help="a sampled call tree instead of cProfile"
    )
    parser.add_argument("--concurrency", type=int, default=1, help="requests in flight")
    parser.add_argument(
        "--compare-only", action="store_true", help="the side-by-side figures, no profile"
    )
    args = parser.parse_args()
    asyncio.run(
        run(
            args.requests,
            args.rounds,
            args.top,
            args.sort,
            args.save,
            args.pyinstrument,
            args.concurrency,
            args.compare_only,
        ),
        loop_factory=uvloop.new_event_loop,
    )


if __name__ == "__main__":
    main()
