"""Public video lectures: an expert schedules one on an external stream, farmers register.

Capacity holds under concurrency: a registration is a unique (session, person)
document, then one conditional `$inc` of `registered` while it is below `capacity`;
the loser of the last place takes its registration back. Registered people are
reminded (SMS and inbox) 30 minutes before the start by one keyed job per lecture.
"""

from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from sannong.auth import Role, Viewer, require_role
from sannong.clock import now
from sannong.db import Database, Document
from sannong.errors import Forbidden, InputErrorCode, NotFound, RuleError
from sannong.integrations.jobs import JobServices, schedule
from sannong.rules.consultations import when
from sannong.rules.notifications import tell
from sannong.validation import Checks

REMINDER_KIND = "lecture_reminder"
REMIND_BEFORE = timedelta(minutes=30)
MINUTES = (15, 240)
MAX_CAPACITY = 100_000
MAX_CROPS = 10


class LectureErrorCode(StrEnum):
    FULL = "FULL"
    NOT_AVAILABLE = "NOT_AVAILABLE"
    LECTURE_IN_PAST = "LECTURE_IN_PAST"


def _url(checks: Checks, field: str, value: str | None, label: str) -> str | None:
    value = checks.text(field, value, label=label, max_length=500)
    if value:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            checks.fail(field, f"{label}应为 http(s) 链接")
    return value


def lecture_document(
    *,
    expert_id: ObjectId,
    title: str,
    topic: str,
    crops: list[str],
    starts_at: datetime,
    minutes: int,
    stream_url: str,
    capacity: int,
    at: datetime,
) -> Document:
    return {
        "expertId": expert_id,
        "title": title,
        "topic": topic,
        "crops": crops,
        "startsAt": starts_at,
        "endsAt": starts_at + timedelta(minutes=minutes),
        "durationMinutes": minutes,
        "streamUrl": stream_url,
        "replayUrl": None,
        "capacity": capacity,
        "registered": 0,
        "createdAt": at,
    }


async def schedule_video_session(
    db: Database,
    viewer: Viewer | None,
    *,
    title: str,
    topic: str | None,
    crops: list[str],
    starts_at: datetime,
    minutes: int,
    stream_url: str,
    capacity: int,
) -> Document:
    expert = require_role(viewer, Role.EXPERT)
    checks = Checks()
    checked_title = checks.text("title", title, label="标题", max_length=40)
    checked_topic = checks.text("topic", topic, label="内容简介", max_length=500, min_length=0)
    if len(crops) > MAX_CROPS:
        checks.fail("crops", f"最多 {MAX_CROPS} 种作物", InputErrorCode.TOO_MANY)
    checked_crops = [
        checks.text(f"crops.{n}", crop, label="作物", max_length=20) or ""
        for n, crop in enumerate(crops[:MAX_CROPS])
    ]
    at = now()
    if starts_at <= at:
        checks.fail("startsAt", "开始时间必须在将来", LectureErrorCode.LECTURE_IN_PAST)
    low, high = MINUTES
    if not low <= minutes <= high:
        checks.fail("durationMinutes", f"时长应为 {low} 到 {high} 分钟")
    if not 1 <= capacity <= MAX_CAPACITY:
        checks.fail("capacity", f"人数上限应为 1 到 {MAX_CAPACITY}")
    checked_url = _url(checks, "streamUrl", stream_url, "直播地址")
    checks.raise_if_any()
    assert checked_title is not None and checked_url is not None
    doc = lecture_document(
        expert_id=expert.id,
        title=checked_title,
        topic=checked_topic or "",
        crops=list(dict.fromkeys(checked_crops)),
        starts_at=starts_at,
        minutes=minutes,
        stream_url=checked_url,
        capacity=capacity,
        at=at,
    )
    doc["_id"] = (await db.video_sessions.insert_one(doc)).inserted_id
    await schedule_lecture_reminder(db, doc)
    return doc


async def schedule_lecture_reminder(db: Database, lecture: Document) -> None:
    due = max(lecture["startsAt"] - REMIND_BEFORE, now())
    await schedule(
        db, REMINDER_KIND, f"lecture-reminder:{lecture['_id']}", due, {"sessionId": lecture["_id"]}
    )


async def find_video_session(db: Database, session_id: ObjectId | None) -> Document:
    doc = None if session_id is None else await db.video_sessions.find_one({"_id": session_id})
    if doc is None:
        raise NotFound("讲座不存在", field="sessionId")
    return doc


async def register_for_video_session(
    db: Database, viewer: Viewer, session_id: ObjectId | None
) -> Document:
    """Once per person; registering again answers as the first time did."""
    lecture = await find_video_session(db, session_id)
    if lecture["endsAt"] <= now():
        raise RuleError("sessionId", "讲座已结束", LectureErrorCode.NOT_AVAILABLE)
    registration = {"sessionId": lecture["_id"], "userId": viewer.id, "createdAt": now()}
    try:
        await db.video_session_registrations.insert_one(registration)
    except DuplicateKeyError:
        return lecture  # index (sessionId, userId) unique: already registered
    counted = await db.video_sessions.find_one_and_update(
        {"_id": lecture["_id"], "registered": {"$lt": lecture["capacity"]}},
        {"$inc": {"registered": 1}},
        return_document=ReturnDocument.AFTER,
    )
    if counted is None:
        await db.video_session_registrations.delete_one({"_id": registration["_id"]})
        raise RuleError("sessionId", "报名人数已满", LectureErrorCode.FULL)
    return counted


async def set_replay(
    db: Database, viewer: Viewer, session_id: ObjectId | None, replay_url: str
) -> Document:
    """The lecturer adds the recording once the lecture has started."""
    lecture = await find_video_session(db, session_id)
    if lecture["expertId"] != viewer.id:
        raise Forbidden("只有主讲专家可以添加回放")
    checks = Checks()
    url = _url(checks, "replayUrl", replay_url, "回放地址")
    if lecture["startsAt"] > now():
        checks.fail("sessionId", "讲座开始后才能添加回放", LectureErrorCode.NOT_AVAILABLE)
    checks.raise_if_any()
    updated = await db.video_sessions.find_one_and_update(
        {"_id": lecture["_id"]},
        {"$set": {"replayUrl": url}},
        return_document=ReturnDocument.AFTER,
    )
    assert updated is not None
    return updated


async def send_lecture_reminder(services: JobServices, job: Document) -> None:
    """Everyone registered, SMS and inbox, each once (keyed by the job)."""
    db = services.db
    lecture = await db.video_sessions.find_one({"_id": job["payload"]["sessionId"]})
    if lecture is None or lecture["startsAt"] <= now():
        return
    people = [
        r["userId"]
        async for r in db.video_session_registrations.find(  # index (sessionId, userId)
            {"sessionId": lecture["_id"]}, {"userId": 1}
        )
    ]
    await tell(
        db,
        services.sms,
        people,
        kind="LECTURE_REMINDER",
        title="讲座提醒",
        text=f"您报名的讲座“{lecture['title']}”将于{when(lecture['startsAt'])}开始。",
        key=job["_id"],
        ref_id=lecture["_id"],
    )
