"""Publishing slots: the batch rules, no overlap (partial included) even for two batches
published at once, and withdrawing a booked slot tells the farmer."""

import asyncio
from typing import Any

from sannong.auth import Role
from tests.experts import (
    CANCEL_SLOT,
    PUBLISH,
    book,
    booked,
    codes_of,
    expert,
    expert_id,
    key_of,
    later,
    publish,
    slot,
)
from tests.factories import Api, codes


async def test_an_expert_publishes_slots_that_farmers_find_open(api: Api) -> None:
    li = await expert(api)
    slots, errors = await publish(api, li, (50, 30), (26, 60), (27, 15))
    assert errors == []
    assert [s["durationMinutes"] for s in slots] == [60, 15, 30]  # by start
    assert slots[0]["expert"]["id"] == expert_id(li)
    query = """query($e: ID) { consultationSlots(expertId: $e) {
        totalCount edges { node { id status } } } }"""
    found = await api.gql(query, {"e": expert_id(li)})
    assert [e["node"]["id"] for e in found["data"]["consultationSlots"]["edges"]] == [
        s["id"] for s in slots
    ]


async def test_bad_batches_are_refused_whole_with_the_reason(api: Api) -> None:
    li = await expert(api)
    cases: list[tuple[list[tuple[float, int]], list[tuple[str, str]]]] = [
        ([(-1, 30)], [("slots.0.startsAt", "SLOT_IN_PAST")]),
        ([(24, 5)], [("slots.0.durationMinutes", "INVALID_DURATION")]),
        ([(24, 121)], [("slots.0.durationMinutes", "INVALID_DURATION")]),
        ([(24 + n, 30) for n in range(51)], [("slots", "TOO_MANY")]),
        ([], [("slots", "REQUIRED")]),
        ([(24, 60), (24.5, 60)], [("slots.1", "OVERLAP")]),
    ]
    for batch, expected in cases:
        slots, errors = await publish(api, li, *batch)
        assert [(e["field"], e["code"]) for e in errors] == expected, batch
        assert slots == []
    assert await api.db.consultation_slots.count_documents({}) == 0


async def test_a_slot_partly_overlapping_a_published_one_is_refused_and_named(api: Api) -> None:
    li = await expert(api)
    await slot(api, li, hours=48, minutes=60)
    for hours, minutes in ((47.5, 60), (48.5, 15), (47, 120), (48.25, 30)):
        _, errors = await publish(api, li, (24, 30), (hours, minutes))
        assert [(e["field"], e["code"]) for e in errors] == [("slots.1", "OVERLAP")]
        assert "已发布的时段" in errors[0]["message"]
    touching, errors = await publish(api, li, (49, 30), (47.5, 30))
    assert errors == [] and len(touching) == 2
    assert await api.db.consultation_slots.count_documents({}) == 3


async def test_two_overlapping_batches_published_at_once_leave_one(api: Api) -> None:
    li = await expert(api)

    async def batch(offset: float) -> dict[str, Any]:
        variables = {
            "i": {
                "slots": [
                    {"startsAt": later(hours=24 + offset + n), "durationMinutes": 60}
                    for n in range(5)
                ]
            }
        }
        result = await api.gql(PUBLISH, variables, as_=li)
        payload: dict[str, Any] = result["data"]["publishSlots"]
        return payload

    answers = await asyncio.gather(*(batch(0.5 * (n % 2)) for n in range(8)))
    accepted = [a for a in answers if a["slots"]]
    assert len(accepted) == 1
    assert all(codes_of(a) and set(codes_of(a)) == {"OVERLAP"} for a in answers if not a["slots"])
    assert await api.db.consultation_slots.count_documents({}) == 5


async def test_only_experts_publish_slots(api: Api) -> None:
    farmer = await api.person()
    result = await api.gql(
        PUBLISH, {"i": {"slots": [{"startsAt": later(hours=30), "durationMinutes": 30}]}}, farmer
    )
    assert codes(result) == ["FORBIDDEN"]
    no_profile = await api.person(Role.EXPERT)
    _, errors = await publish(api, no_profile, (30, 30))
    assert [e["code"] for e in errors] == ["NOT_AN_EXPERT"]


async def test_cancelling_a_booked_slot_tells_the_farmer_by_sms_and_in_app(api: Api) -> None:
    li, other = await expert(api), await expert(api)
    farmer = await api.person()
    target = await slot(api, li)
    consultation = await booked(api, farmer, target["id"])
    stranger = await api.gql(CANCEL_SLOT, {"i": {"slotId": target["id"]}}, as_=other)
    assert codes(stranger) == ["FORBIDDEN"]
    result = await api.gql(
        CANCEL_SLOT, {"i": {"slotId": target["id"], "reason": "县里开会"}}, as_=li
    )
    assert result["data"]["cancelSlot"]["slot"]["status"] == "CANCELLED"
    doc = await api.db.consultations.find_one({"_id": key_of(consultation["id"])})
    assert doc is not None and (doc["status"], doc["cancelReason"]) == ("CANCELLED", "县里开会")
    sms = await api.db.sms_outbox.find({"phone": farmer.phone}).to_list()
    assert len(sms) == 1 and "县里开会" in sms[0]["text"]
    inbox = await api.gql("{ myNotifications { edges { node { kind body } } } }", as_=farmer)
    (notice,) = inbox["data"]["myNotifications"]["edges"]
    assert notice["node"]["kind"] == "CONSULTATION_CANCELLED"
    again = await api.gql(CANCEL_SLOT, {"i": {"slotId": target["id"]}}, as_=li)
    assert codes_of(again["data"]["cancelSlot"]) == ["INVALID_TRANSITION"]
    assert await api.db.jobs.count_documents({}) == 0  # its reminders are gone


async def test_a_cancelled_slot_cannot_be_booked_and_frees_its_time(api: Api) -> None:
    li = await expert(api)
    farmer = await api.person()
    target = await slot(api, li, hours=48, minutes=60)
    await api.gql(CANCEL_SLOT, {"i": {"slotId": target["id"]}}, as_=li)
    assert codes_of(await book(api, farmer, target["id"])) == ["NOT_AVAILABLE"]
    _, errors = await publish(api, li, (48, 60))
    assert errors == []


async def test_an_expert_has_at_most_five_hundred_upcoming_slots(api: Api) -> None:
    """Every publish checks the expert's upcoming slots: unbounded, each one got slower
    until all timed out. Past the cap a publish is refused with a count of what is left."""
    li = await expert(api)
    for day in range(10):  # 10 × 50 quarter-hour slots, a day apart
        _, errors = await publish(api, li, *[(2 + 24 * day + 0.25 * n, 15) for n in range(50)])
        assert errors == []
    _, errors = await publish(api, li, (300, 30))
    assert [(e["field"], e["code"]) for e in errors] == [("slots", "TOO_MANY")]
    assert "最多 500 个" in errors[0]["message"] and "还能发布 0 个" in errors[0]["message"]
    assert await api.db.consultation_slots.count_documents({}) == 500
    # A slot withdrawn or ended frees its place.
    first = await api.db.consultation_slots.find_one({}, sort=[("startsAt", 1)])
    assert first is not None
    await api.db.consultation_slots.update_one(
        {"_id": first["_id"]}, {"$set": {"status": "CANCELLED"}}
    )
    published, errors = await publish(api, li, (300, 30))
    assert errors == [] and len(published) == 1
    # At the cap, the overlap check still names the stored slot a new one overlaps.
    second = await api.db.consultation_slots.find_one({"status": "OPEN"}, sort=[("startsAt", 1)])
    assert second is not None
    await api.db.consultation_slots.update_one(
        {"_id": second["_id"]}, {"$set": {"status": "CANCELLED"}}
    )
    _, errors = await publish(api, li, (2 + 24 * 9 + 0.1, 15))
    assert [(e["field"], e["code"]) for e in errors] == [("slots.0", "OVERLAP")]
    assert "已发布的时段" in errors[0]["message"]
