"""The ASGI application: /graphql, /healthz, /readyz, /metrics, /media and the app at /."""

import asyncio
import contextlib
import gc
import hmac
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import aiohttp
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest, start_http_server
from pymongo.errors import OperationFailure
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette_compress import CompressMiddleware, add_compress_type

from sannong import signing, text
from sannong.api.documents import TrustedDocuments
from sannong.api.fairness import ClientLimits
from sannong.api.frontend import app_routes
from sannong.api.graphql import GraphQLView
from sannong.api.headers import SecurityHeaders
from sannong.api.middleware import BodyLimit, RequestObserver
from sannong.api.readiness import Readiness
from sannong.api.schema import build_schema
from sannong.context import Services
from sannong.db import Client
from sannong.db.client import open_client, open_job_client
from sannong.db.indexes import ensure_indexes
from sannong.integrations.events import EventFeed, Topic
from sannong.integrations.jobs import JobRunner, JobServices
from sannong.integrations.sms import OutboxSms, sms_provider
from sannong.loaders.shared import followed_collections, forget
from sannong.logs import configure_logging
from sannong.media import KEY, LocalPhotoStore
from sannong.rules.jobs import HANDLERS
from sannong.security import Passwords
from sannong.settings import Settings, get_settings

log = logging.getLogger("sannong.app")

SHUTDOWN_GRACE_SECONDS = 5.0
COMPRESS_FROM_BYTES = 1024
add_compress_type("application/graphql-response+json")


async def _ensure_indexes_when_reachable(services: Services) -> None:
    """Indexes are applied at start; a database that is down then gets them when it is back."""
    delay = 1.0
    while True:
        try:
            await ensure_indexes(services.db)
            return
        except OperationFailure as refused:
            # The database answered and refused: an index of that name with other options,
            # or duplicates against a unique one. A person has to look; the message may
            # quote stored values (a duplicate phone number), so only its code is logged.
            log.error(
                "indexes not applied: the database refused them, trying again later",
                extra={"code": refused.code, "codeName": (refused.details or {}).get("codeName")},
            )
        except Exception:
            log.warning("database not reachable, indexes will be applied later")
        await asyncio.sleep(delay)
        delay = min(delay * 2, 30.0)


async def _drop_changed_references(feed: EventFeed, database: str) -> None:
    """Every process forgets its copies of the documents that changed (`loaders/shared.py`)."""
    collections = followed_collections()
    with feed.listen([(Topic.REFERENCE, collection) for collection in collections]) as changes:
        while True:
            if (event := await changes.next()) is not None:
                for collection in event.audience:
                    forget(database, collection, event.ids)


def _serve_metrics_on_loopback(port: int | None) -> Any:
    """Metrics on 127.0.0.1:port for a scraper on the same machine. With several workers
    the first one to start binds the port; the others log that it is taken."""
    if port is None:
        return None
    try:
        server, _ = start_http_server(port, addr="127.0.0.1")
    except OSError:
        log.warning("metrics port taken, probably by another worker", extra={"port": port})
        return None
    return server


def create_served_app() -> Starlette:
    """The app of a `sannong serve` process (uvicorn's factory), with the garbage
    collector tuned for serving."""
    app = create_app()
    tune_garbage_collection()
    return app


def tune_garbage_collection() -> None:
    """What exists now (modules, the schema) lives as long as the process: frozen, the
    collector never walks it again. And the youngest generation is collected at 20,000
    new objects instead of 2,000: a request leaves no reference cycles behind
    (`Context.close`, `Loader`), so what a collection finds is mostly the requests in
    flight, walked 10 times less often. With 16 Home requests in flight the collector
    took 0.31 ms of CPU per request before, 0.04 after (bench/profile_home.py)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 10, 10)


@dataclass(frozen=True)
class AppState:
    """What the lifespan and the endpoints of one app read, on `app.state.sannong`."""

    settings: Settings
    services: Services
    readiness: Readiness
    client: Client
    job_client: Client  # the same as `client` when the jobs share it


def _state(app: Starlette) -> AppState:
    state: AppState = app.state.sannong
    return state


def create_app(settings: Settings | None = None, client: Client | None = None) -> Starlette:
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    signing.use_key(signing.load_key(settings))
    if client is None and settings.mongodb_uri is None:
        raise RuntimeError("SANNONG_MONGODB_URI is not set; start with `sannong serve`")
    client = client or open_client(settings.mongodb_uri or "", settings.db_timeout_ms)
    db = client[settings.database]
    # Jobs wait for a busy database longer than a request may (`open_job_client`); a client
    # handed in (tests) serves both when no URI is set.
    job_client = (
        open_job_client(settings.mongodb_uri, settings.jobs_db_timeout_ms)
        if settings.mongodb_uri and settings.jobs_enabled
        else client
    )
    services = Services(
        settings=settings,
        db=db,
        passwords=Passwords(settings),
        sms=OutboxSms(db),
        photos=LocalPhotoStore(settings.data_dir / "media"),
        events=EventFeed(
            db,
            poll_interval=settings.event_poll_ms / 1000,
            gap_grace=settings.event_gap_grace_seconds,
        ),
    )
    documents = TrustedDocuments.load(
        settings.trusted_documents, only=settings.trusted_documents_only
    )
    view = GraphQLView(build_schema(settings), services, documents)
    app = Starlette(
        routes=[
            Route("/graphql", view),  # the view answers other methods with a coded 405
            WebSocketRoute("/graphql", view),
            Route("/media/{name}", media),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics),
            *app_routes(settings.app_dir),  # last: its catch-all never shadows the API
        ],
        middleware=_middleware(settings),
        lifespan=_lifespan,
    )
    readiness = Readiness(settings.ready_stale_seconds)
    app.state.sannong = AppState(settings, services, readiness, client, job_client)
    app.state.services = services
    return app


def _middleware(settings: Settings) -> list[Middleware]:
    return [
        Middleware(RequestObserver),
        Middleware(SecurityHeaders),  # CSP, nosniff, no framing: `sannong/api/headers.py`
        Middleware(
            ClientLimits,
            in_flight=settings.graphql_in_flight_per_client,
            per_second=settings.graphql_per_second_per_client,
            burst=settings.graphql_burst_per_client,
        ),
        # A weak 3G link is the bottleneck, not the CPU: answers over 1 KB go
        # compressed (zstd, brotli or gzip, as the client accepts) at fast levels that
        # keep most of the gain; only text types, so WebP photos are left alone.
        Middleware(
            CompressMiddleware,
            minimum_size=COMPRESS_FROM_BYTES,
            zstd_level=4,
            brotli_quality=4,
            gzip_level=6,
        ),
        Middleware(
            BodyLimit,
            max_bytes=settings.max_body_bytes,
            max_upload_bytes=settings.max_upload_bytes,
        ),
    ]


@asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    """Each resource goes on the stack as soon as it exists, so they are closed in the
    reverse order of their start, and a start that fails half-way closes what was
    already running (tasks, the SMS session, the database clients) before it raises."""
    state = _state(app)
    settings, services, readiness = state.settings, state.services, state.readiness
    async with contextlib.AsyncExitStack() as running:
        running.push_async_callback(state.client.close)
        if state.job_client is not state.client:
            running.push_async_callback(state.job_client.close)
        http_session: aiohttp.ClientSession | None = None
        if settings.sms_gateway_url is not None:
            http_session = await running.enter_async_context(aiohttp.ClientSession())
        services.sms = sms_provider(services.db, settings, http_session)
        await asyncio.to_thread(text.warm_up)
        indexing = asyncio.create_task(_ensure_indexes_when_reachable(services))
        running.push_async_callback(_let_finish, indexing)
        probing = asyncio.create_task(readiness.probe(services.db))
        running.push_async_callback(_stop_probing, readiness, probing)
        await services.events.start()
        running.push_async_callback(services.events.stop)
        references = asyncio.create_task(
            _drop_changed_references(services.events, services.db.name)
        )
        running.push_async_callback(_cancel, references)
        if (metrics_server := _serve_metrics_on_loopback(settings.metrics_port)) is not None:
            running.callback(_close_metrics_server, metrics_server)
        if settings.jobs_enabled:
            job_db = state.job_client[settings.database]
            runner = JobRunner(
                JobServices(job_db, sms_provider(job_db, settings, http_session)),
                HANDLERS,
                lease=timedelta(seconds=settings.jobs_lease_seconds),
                poll_seconds=settings.jobs_poll_seconds,
            )
            running.push_async_callback(
                _stop_jobs, runner, asyncio.create_task(runner.run_forever())
            )
        yield


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _let_finish(task: asyncio.Task[None]) -> None:
    """An index build cut off mid-command leaves its connection behind: let it finish."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.shield(task), SHUTDOWN_GRACE_SECONDS)
    await _cancel(task)


async def _stop_probing(readiness: Readiness, probing: asyncio.Task[None]) -> None:
    readiness.stop()
    with contextlib.suppress(TimeoutError, asyncio.CancelledError):
        await asyncio.wait_for(asyncio.shield(probing), SHUTDOWN_GRACE_SECONDS)
    await _cancel(probing)


async def _stop_jobs(runner: JobRunner, jobs: asyncio.Task[None]) -> None:
    runner.stop()  # the job at hand may finish within the grace period
    with contextlib.suppress(TimeoutError, asyncio.CancelledError):
        await asyncio.wait_for(jobs, SHUTDOWN_GRACE_SECONDS)


def _close_metrics_server(server: Any) -> None:
    server.shutdown()
    server.server_close()


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    readiness = _state(request.app).readiness
    if not readiness.probed.is_set():  # just started: the first answer is on its way
        await readiness.wait_for_first_probe()
    if not readiness.ready:
        return JSONResponse({"status": "database unavailable"}, status_code=503)
    return JSONResponse({"status": "ready"})


async def metrics(request: Request) -> Response:
    """Only to the bearer of `metrics_token`; without one, not on the public port."""
    token = _state(request.app).settings.metrics_token
    if token is None:
        return JSONResponse({"error": "not found"}, status_code=404)
    expected = f"Bearer {token.get_secret_value()}".encode()
    if not hmac.compare_digest(request.headers.get("authorization", "").encode(), expected):
        return JSONResponse(
            {"error": "指标需要令牌"},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


async def media(request: Request) -> Response:
    """Photos, thumbnails and notice PDFs; names are content hashes, so they are cached
    for good."""
    state = _state(request.app)
    name = request.path_params["name"]
    data = await state.services.photos.get(name) if KEY.fullmatch(name) else None
    if data is None:
        return Response(status_code=404)
    stem, _, suffix = name.rpartition(".")
    etag = f'"{stem}"'
    headers = {
        "Cache-Control": f"public, max-age={state.settings.media_cache_seconds}, immutable",
        "ETag": etag,
        "X-Content-Type-Options": "nosniff",
    }
    if suffix == "pdf":  # a document shown by the browser's viewer, never run as a page
        headers["Content-Security-Policy"] = "sandbox"
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    media_type = "application/pdf" if suffix == "pdf" else "image/webp"
    return Response(data, media_type=media_type, headers=headers)
