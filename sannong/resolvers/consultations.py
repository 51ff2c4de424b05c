"""Consultations: slots, bookings and their steps, the call's signalling, lectures."""

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry import relay

from sannong.clock import as_utc
from sannong.context import Context
from sannong.integrations.events import Event, Topic
from sannong.loaders.experts import ConsultationById
from sannong.resolvers.inputs import read_uploads
from sannong.rules import (
    bookings,
    calls,
    consultation_messages,
    consultations,
    lectures,
    slots,
)
from sannong.rules.bookings import BookingDraft, BookingLimits
from sannong.rules.consultations import consultation_visible_to, party_consultation
from sannong.types.common import Connection, mutation, node_key, object_key
from sannong.types.consultations import (
    BookConsultationInput,
    CallSignal,
    CallSignalPayload,
    CancelConsultationInput,
    CancelSlotInput,
    CompleteConsultationInput,
    Consultation,
    ConsultationMessage,
    ConsultationMessagePayload,
    ConsultationPayload,
    ConsultationSlot,
    ConsultationSlotPayload,
    ConsultationStatus,
    MarkNoShowInput,
    PublishSlotsInput,
    PublishSlotsPayload,
    RateConsultationInput,
    RegisterForVideoSessionInput,
    ScheduleVideoSessionInput,
    SendCallSignalInput,
    SendConsultationMessageInput,
    SetVideoSessionReplayInput,
    VideoSession,
    VideoSessionPayload,
)


def _consultation_key(global_id: relay.GlobalID) -> Any:
    return object_key(global_id, "Consultation", "consultationId")


@strawberry.type
class ConsultationQuery:
    @strawberry.field(description="Slots by start time; by default the open ones from now on")
    async def consultation_slots(
        self,
        info: strawberry.Info[Context],
        expert_id: relay.GlobalID | None = None,
        from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        to: datetime | None = None,
        open_only: bool | None = True,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[ConsultationSlot]:
        page = await slots.slots_between(
            info.context.db,
            expert_key=None if expert_id is None else node_key(expert_id, "Expert", "expertId"),
            starts_from=as_utc(from_) if from_ else None,
            starts_before=None if to is None else as_utc(to),
            open_only=open_only is not False,
            first=first,
            after=after,
        )
        return Connection[ConsultationSlot].from_page(page, ConsultationSlot.from_doc)

    @strawberry.field(
        description="My consultations as farmer or expert: BOOKED soonest first, others "
        "latest first"
    )
    async def my_consultations(
        self,
        info: strawberry.Info[Context],
        status: ConsultationStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Consultation]:
        viewer = await info.context.require_viewer()
        page = await consultations.my_consultations(
            info.context.db, viewer, status, first=first, after=after
        )
        return Connection[Consultation].from_page(page, Consultation.from_doc)

    @strawberry.field(description="Public lectures: upcoming and running soonest first, or all")
    async def video_sessions(
        self,
        info: strawberry.Info[Context],
        upcoming_only: bool | None = True,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[VideoSession]:
        page = await lectures.browse_video_sessions(
            info.context.db, upcoming_only=upcoming_only is not False, first=first, after=after
        )
        return Connection[VideoSession].from_page(page, VideoSession.from_doc)


@strawberry.type
class ConsultationMutation:
    @mutation("An expert publishes up to 50 slots; an overlapping batch is refused whole")
    async def publish_slots(
        self, info: strawberry.Info[Context], input: PublishSlotsInput
    ) -> PublishSlotsPayload:
        docs = await slots.publish_slots(
            info.context.db,
            await info.context.viewer(),
            [(as_utc(s.starts_at), s.duration_minutes) for s in input.slots],
        )
        return PublishSlotsPayload(slots=[ConsultationSlot.from_doc(d) for d in docs])

    @mutation("The expert withdraws a slot; a farmer who booked it is told by SMS and in-app")
    async def cancel_slot(
        self, info: strawberry.Info[Context], input: CancelSlotInput
    ) -> ConsultationSlotPayload:
        context = info.context
        doc = await slots.cancel_slot(
            context.db,
            context.services.sms,
            await context.require_viewer(),
            object_key(input.slot_id, "ConsultationSlot", "slotId"),
            input.reason,
        )
        return ConsultationSlotPayload(slot=ConsultationSlot.from_doc(doc))

    @mutation("A farmer books a slot (one booking per slot; photos as multipart uploads)")
    async def book_consultation(
        self, info: strawberry.Info[Context], input: BookConsultationInput
    ) -> ConsultationPayload:
        context = info.context
        settings = context.settings
        question = input.question_id
        doc = await bookings.book_consultation(
            context.db,
            context.services.photos,
            await context.require_viewer(),
            BookingDraft(
                slot_id=object_key(input.slot_id, "ConsultationSlot", "slotId"),
                topic=input.topic,
                description=input.description,
                crop=input.crop,
                question_id=None
                if question is None
                else object_key(question, "Question", "questionId"),
                idempotency_key=input.idempotency_key,
            ),
            await read_uploads(info, input.photos),
            BookingLimits(
                max_upcoming=settings.max_upcoming_consultations,
                photos=settings.photos_per_booking,
                photo_max_bytes=settings.photo_max_bytes,
            ),
        )
        return ConsultationPayload(consultation=Consultation.from_doc(doc))

    @mutation("The farmer until 2 hours before the start; the expert at any time, with a reason")
    async def cancel_consultation(
        self, info: strawberry.Info[Context], input: CancelConsultationInput
    ) -> ConsultationPayload:
        context = info.context
        doc = await bookings.cancel_consultation(
            context.db,
            context.services.sms,
            await context.require_viewer(),
            _consultation_key(input.consultation_id),
            input.reason,
            farmer_cancel_hours=context.settings.farmer_cancel_hours,
        )
        return ConsultationPayload(consultation=Consultation.from_doc(doc))

    @mutation("The expert writes the advice after the start; the farmer reads it")
    async def complete_consultation(
        self, info: strawberry.Info[Context], input: CompleteConsultationInput
    ) -> ConsultationPayload:
        doc = await bookings.complete_consultation(
            info.context.db,
            await info.context.require_viewer(),
            _consultation_key(input.consultation_id),
            input.advice,
        )
        return ConsultationPayload(consultation=Consultation.from_doc(doc))

    @mutation("The expert: the farmer did not come (after the start)")
    async def mark_no_show(
        self, info: strawberry.Info[Context], input: MarkNoShowInput
    ) -> ConsultationPayload:
        doc = await bookings.mark_no_show(
            info.context.db,
            await info.context.require_viewer(),
            _consultation_key(input.consultation_id),
        )
        return ConsultationPayload(consultation=Consultation.from_doc(doc))

    @mutation("The farmer rates a completed consultation once, 1–5 stars")
    async def rate_consultation(
        self, info: strawberry.Info[Context], input: RateConsultationInput
    ) -> ConsultationPayload:
        doc = await bookings.rate_consultation(
            info.context.db,
            await info.context.require_viewer(),
            _consultation_key(input.consultation_id),
            input.stars,
            input.comment,
        )
        return ConsultationPayload(consultation=Consultation.from_doc(doc))

    @mutation("WebRTC signalling to the other party of the consultation, near its time")
    async def send_call_signal(
        self, info: strawberry.Info[Context], input: SendCallSignalInput
    ) -> CallSignalPayload:
        context = info.context
        doc = await calls.send_call_signal(
            context.db,
            await context.require_viewer(),
            _consultation_key(input.consultation_id),
            input.kind,
            input.payload,
            opens_minutes=context.settings.call_opens_minutes,
            per_window=context.settings.call_signals_per_window,
        )
        return CallSignalPayload(signal=CallSignal.from_doc(doc))

    @mutation(
        "A short message to the other party of my consultation (来不了、晚到); told in-app "
        "and by SMS at most every 30 minutes"
    )
    async def send_consultation_message(
        self, info: strawberry.Info[Context], input: SendConsultationMessageInput
    ) -> ConsultationMessagePayload:
        context = info.context
        viewer = await context.require_viewer()
        key = _consultation_key(input.consultation_id)
        doc = await consultation_messages.send_consultation_message(
            context.db, context.services.sms, viewer, key, input.client_id, input.text
        )
        # Read again after the send: its counts of messages have moved.
        consultation = await consultations.find_consultation(context.db, key)
        return ConsultationMessagePayload(
            message=ConsultationMessage.from_doc(doc, consultation, viewer.id),
            consultation=Consultation.from_doc(consultation),
        )

    @mutation("An expert schedules a public video lecture")
    async def schedule_video_session(
        self, info: strawberry.Info[Context], input: ScheduleVideoSessionInput
    ) -> VideoSessionPayload:
        doc = await lectures.schedule_video_session(
            info.context.db,
            await info.context.viewer(),
            title=input.title,
            topic=input.topic,
            crops=input.crops,
            starts_at=as_utc(input.starts_at),
            minutes=input.duration_minutes,
            stream_url=input.stream_url,
            capacity=input.capacity,
        )
        return VideoSessionPayload(video_session=VideoSession.from_doc(doc))

    @mutation("Register for a lecture (up to its capacity); reminded before it starts")
    async def register_for_video_session(
        self, info: strawberry.Info[Context], input: RegisterForVideoSessionInput
    ) -> VideoSessionPayload:
        doc = await lectures.register_for_video_session(
            info.context.db,
            await info.context.require_viewer(),
            object_key(input.session_id, "VideoSession", "sessionId"),
        )
        return VideoSessionPayload(video_session=VideoSession.from_doc(doc))

    @mutation("The lecturer adds the recording's address once the lecture has started")
    async def set_video_session_replay(
        self, info: strawberry.Info[Context], input: SetVideoSessionReplayInput
    ) -> VideoSessionPayload:
        doc = await lectures.set_replay(
            info.context.db,
            await info.context.require_viewer(),
            object_key(input.session_id, "VideoSession", "sessionId"),
            input.replay_url,
        )
        return VideoSessionPayload(video_session=VideoSession.from_doc(doc))


@strawberry.type
class ConsultationSubscription:
    @strawberry.subscription(description="My consultations (as farmer or expert) as they change")
    async def consultation_updated(
        self, info: strawberry.Info[Context]
    ) -> AsyncGenerator[Consultation]:
        viewer = await info.context.require_viewer()

        async def load(event: Event) -> Consultation | None:
            (found,) = await Consultation.resolve_nodes(info=info, node_ids=[str(event.ids[0])])
            return found

        async for consultation in info.context.follow(
            [(Topic.CONSULTATIONS, str(viewer.id))], load
        ):
            yield consultation

    @strawberry.subscription(
        description="Signals of the other party of my consultation (the two parties only)"
    )
    async def call_signals(
        self, info: strawberry.Info[Context], consultation_id: relay.GlobalID
    ) -> AsyncGenerator[CallSignal]:
        context = info.context
        key = _consultation_key(consultation_id)
        viewer = await context.require_viewer()
        await party_consultation(context.db, viewer, key)
        unread = calls.SignalsSince(viewer, key)

        async def load(event: Event) -> list[CallSignal] | None:
            viewer = await context.require_viewer()
            consultation = await ConsultationById.of(context).load(key)
            if consultation is None or not consultation_visible_to(viewer, consultation):
                return None
            fresh = await unread.read(context.db)
            return [CallSignal.from_doc(signal) for signal in fresh] or None

        async for signals in context.follow([(Topic.CALL_SIGNALS, str(key))], load):
            for signal in signals:
                yield signal
