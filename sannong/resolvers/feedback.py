"""Public feedback: villagers submit and rate tickets, admins work the queue."""

import strawberry
from strawberry import relay

from sannong.context import Context
from sannong.resolvers.inputs import read_uploads, region_path_of
from sannong.rules import feedback as rules
from sannong.rules.audit import AuditAction
from sannong.rules.feedback import FeedbackDraft, FeedbackSearch
from sannong.types.common import Connection, mutation, node_key, object_key
from sannong.types.feedback import (
    Feedback,
    FeedbackFilter,
    FeedbackPayload,
    RateFeedbackInput,
    ReplyToFeedbackInput,
    SubmitFeedbackInput,
)


@strawberry.type
class FeedbackQuery:
    @strawberry.field(
        description="Admins: their region's queue (default the open tickets, overdue first); "
        "`mine`: the viewer's own; everyone else: resolved public tickets, without authors"
    )
    async def feedback(
        self,
        info: strawberry.Info[Context],
        filter: FeedbackFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Feedback]:
        filter = filter or FeedbackFilter()
        viewer = await info.context.viewer()
        region = filter.region_id
        search = FeedbackSearch(
            region_path=None if region is None else await region_path_of(info, region),
            status=filter.status,
            kind=filter.kind,
            mine=filter.mine,
            overdue_only=filter.overdue_only,
        )
        page = await rules.browse_feedback(
            info.context.db, viewer, search, first=first, after=after
        )
        return Connection[Feedback].from_page(page, Feedback.from_doc)

    @strawberry.field(
        description="Open public tickets of a village (default: the viewer's) like this text: "
        "suggested before submitting; signed-in people only, the text up to 500 characters"
    )
    async def similar_feedback(
        self,
        info: strawberry.Info[Context],
        text: str,
        region_id: relay.GlobalID | None = None,
        first: int | None = 5,
    ) -> list[Feedback]:
        context = info.context
        viewer = await context.require_viewer()
        if region_id is not None:
            village = node_key(region_id, "Region", "regionId")
        else:
            village = viewer.region_path[-1]
        per_minute = context.settings.similar_feedback_per_minute
        docs = await rules.similar_feedback(
            context.db, viewer, village, text, first or 5, per_minute=per_minute
        )
        return [Feedback.from_doc(doc) for doc in docs]


@strawberry.type
class FeedbackMutation:
    @mutation("A villager's inquiry, complaint or suggestion (photos as multipart uploads)")
    async def submit_feedback(
        self, info: strawberry.Info[Context], input: SubmitFeedbackInput
    ) -> FeedbackPayload:
        context = info.context
        author = await context.require_viewer()
        village = (
            author.region_path[-1]
            if input.region_id is None
            else node_key(input.region_id, "Region", "regionId")
        )
        notice = None if input.notice_id is None else input.notice_id
        max_bytes = context.settings.photo_max_bytes
        doc = await rules.submit_feedback(
            context,
            context.services.photos,
            author,
            FeedbackDraft(
                kind=input.kind,
                text=input.text,
                village_code=village,
                notice_id=None if notice is None else object_key(notice, "Notice", "noticeId"),
                anonymous=input.anonymous,
                public=input.is_public,
            ),
            await read_uploads(info, input.photos),
            photo_max_bytes=max_bytes,
        )
        return FeedbackPayload(feedback=Feedback.from_doc(doc))

    @mutation(
        "Admins of the ticket's region: answer and move it on", audit=AuditAction.REPLY_FEEDBACK
    )
    async def reply_to_feedback(
        self, info: strawberry.Info[Context], input: ReplyToFeedbackInput
    ) -> FeedbackPayload:
        doc = await rules.reply_to_feedback(
            info.context.db,
            await info.context.viewer(),
            object_key(input.feedback_id, "Feedback", "feedbackId"),
            status=input.status,
            text=input.text,
        )
        return FeedbackPayload(feedback=Feedback.from_doc(doc))

    @mutation("The author rates a closed ticket: solved, partly or not, and 1 to 5 stars")
    async def rate_feedback(
        self, info: strawberry.Info[Context], input: RateFeedbackInput
    ) -> FeedbackPayload:
        doc = await rules.rate_feedback(
            info.context.db,
            await info.context.require_viewer(),
            object_key(input.feedback_id, "Feedback", "feedbackId"),
            outcome=input.outcome,
            stars=input.stars,
            comment=input.comment,
        )
        return FeedbackPayload(feedback=Feedback.from_doc(doc))
