"""Booking a consultation and every step after it.

One booking per slot: the slot goes OPEN → BOOKED in one conditional update, so of
any number of concurrent bookings exactly one wins and the others are told CONFLICT.
A farmer holds at most `max_upcoming` upcoming bookings and never two that overlap:
both are checked while the farmer's lease (`db.locks.serialized`) is held, so two
bookings of one farmer at once are checked one after the other. A retry with the
same idempotency key answers with the first booking (`rules.idempotency.once`).
"""

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from sannong.auth import Viewer
from sannong.clock import now
from sannong.db import Database, Document
from sannong.db.locks import serialized
from sannong.errors import Conflict, Forbidden, InputErrorCode, RuleError
from sannong.integrations.sms import SmsProvider
from sannong.media import PhotoErrorCode, PhotoStore, store_photos
from sannong.rules.consultations import (
    ConsultationErrorCode,
    ConsultationStatus,
    SlotStatus,
    announce,
    consultation_document,
    party_consultation,
    schedule_reminders,
    span,
    unschedule_reminders,
    when,
)
from sannong.rules.idempotency import once
from sannong.rules.notifications import notify, tell
from sannong.rules.reference import changed
from sannong.rules.slots import find_slot
from sannong.validation import Checks

IDEMPOTENCY_KEY_LENGTH = (8, 64)
ABANDONED_AFTER = timedelta(minutes=2)  # far longer than a booking takes
# The app's limits (frontend/src/limits.ts) are these numbers.
TOPIC_MAX = 40
DESCRIPTION_MAX = 500
CROP_MAX = 20
COMMENT_MAX = 200


@dataclass(frozen=True)
class BookingDraft:
    slot_id: ObjectId | None
    topic: str
    description: str | None
    crop: str | None
    question_id: ObjectId | None
    idempotency_key: str


@dataclass(frozen=True)
class BookingLimits:
    max_upcoming: int = 3
    photos: int = 3
    photo_max_bytes: int = 5 * 1024 * 1024


def _checked(draft: BookingDraft, photos: list[bytes], limits: BookingLimits) -> BookingDraft:
    checks = Checks()
    topic = checks.text("topic", draft.topic, label="咨询主题", max_length=TOPIC_MAX)
    description = checks.text(
        "description", draft.description, label="问题描述", max_length=DESCRIPTION_MAX, min_length=0
    )
    crop = checks.text("crop", draft.crop, label="作物", max_length=CROP_MAX, min_length=0)
    key = draft.idempotency_key
    low, high = IDEMPOTENCY_KEY_LENGTH
    if not (low <= len(key) <= high and key.isascii() and key.isprintable()):
        checks.fail("idempotencyKey", f"幂等键应为 {low} 到 {high} 个 ASCII 字符")
    if len(photos) > limits.photos:
        checks.fail("photos", f"最多上传 {limits.photos} 张照片", PhotoErrorCode.TOO_MANY_PHOTOS)
    checks.raise_if_any()
    return BookingDraft(
        draft.slot_id, topic or "", description or "", crop or "", draft.question_id, key
    )


def _fingerprint(draft: BookingDraft, photos: list[bytes]) -> str:
    parts = (draft.slot_id, draft.topic, draft.description, draft.crop, draft.question_id)
    digest = hashlib.sha256("|".join(str(part) for part in parts).encode())
    for photo in photos:
        digest.update(hashlib.sha256(photo).digest())
    return digest.hexdigest()


async def book_consultation(
    db: Database,
    store: PhotoStore,
    farmer: Viewer,
    draft: BookingDraft,
    photos: list[bytes],
    limits: BookingLimits,
) -> Document:
    draft = _checked(draft, photos, limits)
    fingerprint = _fingerprint(draft, photos)

    async def replay() -> Document | None:
        earlier = await db.consultations.find_one(  # index (farmerId, idempotencyKey) unique
            {"farmerId": farmer.id, "idempotencyKey": draft.idempotency_key}
        )
        if earlier is not None and earlier["fingerprint"] != fingerprint:
            raise Conflict("该幂等键已用于另一次不同的预约", field="idempotencyKey")
        return earlier

    return await once(
        db,
        f"consultation:{farmer.id}:{draft.idempotency_key}",
        replay=replay,
        act=lambda: _book(db, store, farmer, draft, photos, fingerprint, limits),
        busy="同一个预约正在处理中，请稍后再试",
    )


async def _book(
    db: Database,
    store: PhotoStore,
    farmer: Viewer,
    draft: BookingDraft,
    photos: list[bytes],
    fingerprint: str,
    limits: BookingLimits,
) -> Document:
    farmer_id = farmer.id
    booking_key = f"{farmer_id}:{draft.idempotency_key}"
    slot = await _free_if_abandoned(db, await find_slot(db, draft.slot_id))
    # An earlier attempt with this key claimed the slot and stopped before it stored the
    # consultation (a timeout, a paused database): this one stores it.
    resumed = slot["status"] == SlotStatus.BOOKED.value and slot.get("bookingKey") == booking_key
    if not resumed:
        _check_slot(slot, farmer_id)
    if draft.question_id is not None:
        question = await db.questions.find_one({"_id": draft.question_id}, {"askerId": 1})
        if question is None or question["askerId"] != farmer_id:
            raise RuleError("questionId", "只能关联自己提的问题", InputErrorCode.NOT_FOUND)
    stored = await store_photos(
        store, photos, already=0, limit=limits.photos, max_bytes=limits.photo_max_bytes
    )
    async with serialized(db, f"bookings:{farmer_id}"):
        if resumed:
            claimed, consultation_id = slot, slot["consultationId"]
        else:
            await _check_farmer(db, farmer_id, slot, limits.max_upcoming)
            consultation_id = ObjectId()
            # The slot, and for whom (the consultation's id and the booking's key), in one
            # conditional update: the slot alone proves who holds it.
            taken = await db.consultation_slots.find_one_and_update(
                {"_id": slot["_id"], "status": SlotStatus.OPEN.value, "startsAt": {"$gt": now()}},
                {
                    "$set": {
                        "status": SlotStatus.BOOKED.value,
                        "consultationId": consultation_id,
                        "bookingKey": booking_key,
                        "bookedAt": now(),
                    }
                },
                return_document=ReturnDocument.AFTER,
            )
            if taken is None:
                raise RuleError("slotId", "该时段已被预约", ConsultationErrorCode.CONFLICT)
            claimed = taken
        doc = consultation_document(
            consultation_id=consultation_id,
            slot=claimed,
            farmer_id=farmer_id,
            farmer_path=list(farmer.region_path),
            topic=draft.topic,
            description=draft.description or "",
            crop=draft.crop or "",
            photos=[photo.doc for photo in stored],
            question_id=draft.question_id,
            idempotency_key=draft.idempotency_key,
            fingerprint=fingerprint,
            at=now(),
        )
        # Should this fail or time out, the slot stays claimed: whether the consultation
        # was stored is not known here (reopening it could let a second farmer in beside
        # a consultation stored late); the retry stores it, or `_free_if_abandoned` frees it.
        try:
            await db.consultations.insert_one(doc)
        except DuplicateKeyError:  # stored by an attempt with this key that went on
            earlier = await db.consultations.find_one({"_id": consultation_id})
            if earlier is None:
                raise
            return earlier
    # The expert may have withdrawn the slot between the claim and the insert.
    if not await db.consultation_slots.find_one(
        {"_id": slot["_id"], "consultationId": consultation_id, "status": SlotStatus.BOOKED.value},
        {"_id": 1},
    ):
        await db.consultations.delete_one({"_id": consultation_id})
        raise RuleError("slotId", "专家已取消该时段", ConsultationErrorCode.NOT_AVAILABLE)
    await schedule_reminders(db, doc)
    await notify(
        db,
        [doc["expertId"]],
        kind="CONSULTATION_BOOKED",
        title="新的咨询预约",
        body=f"有农户预约了您 {span(doc)} 的视频咨询：{doc['topic']}",
        ref_id=consultation_id,
    )
    await announce(db, doc)
    return doc


async def _free_if_abandoned(db: Database, slot: Document) -> Document:
    """A slot claimed long ago by a booking that never stored its consultation, or whose
    consultation was cancelled by a request that stopped before the slot moved, goes
    where that step would have taken it (OPEN, or CANCELLED when the expert cancelled)."""
    claimed_at = slot.get("bookedAt")
    if slot["status"] != SlotStatus.BOOKED.value or claimed_at is None:
        return slot
    consultation = await db.consultations.find_one(
        {"_id": slot["consultationId"]}, {"status": 1, "cancelledBy": 1}
    )
    if consultation is None and claimed_at > now() - ABANDONED_AFTER:
        return slot  # a booking may still be at work
    if consultation is not None and consultation["status"] != ConsultationStatus.CANCELLED.value:
        return slot
    held = {"_id": slot["_id"], "status": SlotStatus.BOOKED.value}
    held["consultationId"] = slot["consultationId"]
    if consultation is not None and consultation.get("cancelledBy") == slot["expertId"]:
        await db.consultation_slots.update_one(
            held, {"$set": {"status": SlotStatus.CANCELLED.value}}
        )
    else:
        await _reopen(db, slot["_id"], slot["consultationId"])
    return await find_slot(db, slot["_id"])


def _check_slot(slot: Document, farmer_id: ObjectId) -> None:
    if slot["expertId"] == farmer_id:
        raise RuleError("slotId", "不能预约自己的时段", ConsultationErrorCode.OWN_SLOT)
    if slot["status"] == SlotStatus.CANCELLED.value:
        raise RuleError("slotId", "该时段已取消", ConsultationErrorCode.NOT_AVAILABLE)
    if slot["startsAt"] <= now():
        raise RuleError("slotId", "该时段已开始，不能预约", ConsultationErrorCode.NOT_AVAILABLE)
    if slot["status"] != SlotStatus.OPEN.value:
        raise RuleError("slotId", "该时段已被预约", ConsultationErrorCode.CONFLICT)


async def _check_farmer(db: Database, farmer_id: ObjectId, slot: Document, limit: int) -> None:
    """Run under the farmer's lease: no booking of theirs is being made meanwhile."""
    at = now()
    held = await db.consultations.find(  # index (farmerId, status, startsAt)
        {"farmerId": farmer_id, "status": ConsultationStatus.BOOKED.value, "endsAt": {"$gt": at}},
        {"startsAt": 1, "endsAt": 1},
    ).to_list()
    for other in held:
        if other["startsAt"] < slot["endsAt"] and slot["startsAt"] < other["endsAt"]:
            raise RuleError(
                "slotId",
                f"与您已预约的 {span(other)} 咨询时间重叠",
                ConsultationErrorCode.OVERLAP,
            )
    if sum(1 for other in held if other["startsAt"] > at) >= limit:
        raise RuleError(
            "slotId",
            f"最多同时预约 {limit} 次咨询，请先完成或取消已有的预约",
            ConsultationErrorCode.TOO_MANY_BOOKINGS,
        )


async def _reopen(db: Database, slot_id: ObjectId, consultation_id: ObjectId) -> None:
    """A slot this booking holds is free again (if it has not started or been withdrawn)."""
    await db.consultation_slots.update_one(
        {"_id": slot_id, "status": SlotStatus.BOOKED.value, "consultationId": consultation_id},
        {"$set": {"status": SlotStatus.OPEN.value, "consultationId": None, "bookingKey": None}},
    )


async def _move(
    db: Database,
    consultation: Document,
    actor_id: ObjectId,
    source: ConsultationStatus,
    to: ConsultationStatus,
    refusal: str,
    fields: dict[str, Any] | None = None,
    reason: str | None = None,
) -> Document:
    at = now()
    event: dict[str, Any] = {"status": to.value, "at": at, "actorId": actor_id}
    if reason:
        event["reason"] = reason
    moved = await db.consultations.find_one_and_update(
        {"_id": consultation["_id"], "status": source.value},
        {
            "$set": {"status": to.value, "updatedAt": at, **(fields or {})},
            "$push": {"history": event},
        },
        return_document=ReturnDocument.AFTER,
    )
    if moved is None:
        raise RuleError("consultationId", refusal, ConsultationErrorCode.INVALID_TRANSITION)
    return moved


async def cancel_consultation(
    db: Database,
    sms: SmsProvider,
    viewer: Viewer,
    consultation_id: ObjectId | None,
    reason: str | None,
    *,
    farmer_cancel_hours: int = 2,
) -> Document:
    """The farmer until `farmer_cancel_hours` before the start (the slot opens again for
    others); the expert at any time with a reason (the slot is withdrawn). The other
    party is told by SMS and in the inbox."""
    consultation = await party_consultation(db, viewer, consultation_id)
    by_farmer = viewer.id == consultation["farmerId"]
    checks = Checks()
    reason = checks.text("reason", reason, label="取消原因", max_length=200, min_length=0) or None
    if not by_farmer and not reason:
        checks.fail("reason", "专家取消咨询需要说明原因", InputErrorCode.REQUIRED)
    checks.raise_if_any()
    if by_farmer and now() > consultation["startsAt"] - timedelta(hours=farmer_cancel_hours):
        raise RuleError(
            "consultationId",
            f"开始前 {farmer_cancel_hours} 小时内不能取消，来不了请在预约页给专家留言",
            ConsultationErrorCode.TOO_LATE_TO_CANCEL,
        )
    moved = await _move(
        db,
        consultation,
        viewer.id,
        ConsultationStatus.BOOKED,
        ConsultationStatus.CANCELLED,
        "只能取消已预约、未完成的咨询",
        {"cancelledBy": viewer.id, "cancelReason": reason},
        reason,
    )
    await unschedule_reminders(db, moved["_id"])
    slot_query = {
        "_id": moved["slotId"],
        "status": SlotStatus.BOOKED.value,
        "consultationId": moved["_id"],
    }
    if by_farmer:
        await _reopen(db, moved["slotId"], moved["_id"])
    else:
        await db.consultation_slots.update_one(
            slot_query, {"$set": {"status": SlotStatus.CANCELLED.value, "cancelReason": reason}}
        )
    other = moved["expertId"] if by_farmer else moved["farmerId"]
    who = "农户" if by_farmer else "专家"
    await tell(
        db,
        sms,
        [other],
        kind="CONSULTATION_CANCELLED",
        title=f"{who}取消了咨询",
        text=f"{when(moved['startsAt'])}的视频咨询“{moved['topic']}”已被{who}取消"
        + (f"（{reason}）。" if reason else "。"),
        ref_id=moved["_id"],
    )
    await announce(db, moved)
    return moved


async def _expert_consultation(
    db: Database, viewer: Viewer, consultation_id: ObjectId | None, what: str
) -> Document:
    consultation = await party_consultation(db, viewer, consultation_id)
    if viewer.id != consultation["expertId"]:
        raise Forbidden(f"只有咨询的专家可以{what}")
    if now() < consultation["startsAt"]:
        raise RuleError("consultationId", "咨询还没有开始", ConsultationErrorCode.NOT_STARTED)
    return consultation


async def complete_consultation(
    db: Database, viewer: Viewer, consultation_id: ObjectId | None, advice: str
) -> Document:
    """The expert writes the advice; the farmer reads it with the consultation."""
    consultation = await _expert_consultation(db, viewer, consultation_id, "填写建议")
    checks = Checks()
    checked = checks.text("advice", advice, label="建议", max_length=2000)
    checks.raise_if_any()
    moved = await _move(
        db,
        consultation,
        viewer.id,
        ConsultationStatus.BOOKED,
        ConsultationStatus.COMPLETED,
        "只能完成已预约的咨询",
        {"advice": checked, "completedAt": now()},
    )
    await db.experts.update_one({"_id": moved["expertId"]}, {"$inc": {"consultationCount": 1}})
    await changed(db, "experts", [moved["expertId"]])
    await notify(
        db,
        [moved["farmerId"]],
        kind="CONSULTATION_COMPLETED",
        title="专家已填写咨询建议",
        body=f"{when(moved['startsAt'])}的视频咨询“{moved['topic']}”有了专家建议，欢迎评价。",
        ref_id=moved["_id"],
    )
    await announce(db, moved)
    return moved


async def mark_no_show(db: Database, viewer: Viewer, consultation_id: ObjectId | None) -> Document:
    consultation = await _expert_consultation(db, viewer, consultation_id, "标记缺席")
    moved = await _move(
        db,
        consultation,
        viewer.id,
        ConsultationStatus.BOOKED,
        ConsultationStatus.NO_SHOW,
        "只能标记已预约的咨询",
    )
    await announce(db, moved)
    return moved


async def rate_consultation(
    db: Database,
    viewer: Viewer,
    consultation_id: ObjectId | None,
    stars: int,
    comment: str | None,
) -> Document:
    """The farmer rates once, 1–5 stars; the expert's rating moves by `$inc` only."""
    consultation = await party_consultation(db, viewer, consultation_id)
    if viewer.id != consultation["farmerId"]:
        raise Forbidden("只有预约的农户可以评价")
    checks = Checks()
    if not 1 <= stars <= 5:
        checks.fail("stars", "评分应为 1 到 5 星")
    comment = (
        checks.text("comment", comment, label="评价", max_length=COMMENT_MAX, min_length=0) or None
    )
    checks.raise_if_any()
    if consultation["status"] != ConsultationStatus.COMPLETED.value:
        raise RuleError(
            "consultationId", "只能评价已完成的咨询", ConsultationErrorCode.INVALID_TRANSITION
        )
    rating = {"stars": stars, "comment": comment, "at": now()}
    rated = await db.consultations.find_one_and_update(
        {"_id": consultation["_id"], "status": ConsultationStatus.COMPLETED.value, "rating": None},
        {"$set": {"rating": rating, "updatedAt": rating["at"]}},
        return_document=ReturnDocument.AFTER,
    )
    if rated is None:
        raise RuleError("consultationId", "已经评价过了", ConsultationErrorCode.ALREADY_RATED)
    await db.experts.update_one(
        {"_id": rated["expertId"]}, {"$inc": {"ratingSum": stars, "ratingCount": 1}}
    )
    await changed(db, "experts", [rated["expertId"]])
    await announce(db, rated)
    return rated
