"""Consultations: vocabulary shared by `rules.slots`, `rules.bookings` and `rules.calls`,
and the reminders.

An expert publishes slots (OPEN); a farmer books one (the slot becomes BOOKED by one
conditional update, so of any number of concurrent bookings one wins) and a
consultation is recorded (BOOKED). From there it is CANCELLED (by either party),
COMPLETED (the expert writes advice) or NO_SHOW (the expert, after the start).
Every step is a conditional update on the current status.

Reminders go out 24 hours and 30 minutes before the start, by SMS and in the inbox,
as jobs (`integrations.jobs`): one job per consultation and moment, keyed, so it is
scheduled once and sent once whatever runs it; a cancelled booking drops its jobs.
"""

import secrets
from datetime import datetime, timedelta
from enum import Enum, StrEnum
from typing import Any

from bson import ObjectId

from sannong.auth import Viewer
from sannong.clock import CHINA, now
from sannong.db import Database, Document, find_by_id
from sannong.db.pagination import Page, paginate
from sannong.errors import Forbidden
from sannong.integrations.events import Topic, publish
from sannong.integrations.jobs import JobServices, schedule, unschedule
from sannong.rules.notifications import tell

REMINDER_KIND = "consultation_reminder"
REMINDERS = {"24h": timedelta(hours=24), "30m": timedelta(minutes=30)}


class SlotStatus(Enum):
    OPEN = "OPEN"
    BOOKED = "BOOKED"
    CANCELLED = "CANCELLED"


class ConsultationStatus(Enum):
    BOOKED = "BOOKED"
    CANCELLED = "CANCELLED"
    COMPLETED = "COMPLETED"
    NO_SHOW = "NO_SHOW"


class ConsultationErrorCode(StrEnum):
    SLOT_IN_PAST = "SLOT_IN_PAST"
    INVALID_DURATION = "INVALID_DURATION"
    OVERLAP = "OVERLAP"
    CONFLICT = "CONFLICT"  # the slot was booked by someone else
    NOT_AVAILABLE = "NOT_AVAILABLE"
    OWN_SLOT = "OWN_SLOT"
    TOO_MANY_BOOKINGS = "TOO_MANY_BOOKINGS"
    TOO_LATE_TO_CANCEL = "TOO_LATE_TO_CANCEL"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    NOT_STARTED = "NOT_STARTED"
    ALREADY_RATED = "ALREADY_RATED"
    OUTSIDE_CALL_WINDOW = "OUTSIDE_CALL_WINDOW"
    THREAD_CLOSED = "THREAD_CLOSED"  # no more messages: cancelled, or a day past the end
    TOO_MANY_MESSAGES = "TOO_MANY_MESSAGES"


def when(moment: datetime) -> str:
    """How a time reads in a message: 5月3日 09:00 (China's time)."""
    local = moment.astimezone(CHINA)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def span(slot: Document) -> str:
    """5月3日 09:00–10:00"""
    return f"{when(slot['startsAt'])}–{slot['endsAt'].astimezone(CHINA):%H:%M}"


def overlaps(a: Document, b: Document) -> bool:
    """Half-open intervals: a slot ending at 10:00 and one starting at 10:00 do not overlap."""
    return bool(a["startsAt"] < b["endsAt"] and b["startsAt"] < a["endsAt"])


def slot_document(
    *, expert_id: ObjectId, starts_at: datetime, minutes: int, at: datetime
) -> Document:
    return {
        "expertId": expert_id,
        "startsAt": starts_at,
        "endsAt": starts_at + timedelta(minutes=minutes),
        "durationMinutes": minutes,
        "status": SlotStatus.OPEN.value,
        "consultationId": None,
        "createdAt": at,
    }


def consultation_document(
    *,
    consultation_id: ObjectId,
    slot: Document,
    farmer_id: ObjectId,
    farmer_path: list[str],
    topic: str,
    description: str,
    crop: str,
    photos: list[dict[str, Any]],
    question_id: ObjectId | None,
    idempotency_key: str | None,
    fingerprint: str | None,
    at: datetime,
) -> Document:
    """A booking as stored (the seed books with it too)."""
    return {
        "_id": consultation_id,
        "slotId": slot["_id"],
        "expertId": slot["expertId"],
        "farmerId": farmer_id,
        "parties": [farmer_id, slot["expertId"]],
        "path": farmer_path,  # the farmer's village: figures of a region subtree (rules/stats)
        "startsAt": slot["startsAt"],
        "endsAt": slot["endsAt"],
        "topic": topic,
        "description": description,
        "crop": crop,
        "photos": photos,
        "questionId": question_id,
        "status": ConsultationStatus.BOOKED.value,
        "history": [{"status": ConsultationStatus.BOOKED.value, "at": at, "actorId": farmer_id}],
        "advice": None,
        "rating": None,
        "roomKey": secrets.token_urlsafe(12),  # the room link's name on a video service
        "idempotencyKey": idempotency_key,
        "fingerprint": fingerprint,
        "createdAt": at,
        "updatedAt": at,
    }


def consultation_visible_to(viewer: Viewer | None, doc: Document) -> bool:
    """Only the two parties see a consultation, its photos and the advice."""
    return viewer is not None and viewer.id in (doc["farmerId"], doc["expertId"])


async def find_consultation(db: Database, consultation_id: ObjectId | None) -> Document:
    return await find_by_id(db.consultations, consultation_id, "咨询不存在", "consultationId")


async def party_consultation(
    db: Database, viewer: Viewer, consultation_id: ObjectId | None
) -> Document:
    doc = await find_consultation(db, consultation_id)
    if not consultation_visible_to(viewer, doc):
        raise Forbidden("只有预约的农户和专家可以操作")
    return doc


async def announce(db: Database, consultation: Document) -> None:
    """Both parties hear of a booking and of each step after it (`consultationUpdated`)."""
    await publish(
        db,
        Topic.CONSULTATIONS,
        [consultation["farmerId"], consultation["expertId"]],
        [consultation["_id"]],
    )


def reminder_keys(consultation_id: ObjectId) -> list[str]:
    return [f"consultation-reminder:{consultation_id}:{label}" for label in REMINDERS]


async def schedule_reminders(db: Database, consultation: Document) -> None:
    """A reminder whose moment has passed (a booking made 10 minutes ahead) is not sent."""
    for label, before in REMINDERS.items():
        due = consultation["startsAt"] - before
        if due > now():
            key = f"consultation-reminder:{consultation['_id']}:{label}"
            await schedule(db, REMINDER_KIND, key, due, {"consultationId": consultation["_id"]})


async def unschedule_reminders(db: Database, consultation_id: ObjectId) -> None:
    await unschedule(db, reminder_keys(consultation_id))


async def send_consultation_reminder(services: JobServices, job: Document) -> None:
    """The job of one reminder: both parties, SMS and inbox, each once (keyed by the job)."""
    db = services.db
    consultation = await db.consultations.find_one({"_id": job["payload"]["consultationId"]})
    if consultation is None or consultation["status"] != ConsultationStatus.BOOKED.value:
        return  # cancelled after the job was claimed
    if consultation["startsAt"] <= now():
        return  # a worker that was down for long: a reminder after the start helps nobody
    await tell(
        db,
        services.sms,
        consultation["parties"],
        kind="CONSULTATION_REMINDER",
        title="视频咨询提醒",
        text=f"视频咨询“{consultation['topic']}”将于{when(consultation['startsAt'])}开始，"
        "请提前打开三农 App 等候。",
        key=job["_id"],
        ref_id=consultation["_id"],
    )


# -- reading -----------------------------------------------------------------------------


async def my_consultations(
    db: Database,
    viewer: Viewer,
    status: ConsultationStatus | None,
    *,
    first: int | None,
    after: str | None,
) -> Page:
    """The viewer's consultations as farmer or expert: BOOKED soonest first, others
    latest first."""
    query: dict[str, Any] = {"parties": viewer.id}
    if status is not None:
        query["status"] = status.value
    # indexes consultations(parties, startsAt, _id), (parties, status, startsAt, _id)
    return await paginate(
        db.consultations,
        query,
        sort_key="startsAt",
        descending=status is not ConsultationStatus.BOOKED,
        first=first,
        after=after,
    )
