"""Consultations: slots, bookings, the call's signalling and public lectures."""

from datetime import datetime, timedelta
from enum import Enum
from typing import Any, Self

import strawberry
from strawberry import relay
from strawberry.file_uploads import Upload

from sannong.loaders.experts import (
    ConsultationById,
    MessagesOf,
    RegisteredFor,
    RegistrantsOf,
    SlotById,
    VideoSessionById,
)
from sannong.rules.calls import CallSignalKind
from sannong.rules.consultation_messages import thread_open
from sannong.rules.consultations import (
    ConsultationStatus,
    SlotStatus,
    consultation_visible_to,
)
from sannong.types.accounts import User
from sannong.types.common import DocumentNode, UserError
from sannong.types.experts import Expert, Photo
from sannong.types.questions import Question

__all__ = ["CallSignalKind", "ConsultationStatus", "SlotStatus"]

strawberry.enum(SlotStatus, description="Whether a slot can be booked")
strawberry.enum(ConsultationStatus, description="Where a consultation stands")
strawberry.enum(
    CallSignalKind,
    description="WebRTC signalling: SDP offer/answer, ICE candidate, hang-up; READY: the sender "
    "just joined the call, so the other party (re)sends its offer",
)


@strawberry.type(description="Time an expert offers for one 1:1 video consultation")
class ConsultationSlot(DocumentNode):
    loader = SlotById

    key: relay.NodeID[str]
    starts_at: datetime
    ends_at: datetime
    duration_minutes: int
    status: SlotStatus
    doc: strawberry.Private[dict[str, Any]]

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Self:
        return cls(
            key=str(doc["_id"]),
            starts_at=doc["startsAt"],
            ends_at=doc["endsAt"],
            duration_minutes=doc["durationMinutes"],
            status=SlotStatus(doc["status"]),
            doc=doc,
        )

    @strawberry.field
    async def expert(self, info: strawberry.Info) -> Expert | None:
        return await Expert.load(info, self.doc["expertId"])

    @strawberry.field(description="The booking, for its two parties only")
    async def consultation(self, info: strawberry.Info) -> "Consultation | None":
        return await Consultation.load(info, self.doc.get("consultationId"))


@strawberry.type(description="A STUN or TURN server for the call (RTCPeerConnection iceServers)")
class IceServer:
    urls: list[str]
    username: str | None
    credential: str | None


@strawberry.type(description="The farmer's stars and words after a completed consultation")
class ConsultationRating:
    stars: int
    comment: str | None
    rated_at: datetime


@strawberry.type(description="One step of a consultation's history")
class ConsultationEvent:
    status: ConsultationStatus
    at: datetime
    reason: str | None
    actor_id: strawberry.Private[Any]

    @strawberry.field
    async def actor(self, info: strawberry.Info) -> User | None:
        return await User.load(info, self.actor_id)


@strawberry.enum(description="Who wrote a consultation message")
class ConsultationRole(Enum):
    FARMER = "FARMER"
    EXPERT = "EXPERT"


@strawberry.type(description="A short message between the two parties of a consultation")
class ConsultationMessage:
    id: strawberry.ID
    text: str = strawberry.field(description="As typed: plain text, shown as text")
    sent_at: datetime
    author_role: ConsultationRole
    from_me: bool = strawberry.field(description="Whether I wrote it")
    sender_id: strawberry.Private[Any]

    @classmethod
    def from_doc(cls, doc: dict[str, Any], consultation: dict[str, Any], viewer_id: Any) -> Self:
        by_farmer = doc["senderId"] == consultation["farmerId"]
        return cls(
            id=strawberry.ID(str(doc["_id"])),
            text=doc["text"],
            sent_at=doc["at"],
            author_role=ConsultationRole.FARMER if by_farmer else ConsultationRole.EXPERT,
            from_me=doc["senderId"] == viewer_id,
            sender_id=doc["senderId"],
        )

    @strawberry.field
    async def author(self, info: strawberry.Info) -> User | None:
        return await User.load(info, self.sender_id)


@strawberry.type(description="A farmer's booking of an expert's slot; seen by the two of them")
class Consultation(DocumentNode):
    loader = ConsultationById

    key: relay.NodeID[str]
    status: ConsultationStatus
    topic: str
    description: str
    crop: str
    starts_at: datetime
    ends_at: datetime
    advice: str | None = strawberry.field(description="The expert's, once completed")
    cancel_reason: str | None
    created_at: datetime
    updated_at: datetime
    doc: strawberry.Private[dict[str, Any]]

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Self:
        return cls(
            key=str(doc["_id"]),
            status=ConsultationStatus(doc["status"]),
            topic=doc["topic"],
            description=doc["description"],
            crop=doc["crop"],
            starts_at=doc["startsAt"],
            ends_at=doc["endsAt"],
            advice=doc.get("advice"),
            cancel_reason=doc.get("cancelReason"),
            created_at=doc["createdAt"],
            updated_at=doc["updatedAt"],
            doc=doc,
        )

    @classmethod
    async def visible_to(cls, info: strawberry.Info, doc: dict[str, Any]) -> bool:
        return consultation_visible_to(await info.context.viewer(), doc)

    @strawberry.field
    async def slot(self, info: strawberry.Info) -> ConsultationSlot | None:
        return await ConsultationSlot.load(info, self.doc["slotId"])

    @strawberry.field
    async def expert(self, info: strawberry.Info) -> Expert | None:
        return await Expert.load(info, self.doc["expertId"])

    @strawberry.field
    async def farmer(self, info: strawberry.Info) -> User | None:
        return await User.load(info, self.doc["farmerId"])

    @strawberry.field(description="The farmer's question the booking is about")
    async def question(self, info: strawberry.Info) -> Question | None:
        return await Question.load(info, self.doc.get("questionId"))

    @strawberry.field
    def photos(self) -> list[Photo]:
        return Photo.many(self.doc.get("photos", []))

    @strawberry.field
    def rating(self) -> ConsultationRating | None:
        rating = self.doc.get("rating")
        if rating is None:
            return None
        return ConsultationRating(
            stars=rating["stars"], comment=rating.get("comment"), rated_at=rating["at"]
        )

    @strawberry.field(description="Every step, oldest first")
    def history(self) -> list[ConsultationEvent]:
        return [
            ConsultationEvent(
                status=ConsultationStatus(e["status"]),
                at=e["at"],
                reason=e.get("reason"),
                actor_id=e["actorId"],
            )
            for e in self.doc["history"]
        ]

    @strawberry.field(description="The newest 50 messages between the two parties, oldest first")
    async def messages(self, info: strawberry.Info) -> list[ConsultationMessage]:
        viewer = await info.context.viewer()
        if not consultation_visible_to(viewer, self.doc):
            return []
        docs = await MessagesOf.of(info.context).load(self.doc["_id"])
        return [ConsultationMessage.from_doc(d, self.doc, viewer.id) for d in docs]

    @strawberry.field(description="Whether the two parties may still leave messages")
    def messages_open(self) -> bool:
        return thread_open(self.doc)

    @strawberry.field(description="From when the two parties may signal (call) each other")
    def call_opens_at(self, info: strawberry.Info) -> datetime:
        opens: datetime = self.doc["startsAt"] - timedelta(
            minutes=info.context.settings.call_opens_minutes
        )
        return opens

    @strawberry.field(description="STUN/TURN servers for the in-app call (SANNONG_ICE_SERVERS)")
    def ice_servers(self, info: strawberry.Info) -> list[IceServer]:
        return [
            IceServer(urls=s.urls, username=s.username, credential=s.credential)
            for s in info.context.settings.ice_servers
        ]

    @strawberry.field(
        description="A room on an external video service, when SANNONG_VIDEO_BASE_URL is set"
    )
    def video_room_url(self, info: strawberry.Info) -> str | None:
        base = info.context.settings.video_base_url
        return f"{base.rstrip('/')}/sannong-{self.doc['roomKey']}" if base else None


@strawberry.type(description="One WebRTC signalling message from the other party")
class CallSignal:
    id: strawberry.ID
    consultation_id: relay.GlobalID
    kind: CallSignalKind
    payload: str = strawberry.field(description="SDP or an ICE candidate, as the app sent it")
    sent_at: datetime
    sender_id: strawberry.Private[Any]

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Self:
        return cls(
            id=strawberry.ID(str(doc["_id"])),
            consultation_id=relay.GlobalID("Consultation", str(doc["consultationId"])),
            kind=CallSignalKind(doc["kind"]),
            payload=doc["payload"],
            sent_at=doc["at"],
            sender_id=doc["senderId"],
        )

    @strawberry.field
    async def sender(self, info: strawberry.Info) -> User | None:
        return await User.load(info, self.sender_id)


@strawberry.type(description="A public video lecture by an expert, on an external stream")
class VideoSession(DocumentNode):
    loader = VideoSessionById

    key: relay.NodeID[str]
    title: str
    topic: str
    crops: list[str]
    starts_at: datetime
    ends_at: datetime
    duration_minutes: int
    stream_url: str
    capacity: int
    registered_count: int
    doc: strawberry.Private[dict[str, Any]]

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Self:
        return cls(
            key=str(doc["_id"]),
            title=doc["title"],
            topic=doc["topic"],
            crops=doc["crops"],
            starts_at=doc["startsAt"],
            ends_at=doc["endsAt"],
            duration_minutes=doc["durationMinutes"],
            stream_url=doc["streamUrl"],
            capacity=doc["capacity"],
            registered_count=doc["registered"],
            doc=doc,
        )

    @strawberry.field
    async def expert(self, info: strawberry.Info) -> Expert | None:
        return await Expert.load(info, self.doc["expertId"])

    @strawberry.field(description="The recording, once the lecturer adds it")
    def replay_url(self) -> str | None:
        url: str | None = self.doc.get("replayUrl")
        return url

    @strawberry.field(description="Whether I registered; null when signed out")
    async def registered(self, info: strawberry.Info) -> bool | None:
        viewer = await info.context.viewer()
        if viewer is None:
            return None
        return await RegisteredFor.of(info.context).load((self.doc["_id"], viewer.id))

    @strawberry.field(
        description="The first 100 people registered, earliest first: for the lecturer "
        "only (null to everyone else)"
    )
    async def registrants(self, info: strawberry.Info) -> list[User] | None:
        viewer = await info.context.viewer()
        if viewer is None or viewer.id != self.doc["expertId"]:
            return None
        people = await RegistrantsOf.of(info.context).load(self.doc["_id"])
        return await User.load_many(info, people)


@strawberry.type
class PublishSlotsPayload:
    slots: list[ConsultationSlot] = strawberry.field(default_factory=list)
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ConsultationSlotPayload:
    slot: ConsultationSlot | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ConsultationPayload:
    consultation: Consultation | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CallSignalPayload:
    signal: CallSignal | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ConsultationMessagePayload:
    message: ConsultationMessage | None = None
    consultation: Consultation | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class VideoSessionPayload:
    video_session: VideoSession | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class SlotInput:
    starts_at: datetime = strawberry.field(description="Without a zone: China's time")
    duration_minutes: int = strawberry.field(description="15 to 120")


@strawberry.input
class PublishSlotsInput:
    slots: list[SlotInput] = strawberry.field(description="Up to 50, none overlapping")


@strawberry.input
class CancelSlotInput:
    slot_id: relay.GlobalID
    reason: str | None = None


@strawberry.input
class BookConsultationInput:
    slot_id: relay.GlobalID
    topic: str
    idempotency_key: str = strawberry.field(
        description="Chosen by the client per booking; a retry with it returns the first booking"
    )
    description: str | None = None
    crop: str | None = None
    question_id: relay.GlobalID | None = strawberry.field(
        default=None, description="One of my questions, instead of or beside photos"
    )
    photos: list[Upload] | None = strawberry.field(
        default=None, description="Multipart upload; JPEG, PNG or WebP, ≤ 5 MB each, ≤ 3"
    )


@strawberry.input
class CancelConsultationInput:
    consultation_id: relay.GlobalID
    reason: str | None = strawberry.field(default=None, description="Required of the expert")


@strawberry.input
class CompleteConsultationInput:
    consultation_id: relay.GlobalID
    advice: str


@strawberry.input
class MarkNoShowInput:
    consultation_id: relay.GlobalID


@strawberry.input
class RateConsultationInput:
    consultation_id: relay.GlobalID
    stars: int = strawberry.field(description="1 to 5")
    comment: str | None = None


@strawberry.input
class SendCallSignalInput:
    consultation_id: relay.GlobalID
    kind: CallSignalKind
    payload: str


@strawberry.input
class SendConsultationMessageInput:
    consultation_id: relay.GlobalID
    client_id: str = strawberry.field(
        description="Chosen by the app per message (8–64 ASCII); a retry with it stores nothing "
        "more and returns the first"
    )
    text: str = strawberry.field(description="1 to 200 characters, plain text")


@strawberry.input
class ScheduleVideoSessionInput:
    title: str
    starts_at: datetime
    duration_minutes: int
    stream_url: str
    capacity: int
    topic: str | None = None
    crops: list[str] = strawberry.field(default_factory=list)


@strawberry.input
class RegisterForVideoSessionInput:
    session_id: relay.GlobalID


@strawberry.input
class SetVideoSessionReplayInput:
    session_id: relay.GlobalID
    replay_url: str
