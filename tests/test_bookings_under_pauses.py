"""One booking per slot whatever the answers were: 30 farmers book 15 slots at once (two
for each), the database paused for 2.5 s in the middle of the burst, over three rounds,
through real HTTP to
`sannong serve`. Every answer the API could not give (SERVICE_UNAVAILABLE, or "being
processed" while the first attempt's claim is still there) is asked again with the same
idempotency key, as the app does. Afterwards, for every slot:

    BOOKED ⇔ exactly one booked consultation, the one the slot names; OPEN ⇔ none

and each farmer told the slot is theirs has that consultation."""

import asyncio
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from tests.experts import BOOK, expert, key_of, later
from tests.factories import Api, Person, codes
from tests.pauses import (
    DRIVER_SOCKET_LEFT_TO_COLLECTOR,
    Stack,
    burst_with_pause,
    pausable_stack,
    settled,
    unavailable,
)

pytestmark = DRIVER_SOCKET_LEFT_TO_COLLECTOR

ROUNDS = 3
FARMERS = 30
SLOTS = 15


async def _book(api: Api, farmer: Person, slot_id: str, key: str) -> dict[str, Any]:
    variables = {"i": {"slotId": slot_id, "topic": "大棚黄瓜霜霉病", "idempotencyKey": key}}
    return await api.gql(BOOK, variables, as_=farmer)


def _not_answered(answer: dict[str, Any]) -> bool:
    # CONFLICT as a GraphQL error (not a userError): the first attempt's claim on the key
    # or the farmer's lease is still there, held by a request that timed out.
    return unavailable(answer) or "CONFLICT" in codes(answer)


async def _until_answered(stack: Stack, farmer: Person, slot_id: str, key: str, answer: Any) -> Any:
    async with stack.retrying:
        for _ in range(30):
            if not _not_answered(answer):
                return answer
            await asyncio.sleep(2.0)
            answer = await _book(stack.api, farmer, slot_id, key)
    raise AssertionError(answer)


async def _slots(stack: Stack, slot_keys: list[Any]) -> list[Any]:
    slots = await stack.db.consultation_slots.find({"_id": {"$in": slot_keys}}).to_list()
    booked = await stack.db.consultations.find(
        {"slotId": {"$in": slot_keys}, "status": "BOOKED"}, {"slotId": 1}
    ).to_list()
    return [
        (
            s["_id"],
            s["status"],
            s.get("consultationId"),
            [c["_id"] for c in booked if c["slotId"] == s["_id"]],
        )
        for s in slots
    ]


@pytest.mark.slow
async def test_one_booking_per_slot_when_the_database_pauses_mid_burst(tmp_path: Path) -> None:
    async with pausable_stack(tmp_path) as stack:
        api = stack.api
        lecturer = await expert(api)
        farmers = [await api.person() for _ in range(FARMERS)]
        for round_ in range(ROUNDS):
            await _round(stack, lecturer, farmers, round_)


async def _round(stack: Stack, lecturer: Person, farmers: list[Person], round_: int) -> None:
    api = stack.api
    starts = [later(hours=30 + round_ * SLOTS + n) for n in range(SLOTS)]
    result = await api.gql(
        """mutation($i: PublishSlotsInput!) { publishSlots(input: $i) {
            slots { id } userErrors { code } } }""",
        {"i": {"slots": [{"startsAt": at, "durationMinutes": 30} for at in starts]}},
        as_=lecturer,
    )
    slot_ids = [s["id"] for s in result["data"]["publishSlots"]["slots"]]
    slot_keys = [key_of(s) for s in slot_ids]
    attempts = [
        (farmer, slot_ids[n % SLOTS], f"pause-booking-{round_}-{n:03d}")
        for n, farmer in enumerate(farmers)
    ]
    # The pause starts at a different moment of the burst each round.
    answers = await burst_with_pause(
        stack, [_book(api, *attempt) for attempt in attempts], pause_after=0.2 + 0.35 * round_
    )
    await settled(partial(_slots, stack, slot_keys))
    answers = await asyncio.gather(
        *(
            _until_answered(stack, *attempt, answer)
            for attempt, answer in zip(attempts, answers, strict=True)
        )
    )
    for slot_key, status, consultation_id, booked in await settled(
        partial(_slots, stack, slot_keys)
    ):
        if status == "BOOKED":
            assert booked == [consultation_id], (round_, slot_key, consultation_id, booked)
        else:
            assert status == "OPEN" and booked == [], (round_, slot_key, status, booked)
    for (farmer, slot_id, _), answer in zip(attempts, answers, strict=True):
        payload = answer["data"]["bookConsultation"]
        mine = await stack.db.consultations.find_one(
            {"farmerId": key_of(farmer.id), "slotId": key_of(slot_id), "status": "BOOKED"}
        )
        if payload["consultation"] is not None:
            assert mine is not None, answer
            assert mine["_id"] == key_of(payload["consultation"]["id"]), answer
        else:
            assert [e["code"] for e in payload["userErrors"]] == ["CONFLICT"], answer
            assert mine is None, answer
