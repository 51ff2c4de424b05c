"""The consultation's video call: WebRTC between the two parties, the API relays signalling.

A party sends an offer, an answer or ICE candidates with `send_call_signal`; the signal
is stored briefly (`call_signals`, expiring) and announced on the event feed with the
consultation as audience, so the other party's `callSignals` subscription, on whatever
server process, loads and receives it. Only the farmer and the expert of a booked
consultation signal, and only from shortly before the start to the end of the slot.
The media itself flows between the two phones, through the TURN server of the
`ice_servers` setting where a direct path is blocked.

A signal is acknowledged only once its event is published: when the feed cannot take
it, the signal is taken back and the sender told to retry (SERVICE_UNAVAILABLE), never
told "sent" for a signal nobody will hear of. A subscriber reads every signal of the
other party it has not delivered yet whenever an event arrives (`signals_since`), so
an event lost on the way (a subscriber that lagged behind its queue, a number the reader
gave up) costs nothing but a moment: the next one brings its signal along. Each party
sends at most `per_window` signals in `SIGNAL_WINDOW_SECONDS` (a call's setup takes an
offer, an answer and some dozens of ICE candidates); past that, RATE_LIMITED, before
anything is stored.
"""

from datetime import datetime, timedelta
from enum import Enum

from bson import ObjectId

from sannong import throttle
from sannong.auth import Viewer
from sannong.clock import now
from sannong.db import Database, Document
from sannong.errors import InputErrorCode, RateLimited, RuleError, ServiceUnavailable
from sannong.integrations.events import Topic, publish
from sannong.rules.consultations import (
    ConsultationErrorCode,
    ConsultationStatus,
    party_consultation,
)

MAX_PAYLOAD = 16_000  # an SDP offer with many codecs is some kilobytes
SIGNAL_WINDOW_SECONDS = 10
# Signals written by another process may carry a clock a little behind this one's.
CLOCK_SKEW = timedelta(seconds=5)
CATCH_UP_LIMIT = 200


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
    per_window: int,
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
    party = f"{consultation['_id']}:{viewer.id}"
    if await throttle.hit(db, "call-signal", party, SIGNAL_WINDOW_SECONDS) > per_window:
        raise RateLimited("通话信令发送过于频繁，请稍后再试")
    signal = {
        "consultationId": consultation["_id"],
        "senderId": viewer.id,
        "kind": kind.value,
        "payload": payload,
        "at": now(),
    }
    signal["_id"] = (await db.call_signals.insert_one(signal)).inserted_id
    if await publish(db, Topic.CALL_SIGNALS, [consultation["_id"]], [signal["_id"]]) is None:
        await db.call_signals.delete_one({"_id": signal["_id"]})
        raise ServiceUnavailable("暂时无法把信令送达对方，请重试")
    return signal


class SignalsSince:
    """The other party's signals a subscriber has not delivered yet, in the order sent.

    Read by time (with room for the clocks of other processes) and deduplicated by id,
    not by `_id` order: ObjectIds made by two processes in one second do not sort by
    when they were made."""

    def __init__(self, viewer: Viewer, consultation_id: ObjectId) -> None:
        self.viewer, self.consultation_id = viewer, consultation_id
        self.since = now()
        self.delivered: dict[ObjectId, datetime] = {}

    async def read(self, db: Database) -> list[Document]:
        signals = (
            await db.call_signals.find(  # index (consultationId, at)
                {
                    "consultationId": self.consultation_id,
                    "at": {"$gte": self.since - CLOCK_SKEW},
                    "senderId": {"$ne": self.viewer.id},
                }
            )
            .sort([("at", 1), ("_id", 1)])
            .limit(CATCH_UP_LIMIT)
            .to_list()
        )
        fresh = [signal for signal in signals if signal["_id"] not in self.delivered]
        for signal in fresh:
            self.delivered[signal["_id"]] = signal["at"]
        if fresh:
            self.since = max(self.since, max(signal["at"] for signal in fresh))
        horizon = self.since - 2 * CLOCK_SKEW  # ids older than any future read are forgotten
        self.delivered = {key: at for key, at in self.delivered.items() if at >= horizon}
        return fresh
