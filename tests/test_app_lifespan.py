"""The app's start: one that fails half-way closes what it had already started."""

import asyncio
from pathlib import Path

import pytest
from pymongo.errors import InvalidOperation

from sannong.api.app import create_app
from sannong.db.client import open_client
from sannong.integrations.sms import HttpSms
from tests.conftest import settings_for_tests, start_app


async def test_a_start_that_fails_half_way_closes_what_it_started(
    mongodb_uri: str, db_name: str, tmp_path: Path
) -> None:
    # A real misconfiguration, no fault injected: SANNONG_METRICS_PORT=70000. The socket
    # refuses it when the metrics server binds, after the SMS gateway's session, the index
    # and readiness tasks, the event feed's reader and the reference follower are running.
    settings = settings_for_tests(
        database=db_name,
        data_dir=tmp_path,
        metrics_port=70_000,
        sms_gateway_url="http://127.0.0.1:9/sms",
    )
    client = open_client(mongodb_uri, 5000)
    app = create_app(settings, client=client)
    before = asyncio.all_tasks()

    with pytest.raises(OverflowError, match="port must be 0-65535"):
        await start_app(app)

    services = app.state.services
    assert isinstance(services.sms, HttpSms), "the start failed before the SMS session opened"
    assert services.sms.session.closed, "the SMS gateway's session was left open"
    left = [task.get_coro() for task in asyncio.all_tasks() - before if not task.done()]
    assert left == [], f"tasks still running after the failed start: {left}"
    with pytest.raises(InvalidOperation):  # a closed client refuses every command
        await client[db_name].command("ping")
