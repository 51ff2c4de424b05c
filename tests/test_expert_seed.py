"""The demo experts: twelve across the specialties, two weeks of slots, bookings in every
state, 42 questions mostly answered, upcoming lectures; a second run changes nothing."""

from datetime import UTC, datetime

from sannong.clock import now
from sannong.db import Database
from sannong.rules.experts import Specialty
from sannong.security import Passwords
from sannong.seed.accounts import seed_accounts
from sannong.seed.experts import seed_experts
from tests import conftest


async def test_demo_experts_slots_bookings_questions_and_lectures(db: Database) -> None:
    passwords = Passwords(conftest.settings_for_tests())
    anchor = datetime.now(UTC).replace(microsecond=0)
    await seed_accounts(db, passwords)
    await seed_experts(db, passwords, anchor=anchor)
    counts = {
        name: await db[name].count_documents({})
        for name in ("experts", "consultation_slots", "consultations", "questions", "jobs")
    }
    await seed_experts(db, passwords, anchor=anchor)
    assert {name: await db[name].count_documents({}) for name in counts} == counts

    experts = await db.experts.find().to_list()
    assert len(experts) >= 12
    assert {s for e in experts for s in e["specialties"]} == {s.value for s in Specialty}
    open_slots = db.consultation_slots.find({"status": "OPEN", "startsAt": {"$gt": now()}})
    days = {slot["startsAt"].date() async for slot in open_slots}
    assert len(days) >= 13  # two weeks ahead
    states = {c["status"] for c in await db.consultations.find().to_list()}
    assert states == {"BOOKED", "COMPLETED", "CANCELLED", "NO_SHOW"}
    for consultation in await db.consultations.find({"status": "BOOKED"}).to_list():
        slot = await db.consultation_slots.find_one({"_id": consultation["slotId"]})
        assert slot is not None and slot["consultationId"] == consultation["_id"]
    questions = await db.questions.find().to_list()
    answered = [q for q in questions if q["status"] == "ANSWERED"]
    assert len(questions) >= 40 and len(answered) > len(questions) / 2
    upcoming = await db.video_sessions.count_documents({"startsAt": {"$gt": now()}})
    assert upcoming >= 6
    rated = [e for e in experts if e["ratingCount"]]
    assert rated and all(e["answerCount"] >= 0 for e in experts)
    demo = await db.users.find_one({"phone": "13800000002"})
    assert demo is not None and await db.experts.find_one({"_id": demo["_id"]}) is not None
