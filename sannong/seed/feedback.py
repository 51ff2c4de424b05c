"""Demo feedback: 40 tickets in each state (accepted, some overdue; in progress; resolved,
most rated; rejected) from the farmers of the demo villages, mostly 孙家集街道.

Deterministic and idempotent like the other steps; the year's ticket counter is moved
past the demo's numbers, so a new ticket continues the sequence.
"""

from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId

from sannong.clock import CHINA
from sannong.db import Database
from sannong.rules.feedback import (
    COUNTER,
    FeedbackDraft,
    FeedbackKind,
    FeedbackOutcome,
    FeedbackStatus,
    feedback_document,
)
from sannong.seed.batches import insert_missing

PER_STATE = 40
SUNJIAJI = "370783003000"

# (kind, text)
ISSUES: tuple[tuple[FeedbackKind, str], ...] = (
    (FeedbackKind.COMPLAINT, "村东头的灌溉水渠塌了一段，下游十几户浇不上地"),
    (FeedbackKind.COMPLAINT, "生产路上的路灯坏了三盏，晚上拉菜很危险"),
    (FeedbackKind.COMPLAINT, "垃圾箱一个多星期没人清运，气味很大"),
    (FeedbackKind.COMPLAINT, "隔壁村的养殖场往沟里排污水"),
    (FeedbackKind.INQUIRY, "今年的耕地地力补贴什么时候发，标准是多少"),
    (FeedbackKind.INQUIRY, "大棚用地能不能办设施农业用地备案"),
    (FeedbackKind.INQUIRY, "医保缴费在哪里交，能不能用手机交"),
    (FeedbackKind.INQUIRY, "农机购置补贴需要准备什么材料"),
    (FeedbackKind.SUGGESTION, "建议在村委会门口装一个公交站牌"),
    (FeedbackKind.SUGGESTION, "建议财务公开把“其他支出”列清楚"),
    (FeedbackKind.SUGGESTION, "建议组织一次大棚番茄病虫害防治培训"),
)
REPLIES = {
    FeedbackStatus.IN_PROGRESS: "已受理，街道已安排人员现场查看，请耐心等待。",
    FeedbackStatus.RESOLVED: "问题已处理完毕，感谢您的监督。",
    FeedbackStatus.REJECTED: "经核实，该事项不属于街道职责范围，已转交市有关部门。",
}
STATES = (
    FeedbackStatus.ACCEPTED,
    FeedbackStatus.IN_PROGRESS,
    FeedbackStatus.RESOLVED,
    FeedbackStatus.REJECTED,
)


def _object_id(n: int, at: datetime) -> ObjectId:
    return ObjectId(f"{int(at.timestamp()):08x}{5:08x}{n:08x}")


def _replies(status: FeedbackStatus, at: datetime, admin: ObjectId) -> list[dict[str, Any]]:
    steps = [FeedbackStatus.IN_PROGRESS] if status is not FeedbackStatus.ACCEPTED else []
    if status in (FeedbackStatus.RESOLVED, FeedbackStatus.REJECTED):
        steps = [FeedbackStatus.IN_PROGRESS, status]
    return [
        {"status": s.value, "text": REPLIES[s], "at": at + timedelta(days=1 + i), "adminId": admin}
        for i, s in enumerate(steps)
    ]


def feedback_documents(
    anchor: datetime, authors: list[dict[str, Any]], admin: ObjectId
) -> list[dict[str, Any]]:
    tickets = []
    count = PER_STATE * len(STATES)
    year = anchor.astimezone(CHINA).year
    for n in range(count):
        status = STATES[n % len(STATES)]
        author = authors[(n * 7) % len(authors)]
        kind, text = ISSUES[n % len(ISSUES)]
        # open tickets are recent, a quarter of the accepted ones past their deadline
        days_ago = (
            1 + (n * 5) % 40
            if status in (FeedbackStatus.ACCEPTED, FeedbackStatus.IN_PROGRESS)
            else 10 + n % 50
        )
        if status is FeedbackStatus.ACCEPTED and n % 16 != 0:
            days_ago = 1 + n % 4
        at = anchor - timedelta(days=days_ago, hours=n % 9)
        draft = FeedbackDraft(
            kind=kind,
            text=text,
            village_code=author["regionId"],
            anonymous=n % 5 == 0,
            public=n % 9 != 0,
        )
        village = {"_id": author["regionId"], "path": author["path"]}
        doc = feedback_document(
            number=f"{year}-{author['regionId'][6:9]}-{n + 1:06d}",
            draft=draft,
            text=text,
            village=village,
            author_id=author["_id"],
            photos=[],
            at=at,
        )
        replies = _replies(status, at, admin)
        doc.update(status=status.value, replies=replies)
        if replies:
            doc["updatedAt"] = replies[-1]["at"]
        if status in (FeedbackStatus.RESOLVED, FeedbackStatus.REJECTED):
            doc["closedAt"] = replies[-1]["at"]
            if n % 3 != 0:
                outcome = list(FeedbackOutcome)[n % 3]
                doc["rating"] = {
                    "outcome": outcome.value,
                    "stars": 5 - n % 3 * 2 if status is FeedbackStatus.RESOLVED else 2,
                    "comment": None,
                    "at": replies[-1]["at"] + timedelta(hours=5),
                }
        tickets.append(doc | {"_id": _object_id(n, at)})
    return tickets


async def seed_feedback(db: Database, *, anchor: datetime) -> None:
    admin = await db.users.find_one({"phone": "13800000003"}, {"_id": 1})  # 张卫东
    assert admin is not None
    # mostly the farmers of 孙家集街道, where the demo admin works the queue
    here = await db.users.find(
        {"path": SUNJIAJI, "role": "FARMER"}, {"regionId": 1, "path": 1}, sort=[("_id", 1)]
    ).to_list()
    others = await db.users.find(
        {"path": "370783000000", "role": "FARMER"}, {"regionId": 1, "path": 1}, sort=[("_id", 1)]
    ).to_list()
    authors = here * 3 + [o for o in others if SUNJIAJI not in o["path"]]
    tickets = feedback_documents(anchor, authors, admin["_id"])
    await insert_missing(db.feedback, tickets)
    year = anchor.astimezone(CHINA).year
    await db.counters.update_one(
        {"_id": COUNTER.format(year=year)}, {"$max": {"seq": len(tickets)}}, upsert=True
    )
