"""Public video lectures: an expert schedules one on an external stream, farmers register.

Capacity holds under concurrency and interruptions: a seat is taken by one conditional
update of the lecture (`registered < capacity`) that also records for whom (`seating`);
the registration (a unique (session, person) document) is stored next, and then the
record is dropped. So `registered` = registrations + seats still in `seating`, at every
moment: a request stopped between the steps (a timeout, a paused database) leaves a
seat its retry finishes, never a registration that no seat counts. Registered people are
reminded (SMS and inbox) 30 minutes before the start by one keyed job per lecture.
"""

import contextlib
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from sannong.auth import Role, Viewer, require_role
from sannong.clock import now
from sannong.db import Database, Document, find_by_id
from sannong.db.pagination import Page, paginate
from sannong.errors import Forbidden, InputErrorCode, RuleError
from sannong.integrations.jobs import JobServices, schedule
from sannong.rules.consultations import when
from sannong.rules.notifications import tell
from sannong.validation import Checks

REMINDER_KIND = "lecture_reminder"
REMIND_BEFORE = timedelta(minutes=30)
MINUTES = (15, 240)
MAX_CAPACITY = 100_000
MAX_CROPS = 10
ABANDONED_AFTER = timedelta(minutes=2)  # far longer than a registration takes


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
    return await find_by_id(db.video_sessions, session_id, "讲座不存在", "sessionId")


async def register_for_video_session(
    db: Database, viewer: Viewer, session_id: ObjectId | None
) -> Document:
    """Once per person; registering again answers as the first time did, and finishes
    what an interrupted first time left (a seat taken, the registration not yet stored)."""
    lecture = await find_video_session(db, session_id)
    registered = await db.video_session_registrations.find_one(  # index (sessionId, userId)
        {"sessionId": lecture["_id"], "userId": viewer.id}, {"_id": 1}
    )
    if registered is not None:
        return await _seated(db, lecture, viewer.id)
    if lecture["endsAt"] <= now():
        raise RuleError("sessionId", "讲座已结束", LectureErrorCode.NOT_AVAILABLE)
    if not _seating(lecture, viewer.id) and not await _take_seat(db, lecture, viewer.id):
        await _seat_after_all(db, lecture["_id"], viewer.id)
    registration = {"sessionId": lecture["_id"], "userId": viewer.id, "createdAt": now()}
    with contextlib.suppress(DuplicateKeyError):  # a concurrent retry stored it first
        await db.video_session_registrations.insert_one(registration)
    return await _seated(db, lecture, viewer.id)


async def _seat_after_all(db: Database, lecture_id: ObjectId, user_id: ObjectId) -> None:
    """No seat was taken: a concurrent retry of this person's took it, or one held by an
    abandoned request comes free, or the lecture is full."""
    current = await find_video_session(db, lecture_id)
    if _seating(current, user_id):
        return
    if not (await _free_abandoned_seats(db, current) and await _take_seat(db, current, user_id)):
        raise RuleError("sessionId", "报名人数已满", LectureErrorCode.FULL)


async def _take_seat(db: Database, lecture: Document, user_id: ObjectId) -> bool:
    """The seat and the record of whom it is for, in one conditional update."""
    taken = await db.video_sessions.update_one(
        {
            "_id": lecture["_id"],
            "registered": {"$lt": lecture["capacity"]},
            "seating.userId": {"$ne": user_id},
        },
        {"$inc": {"registered": 1}, "$push": {"seating": {"userId": user_id, "at": now()}}},
    )
    return taken.modified_count == 1


async def _free_abandoned_seats(db: Database, lecture: Document) -> bool:
    """Seats taken by requests that stopped long ago and were never retried: a stored
    registration keeps its seat, a missing one gives it back. True if one came free."""
    freed = False
    for entry in lecture.get("seating") or []:
        if entry["at"] > now() - ABANDONED_AFTER:
            continue
        user_id = entry["userId"]
        stored = await db.video_session_registrations.find_one(
            {"sessionId": lecture["_id"], "userId": user_id}, {"_id": 1}
        )
        if stored is not None:
            await _seated(db, lecture, user_id)
            continue
        result = await db.video_sessions.update_one(
            {"_id": lecture["_id"], "seating.userId": user_id},
            {"$inc": {"registered": -1}, "$pull": {"seating": {"userId": user_id}}},
        )
        freed = freed or result.modified_count == 1
    return freed


def _seating(lecture: Document, user_id: ObjectId) -> bool:
    """Whether a seat is taken for this person whose registration may not be stored yet."""
    return any(entry["userId"] == user_id for entry in lecture.get("seating") or [])


async def _seated(db: Database, lecture: Document, user_id: ObjectId) -> Document:
    """The registration is stored: its seat no longer needs its own record."""
    seated = await db.video_sessions.find_one_and_update(
        {"_id": lecture["_id"], "seating.userId": user_id},
        {"$pull": {"seating": {"userId": user_id}}},
        return_document=ReturnDocument.AFTER,
    )
    return seated or await find_video_session(db, lecture["_id"])


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


# -- reading -----------------------------------------------------------------------------


async def browse_video_sessions(
    db: Database, *, upcoming_only: bool, first: int | None, after: str | None
) -> Page:
    """Lectures not over yet, soonest first; or all, latest first."""
    query: dict[str, Any] = {"endsAt": {"$gt": now()}} if upcoming_only else {}
    return await paginate(  # index video_sessions(startsAt, _id)
        db.video_sessions,
        query,
        sort_key="startsAt",
        descending=not upcoming_only,
        first=first,
        after=after,
    )
