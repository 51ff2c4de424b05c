"""Short messages between the two parties of a consultation: 来不了？给专家留言.

A farmer who cannot come, or an expert running late, says so on the consultation:

    send_consultation_message(db, sms, farmer, consultation_id, "c-5f1e…", "来不了，能改到明天吗")

Only the farmer and the expert write and read. The thread is open while the booking
stands and until `LAST_WORD` after its end (a last word after the call, or after a
no-show); a cancelled consultation is closed (its reason was the last word). Text is
1–200 characters, stored as typed and shown as text. Each party writes at most
`PER_PARTY` messages per consultation, counted by one conditional update of the
consultation so concurrent sends cannot pass it, and at most `BURST` in
`BURST_WINDOW_SECONDS` (RATE_LIMITED, and the message taken back).

The client chooses each message's id (`clientId`): a retried send, from a weak network
or the app's outbox, finds the first one (index (consultationId, senderId, clientId)
unique) and stores, tells and counts nothing again.

The other party is told in the inbox for every message and by SMS at most once per
`SMS_QUIET` per consultation: the consultation records when each party was last texted
and only the send that moves that time forward (a conditional update) texts.
"""

from datetime import timedelta

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from sannong import throttle
from sannong.auth import Viewer
from sannong.clock import now
from sannong.db import Database, Document
from sannong.errors import RateLimited, RuleError
from sannong.integrations.sms import SmsProvider
from sannong.rules.consultations import (
    ConsultationErrorCode,
    ConsultationStatus,
    announce,
    find_consultation,
    party_consultation,
)
from sannong.rules.notifications import notify
from sannong.validation import Checks

TEXT_MAX = 200  # frontend/src/limits.ts says the same
CLIENT_ID_LENGTH = (8, 64)
PER_PARTY = 20
BURST, BURST_WINDOW_SECONDS = 5, 60
LAST_WORD = timedelta(hours=24)
SMS_QUIET = timedelta(minutes=30)
KIND = "CONSULTATION_MESSAGE"


def role_of(consultation: Document, user_id: ObjectId) -> str:
    """ "farmer" or "expert": fixed field names, never built from input."""
    return "farmer" if user_id == consultation["farmerId"] else "expert"


def thread_open(consultation: Document) -> bool:
    if consultation["status"] == ConsultationStatus.CANCELLED.value:
        return False
    return bool(now() <= consultation["endsAt"] + LAST_WORD)


def message_document(
    *, consultation_id: ObjectId, sender_id: ObjectId, client_id: str, text: str
) -> Document:
    return {
        "consultationId": consultation_id,
        "senderId": sender_id,
        "clientId": client_id,
        "text": text,
        "at": now(),
    }


def _checked(client_id: str, text: str) -> str:
    checks = Checks()
    checked = checks.text("text", text, label="留言", max_length=TEXT_MAX)
    low, high = CLIENT_ID_LENGTH
    if not (low <= len(client_id) <= high and client_id.isascii() and client_id.isprintable()):
        checks.fail("clientId", f"留言编号应为 {low} 到 {high} 个 ASCII 字符")
    checks.raise_if_any()
    return checked or ""


async def send_consultation_message(
    db: Database,
    sms: SmsProvider,
    viewer: Viewer,
    consultation_id: ObjectId | None,
    client_id: str,
    text: str,
) -> Document:
    consultation = await party_consultation(db, viewer, consultation_id)
    text = _checked(client_id, text)
    mine = {"consultationId": consultation["_id"], "senderId": viewer.id, "clientId": client_id}
    earlier = await db.consultation_messages.find_one(mine)
    if earlier is not None:
        return earlier  # a retry: the first send stands
    _check_open(consultation)
    role = role_of(consultation, viewer.id)
    counted = await db.consultations.find_one_and_update(
        {  # not cancelled meanwhile, and under the party's limit
            "_id": consultation["_id"],
            "status": {"$ne": ConsultationStatus.CANCELLED.value},
            f"messageCounts.{role}": {"$not": {"$gte": PER_PARTY}},
        },
        {"$inc": {f"messageCounts.{role}": 1}},
        {"_id": 1},
    )
    if counted is None:
        _check_open(await find_consultation(db, consultation["_id"]))
        raise RuleError(
            "text",
            f"每次咨询每人最多留言 {PER_PARTY} 条",
            ConsultationErrorCode.TOO_MANY_MESSAGES,
        )
    message = message_document(
        consultation_id=consultation["_id"], sender_id=viewer.id, client_id=client_id, text=text
    )
    try:
        message["_id"] = (await db.consultation_messages.insert_one(message)).inserted_id
    except DuplicateKeyError:
        # The same send at the same moment won: its message stands, this one counts nothing.
        await _uncount(db, consultation, role)
        first = await db.consultation_messages.find_one(mine)
        if first is None:  # pragma: no cover - a duplicate that is gone again
            raise
        return first
    # Counted after the insert, so the copies of one retried send are never a burst.
    party = f"{consultation['_id']}:{viewer.id}"
    if await throttle.hit(db, "consultation-message", party, BURST_WINDOW_SECONDS) > BURST:
        await db.consultation_messages.delete_one({"_id": message["_id"]})
        await _uncount(db, consultation, role)
        raise RateLimited("留言太频繁，请稍后再试")
    await _tell_other_party(db, sms, consultation, viewer.id, message)
    await announce(db, consultation)
    return message


def _check_open(consultation: Document) -> None:
    if not thread_open(consultation):
        raise RuleError(
            "consultationId",
            "这次咨询已取消或已结束超过 24 小时，不能再留言",
            ConsultationErrorCode.THREAD_CLOSED,
        )


async def _uncount(db: Database, consultation: Document, role: str) -> None:
    await db.consultations.update_one(
        {"_id": consultation["_id"]}, {"$inc": {f"messageCounts.{role}": -1}}
    )


async def _tell_other_party(
    db: Database, sms: SmsProvider, consultation: Document, sender_id: ObjectId, message: Document
) -> None:
    by_farmer = sender_id == consultation["farmerId"]
    other = consultation["expertId"] if by_farmer else consultation["farmerId"]
    who = "农户" if by_farmer else "专家"
    key = f"consultation-message:{message['_id']}"
    await notify(
        db,
        [other],
        kind=KIND,
        title=f"{who}给您留言",
        body=f"“{consultation['topic']}”：{message['text']}",
        key=key,
        ref_id=consultation["_id"],
    )
    at = message["at"]
    field = f"messageSmsAt.{role_of(consultation, other)}"
    texted = await db.consultations.find_one_and_update(
        {"_id": consultation["_id"], field: {"$not": {"$gt": at - SMS_QUIET}}},
        {"$set": {field: at}},
        {"_id": 1},
    )
    if texted is None:
        return  # texted about this consultation less than 30 minutes ago: the inbox has it
    person = await db.users.find_one({"_id": other}, {"phone": 1})
    if person is None or not person.get("phone"):
        return
    preview = message["text"] if len(message["text"]) <= 30 else message["text"][:30] + "…"
    await sms.send(
        person["phone"],
        f"【三农】{who}给您留言：{preview}，请打开三农应用查看",
        purpose=KIND.lower(),
        key=f"{key}:{other}",
    )
