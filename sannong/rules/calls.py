"""The consultation's video call: WebRTC between the two parties, the API relays signalling.

A party sends an offer, an answer or ICE candidates with `send_call_signal`; the signal
is stored briefly (`call_signals`, expiring) and announced on the event feed with the
consultation as audience, so the other party's `callSignals` subscription, on whatever
server process, loads and receives it. Only the farmer and the expert of a booked
consultation signal, and only from shortly before the start to the end of the slot.
The media itself flows between the two phones, through the TURN server of the
`ice_servers` setting where a direct path is blocked.
"""

from datetime import datetime, timedelta
from enum import Enum

from bson import ObjectId

from sannong.auth import Viewer
from sannong.clock import now
from sannong.db import Database, Document
from sannong.errors import InputErrorCode, RuleError
from sannong.integrations.events import Topic, publish
from sannong.rules.consultations import (
    ConsultationErrorCode,
    ConsultationStatus,
    consultation_visible_to,
    party_consultation,
)

MAX_PAYLOAD = 16_000  # an SDP offer with many codecs is some kilobytes


class CallSignalKind(Enum):
    OFFER = "OFFER"
    ANSWER = "ANSWER"
    ICE_CANDIDATE = "ICE_CANDIDATE"
    HANG_UP = "HANG_UP"
    # "I am in the call screen now": subscriptions do not replay, so a party joining
    # after the other tells it to (re)send its offer.
    READY = "READY"


def call_window(consultation: Document, opens_minutes: int) -> tuple[datetime, datetime]:
    starts_at: datetime = consultation["startsAt"]
    ends_at: datetime = consultation["endsAt"]
    return starts_at - timedelta(minutes=opens_minutes), ends_at


def call_open(consultation: Document, opens_minutes: int) -> bool:
    opens, closes = call_window(consultation, opens_minutes)
    return consultation["status"] == ConsultationStatus.BOOKED.value and opens <= now() <= closes


async def send_call_signal(
    db: Database,
    viewer: Viewer,
    consultation_id: ObjectId | None,
    kind: CallSignalKind,
    payload: str,
    *,
    opens_minutes: int,
) -> Document:
    consultation = await party_consultation(db, viewer, consultation_id)
    if len(payload) > MAX_PAYLOAD:
        raise RuleError("payload", "信令内容过长", InputErrorCode.TOO_LONG)
    if not call_open(consultation, opens_minutes):
        raise RuleError(
            "consultationId",
            f"只能在咨询开始前 {opens_minutes} 分钟到结束之间通话",
            ConsultationErrorCode.OUTSIDE_CALL_WINDOW,
        )
    signal = {
        "consultationId": consultation["_id"],
        "senderId": viewer.id,
        "kind": kind.value,
        "payload": payload,
        "at": now(),
    }
    signal["_id"] = (await db.call_signals.insert_one(signal)).inserted_id
    await publish(db, Topic.CALL_SIGNALS, [consultation["_id"]], [signal["_id"]])
    return signal


def signal_for(viewer: Viewer, consultation: Document, signal: Document) -> bool:
    """A signal goes to the other party of the consultation, never back to its sender."""
    return consultation_visible_to(viewer, consultation) and signal["senderId"] != viewer.id
