"""Tests run the real driver against the embedded server over the wire (in-memory engine),
or against any MongoDB given by SANNONG_TEST_MONGODB_URI. Each test gets its own database."""

import contextlib
import io
import logging
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient
from starlette.applications import Starlette

from sannong.api.app import create_app
from sannong.db import Database
from sannong.db.client import open_client, open_command_client
from sannong.db.embedded import EmbeddedServer
from sannong.db.indexes import ensure_indexes
from sannong.logs import JsonFormatter
from sannong.seed.regions import seed_regions
from sannong.settings import Settings
from tests.factories import METRICS_TOKEN, Api


def settings_for_tests(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "argon2_time_cost": 1,
        "argon2_memory_kib": 8,
        "argon2_parallelism": 1,  # cheap in tests
        "db_timeout_ms": 1500,
        "login_max_attempts_per_address": 1000,
        "register_max_per_address": 1000,
        # Every test request comes from one address: the per-client limits are tested alone.
        "graphql_in_flight_per_client": 1000,
        "graphql_per_second_per_client": 100_000,
        "graphql_burst_per_client": 100_000,
        # One key for every app a test process makes, so no test writes one under var/.
        "secret_key": "test-secret-key",
        "metrics_token": METRICS_TOKEN,
        # Tests run jobs with their own JobRunner, so an app's worker never races them.
        "jobs_enabled": False,
    }
    return Settings(**(values | overrides))  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def mongodb_uri() -> Iterator[str]:
    given = os.environ.get("SANNONG_TEST_MONGODB_URI")
    if given:
        yield given
        return
    server = EmbeddedServer(path=None)
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="session")
async def mongo_client(mongodb_uri: str) -> AsyncIterator[AsyncMongoClient]:
    client = open_command_client(mongodb_uri)  # test set-up: patient, like the seed
    yield client
    await client.close()


@pytest.fixture
async def db_name(mongo_client: AsyncMongoClient) -> AsyncIterator[str]:
    name = f"test_{uuid.uuid4().hex[:12]}"
    db = mongo_client[name]
    await ensure_indexes(db)
    await seed_regions(db)
    yield name
    await mongo_client.drop_database(name)


@pytest.fixture
def db(mongo_client: AsyncMongoClient, db_name: str) -> Database:
    return mongo_client[db_name]


async def start_app(app: Starlette) -> Any:
    lifespan = app.router.lifespan_context(app)
    await lifespan.__aenter__()
    return lifespan


@contextlib.asynccontextmanager
async def app_client(
    settings: Settings, mongodb_uri: str, base_url: str = "http://sannong.test"
) -> AsyncIterator[httpx.AsyncClient]:
    """An app built with `settings`, started, and an ASGI client for it, until the block ends."""
    app = create_app(settings, client=open_client(mongodb_uri, 5000))
    lifespan = await start_app(app)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url) as http:
        yield http
    await lifespan.__aexit__(None, None, None)


@pytest.fixture
async def app(mongodb_uri: str, db_name: str, tmp_path: Path) -> AsyncIterator[Starlette]:
    # The app owns its client, as in production; it connects to the same server.
    application = create_app(
        settings_for_tests(database=db_name, data_dir=tmp_path),
        # every operation must end within this (timeoutMS): roomy, for busy test machines
        client=open_client(mongodb_uri, 5000),
    )
    lifespan = await start_app(application)
    yield application
    await lifespan.__aexit__(None, None, None)


@pytest.fixture
async def http(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("10.1.2.3", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://sannong.test") as client:
        yield client


@pytest.fixture
def api(http: httpx.AsyncClient, db: Database) -> Api:
    return Api(http, db)


@pytest.fixture
async def catalog(db: Database) -> None:
    """Commodities and markets of the demo data (small: about sixty documents)."""
    from sannong.seed.catalog import seed_catalog

    await seed_catalog(db)


@pytest.fixture
def log_lines() -> Iterator[Callable[[], list[str]]]:
    """What the process logs while the test runs, as the JSON lines an operator would read:
    Sannong's, the libraries' and anything reaching the root logger."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    loggers = [logging.getLogger(name) for name in ("sannong", "strawberry", "uvicorn", "")]
    for logger in loggers:
        logger.addHandler(handler)
    yield lambda: stream.getvalue().splitlines()
    for logger in loggers:
        logger.removeHandler(handler)
