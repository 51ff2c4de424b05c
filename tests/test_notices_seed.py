"""The demo's notices and feedback: enough of every kind to try each screen, and a second
run of the seed changes nothing."""

from collections import Counter

from sannong.db import Database
from sannong.rules.finance import statement_warnings
from sannong.security import Passwords
from sannong.seed import seed
from tests import conftest


async def test_demo_notices_and_tickets_cover_every_category_level_and_state(db: Database) -> None:
    passwords = Passwords(conftest.settings_for_tests())
    await seed(db, passwords, price_days=2)
    notices = await db.notices.find({}).to_list()
    receipts = await db.notice_reads.count_documents({})
    tickets = await db.feedback.find({}, {"searchTokens": 0}).to_list()
    await seed(db, passwords, price_days=2)  # a second run changes nothing
    assert await db.notices.find({}).to_list() == notices
    assert await db.notice_reads.count_documents({}) == receipts
    assert await db.feedback.find({}, {"searchTokens": 0}).to_list() == tickets

    assert len(notices) >= 60
    assert len({n["category"] for n in notices}) == 8
    assert {n["regionLevel"] for n in notices} == {"COUNTY", "TOWNSHIP", "VILLAGE"}
    statements = [n["statement"] for n in notices if n["statement"]]
    assert len(statements) == 2
    assert [len(statement_warnings(s)) for s in statements] == [0, 1]
    assert {n["status"] for n in notices} == {"PUBLISHED", "WITHDRAWN"}
    assert any(n["revisions"] for n in notices)
    assert receipts > 100
    demo_farmer = await db.users.find_one({"phone": "13800000001"})
    assert await db.notice_reads.count_documents({"userId": demo_farmer["_id"]}) > 3
    assert await db.notice_reads.count_documents({"acknowledgedAt": {"$ne": None}}) > 10

    states = Counter(t["status"] for t in tickets)
    assert all(states[s] >= 40 for s in ("ACCEPTED", "IN_PROGRESS", "RESOLVED", "REJECTED"))
    assert len({t["number"] for t in tickets}) == len(tickets)
    assert any(t["rating"] for t in tickets) and any(t["anonymous"] for t in tickets)
    counter = await db.counters.find_one({"_id": {"$regex": "^feedback:"}})
    assert counter is not None and counter["seq"] >= len(tickets)
