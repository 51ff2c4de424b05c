"""Slots an expert offers for 1:1 consultations: published in batches, never overlapping.

No two live slots (OPEN or BOOKED) of one expert overlap, not even partly. A batch is
checked against itself and against the slots stored, while the expert's lease
(`db.locks.serialized`, one per expert) is held, so two batches published at once
cannot both pass the check: the second one sees the first one's slots.

An expert has at most `MAX_UPCOMING_SLOTS` live slots not yet ended (eight a working day
for three months), so the check reads a bounded set: the expert's live slots from two hours
ago on (no slot is longer), one indexed range, then one sorted pass.
"""

from bisect import bisect_left
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument

from sannong.auth import Role, Viewer, require_role
from sannong.clock import now
from sannong.db import Database, Document, find_by_id, object_id
from sannong.db.locks import serialized
from sannong.db.pagination import Page, paginate
from sannong.errors import Forbidden, InputErrorCode, RuleError
from sannong.integrations.sms import SmsProvider
from sannong.rules.consultations import (
    ConsultationErrorCode,
    ConsultationStatus,
    SlotStatus,
    announce,
    overlaps,
    slot_document,
    span,
    unschedule_reminders,
    when,
)
from sannong.rules.experts import ExpertErrorCode
from sannong.rules.notifications import tell
from sannong.validation import Checks

MAX_SLOTS = 50
MAX_UPCOMING_SLOTS = 500
MINUTES = (15, 120)
HORIZON = timedelta(days=90)
LIVE = [SlotStatus.OPEN.value, SlotStatus.BOOKED.value]


def _checked_batch(slots: list[tuple[datetime, int]], at: datetime) -> list[tuple[datetime, int]]:
    checks = Checks()
    if not slots:
        checks.fail("slots", "请至少添加一个时段", InputErrorCode.REQUIRED)
    if len(slots) > MAX_SLOTS:
        checks.fail("slots", f"一次最多发布 {MAX_SLOTS} 个时段", InputErrorCode.TOO_MANY)
    checks.raise_if_any()
    low, high = MINUTES
    for index, (starts_at, minutes) in enumerate(slots):
        if starts_at <= at:
            checks.fail(
                f"slots.{index}.startsAt", "时段必须在将来", ConsultationErrorCode.SLOT_IN_PAST
            )
        elif starts_at > at + HORIZON:
            checks.fail(f"slots.{index}.startsAt", "只能发布 90 天以内的时段")
        if not low <= minutes <= high:
            checks.fail(
                f"slots.{index}.durationMinutes",
                f"每个时段应为 {low} 到 {high} 分钟",
                ConsultationErrorCode.INVALID_DURATION,
            )
    checks.raise_if_any()
    return slots


def _overlap_failures(checks: Checks, batch: list[Document], existing: list[Document]) -> None:
    """Each new slot is named once, with the first slot it overlaps: one stored (the
    earliest), else one earlier in the batch. Slots last at most two hours, so only those
    starting in the two hours before a slot's end can overlap it."""
    existing = sorted(existing, key=lambda slot: slot["startsAt"])
    starts = [slot["startsAt"] for slot in existing]
    longest = timedelta(minutes=MINUTES[1])
    for index, slot in enumerate(batch):
        near = existing[bisect_left(starts, slot["startsAt"] - longest) :]
        stored = next((other for other in near if overlaps(slot, other)), None)
        if stored is None:
            earlier = next((other for other in batch[:index] if overlaps(slot, other)), None)
            if earlier is not None:
                checks.fail(
                    f"slots.{index}",
                    f"时段 {span(slot)} 与同批的时段 {span(earlier)} 重叠",
                    ConsultationErrorCode.OVERLAP,
                )
            continue
        checks.fail(
            f"slots.{index}",
            f"时段 {span(slot)} 与已发布的时段 {span(stored)} 重叠",
            ConsultationErrorCode.OVERLAP,
        )


async def publish_slots(
    db: Database, viewer: Viewer | None, slots: list[tuple[datetime, int]]
) -> list[Document]:
    """Up to 50 slots of 15–120 minutes in the future, within the expert's cap of live
    slots; the whole batch or nothing."""
    expert = require_role(viewer, Role.EXPERT)
    at = now()
    _checked_batch(slots, at)
    if await db.experts.find_one({"_id": expert.id}, {"_id": 1}) is None:
        raise RuleError(None, "请先填写专家资料", ExpertErrorCode.NOT_AN_EXPERT)
    batch = [
        slot_document(expert_id=expert.id, starts_at=start, minutes=minutes, at=at)
        for start, minutes in slots
    ]
    async with serialized(db, f"slots:{expert.id}"):
        # index (expertId, startsAt): the expert's live slots not yet ended, at most the cap
        upcoming = await db.consultation_slots.find(
            {
                "expertId": expert.id,
                "status": {"$in": LIVE},
                "startsAt": {"$gt": at - timedelta(minutes=MINUTES[1])},
            },
            {"startsAt": 1, "endsAt": 1},
        ).to_list()
        upcoming = [slot for slot in upcoming if slot["endsAt"] > at]
        if len(upcoming) + len(batch) > MAX_UPCOMING_SLOTS:
            left = max(MAX_UPCOMING_SLOTS - len(upcoming), 0)
            raise RuleError(
                "slots",
                f"未结束的时段最多 {MAX_UPCOMING_SLOTS} 个，现在还能发布 {left} 个",
                InputErrorCode.TOO_MANY,
            )
        checks = Checks()
        _overlap_failures(checks, batch, upcoming)
        checks.raise_if_any()
        await db.consultation_slots.insert_many(batch)
    return sorted(batch, key=lambda slot: slot["startsAt"])


async def find_slot(db: Database, slot_id: ObjectId | None) -> Document:
    return await find_by_id(db.consultation_slots, slot_id, "时段不存在", "slotId")


async def cancel_slot(
    db: Database, sms: SmsProvider, viewer: Viewer, slot_id: ObjectId | None, reason: str | None
) -> Document:
    """The expert withdraws a slot; a farmer who booked it is told by SMS and in the inbox."""
    slot = await find_slot(db, slot_id)
    if slot["expertId"] != viewer.id:
        raise Forbidden("只能取消自己发布的时段")
    checks = Checks()
    reason = checks.text("reason", reason, label="原因", max_length=200, min_length=0) or None
    checks.raise_if_any()
    at = now()
    before = await db.consultation_slots.find_one_and_update(
        {"_id": slot["_id"], "status": {"$in": LIVE}, "endsAt": {"$gt": at}},
        {"$set": {"status": SlotStatus.CANCELLED.value, "cancelReason": reason, "cancelledAt": at}},
    )
    if before is None:
        raise RuleError("slotId", "该时段已取消或已结束", ConsultationErrorCode.INVALID_TRANSITION)
    if before["status"] == SlotStatus.BOOKED.value and before["consultationId"] is not None:
        await _cancel_booking_of_slot(db, sms, viewer.id, before, reason, at)
    cancelled = await db.consultation_slots.find_one({"_id": slot["_id"]})
    assert cancelled is not None
    return cancelled


async def _cancel_booking_of_slot(
    db: Database,
    sms: SmsProvider,
    expert_id: ObjectId,
    slot: Document,
    reason: str | None,
    at: datetime,
) -> None:
    event: dict[str, Any] = {
        "status": ConsultationStatus.CANCELLED.value,
        "at": at,
        "actorId": expert_id,
        "reason": reason or "专家取消了该时段",
    }
    consultation = await db.consultations.find_one_and_update(
        {"_id": slot["consultationId"], "status": ConsultationStatus.BOOKED.value},
        {
            "$set": {
                "status": ConsultationStatus.CANCELLED.value,
                "cancelledBy": expert_id,
                "cancelReason": event["reason"],
                "updatedAt": at,
            },
            "$push": {"history": event},
        },
        return_document=ReturnDocument.AFTER,
    )
    if consultation is None:
        return  # a booking still in flight: it sees the cancelled slot and withdraws itself
    await unschedule_reminders(db, consultation["_id"])
    await tell(
        db,
        sms,
        [consultation["farmerId"]],
        kind="CONSULTATION_CANCELLED",
        title="专家取消了咨询",
        text=f"您预约的{when(consultation['startsAt'])}视频咨询已被专家取消"
        f"（{event['reason']}），请另约时间。",
        ref_id=consultation["_id"],
    )
    await announce(db, consultation)


# -- reading -----------------------------------------------------------------------------


async def slots_between(
    db: Database,
    *,
    expert_key: str | None,
    starts_from: datetime | None,
    starts_before: datetime | None,
    open_only: bool,
    first: int | None,
    after: str | None,
) -> Page:
    """Slots by start time, from `starts_from` (default now) and before `starts_before`;
    of one expert when named (a malformed key names nobody), the open ones or all."""
    starts: dict[str, Any] = {"$gte": starts_from or now()}
    if starts_before is not None:
        starts["$lt"] = starts_before
    query: dict[str, Any] = {"startsAt": starts}
    if expert_key is not None:
        query["expertId"] = object_id(expert_key)
    if open_only:
        query["status"] = SlotStatus.OPEN.value
    # indexes consultation_slots(status, startsAt, _id), (expertId, status, startsAt, _id)
    return await paginate(
        db.consultation_slots,
        query,
        sort_key="startsAt",
        descending=False,
        first=first,
        after=after,
    )
