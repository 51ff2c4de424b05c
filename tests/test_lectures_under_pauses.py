"""A lecture's seats add up whatever the answers were: 40 farmers register at once for
25 seats, the database paused for 2.5 s in the middle of the burst, over three rounds,
through real HTTP to `sannong serve`. Afterwards, once every SERVICE_UNAVAILABLE answer
was asked again (as the app does):

    registered = the registrations stored ≤ capacity

and each farmer told they are registered has a registration, each told FULL has none."""

import asyncio
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from tests.experts import REGISTER, SCHEDULE, expert, key_of, lecture
from tests.factories import Api, Person
from tests.pauses import (
    DRIVER_SOCKET_LEFT_TO_COLLECTOR,
    Stack,
    burst_with_pause,
    pausable_stack,
    settled,
    until_answered,
)

pytestmark = DRIVER_SOCKET_LEFT_TO_COLLECTOR

ROUNDS = 3
FARMERS = 40
CAPACITY = 25


async def _register(api: Api, farmer: Person, session_id: str) -> dict[str, Any]:
    return await api.gql(REGISTER, {"i": {"sessionId": session_id}}, as_=farmer)


async def _seats(stack: Stack, session_key: Any) -> tuple[int, int]:
    doc = await stack.db.video_sessions.find_one({"_id": session_key})
    assert doc is not None
    stored = await stack.db.video_session_registrations.count_documents({"sessionId": session_key})
    return doc["registered"], stored


@pytest.mark.slow
async def test_lecture_seats_add_up_when_the_database_pauses_mid_burst(tmp_path: Path) -> None:
    async with pausable_stack(tmp_path) as stack:
        api = stack.api
        lecturer = await expert(api)
        farmers = [await api.person() for _ in range(FARMERS)]
        for round_ in range(ROUNDS):
            result = await api.gql(SCHEDULE, {"i": lecture(capacity=CAPACITY)}, as_=lecturer)
            session = result["data"]["scheduleVideoSession"]["videoSession"]
            session_key = key_of(session["id"])
            answers = await burst_with_pause(
                stack,
                [_register(api, farmer, session["id"]) for farmer in farmers],
                pause_after=0.05 + 0.2 * round_,
            )
            await settled(partial(_seats, stack, session_key))
            answers = await asyncio.gather(
                *(
                    until_answered(stack, partial(_register, api, farmer, session["id"]), answer)
                    for farmer, answer in zip(farmers, answers, strict=True)
                )
            )
            registered, stored = await settled(partial(_seats, stack, session_key))
            assert registered == stored <= CAPACITY, (round_, registered, stored)
            people = {
                str(r["userId"])
                async for r in stack.db.video_session_registrations.find({"sessionId": session_key})
            }
            for farmer, answer in zip(farmers, answers, strict=True):
                payload = answer["data"]["registerForVideoSession"]
                if payload["videoSession"] is not None:
                    assert payload["videoSession"]["registered"] is True, answer
                    assert farmer.key in people, (round_, answer)
                else:
                    assert [e["code"] for e in payload["userErrors"]] == ["FULL"], answer
                    assert farmer.key not in people, (round_, answer)
