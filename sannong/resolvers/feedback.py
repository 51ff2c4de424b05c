"""Public feedback: villagers submit and rate tickets, admins work the queue."""

from typing import Any

import strawberry
from strawberry import relay

from sannong.clock import now
from sannong.context import Context
from sannong.errors import Forbidden
from sannong.resolvers.notices import read_files, region_path_of
from sannong.rules import feedback as rules
from sannong.rules.audit import AuditAction
from sannong.rules.feedback import OPEN, FeedbackDraft, FeedbackStatus
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
        context = info.context
        filter = filter or FeedbackFilter()
        viewer = await context.viewer()
        path = None if filter.region_id is None else await region_path_of(info, filter.region_id)
        query: dict[str, Any] = {}
        if filter.kind is not None:
            query["kind"] = filter.kind.value
        if path:
            query["path"] = path[-1]
        status = filter.status
        sort: dict[str, Any] = {"sort_key": "_id", "descending": True}
        if filter.mine:
            query["authorId"] = (await context.require_viewer()).id  # index (authorId, _id)
            if status is not None:
                query["status"] = status.value
        elif viewer is not None and viewer.is_admin and (path is None or viewer.administers(path)):
            query["path"] = path[-1] if path else viewer.scope_path[-1]
            if status is None or status.value in OPEN:
                # the queue: earliest deadline first, so overdue tickets lead
                query["status"] = {"$in": list(OPEN)} if status is None else status.value
                sort = {"sort_key": "deadline", "descending": False}
                if filter.overdue_only:
                    query["deadline"] = {"$lt": now()}
            else:
                query["status"] = status.value
        else:
            if status not in (None, FeedbackStatus.RESOLVED):
                raise Forbidden("只有本地区管理员可以查看未办结的工单")
            query |= {"status": FeedbackStatus.RESOLVED.value, "isPublic": True}
        # indexes feedback(path, status, deadline, _id), (path, status, _id)
        return await Connection[Feedback].find(
            context.db.feedback,
            query,
            Feedback.from_doc,
            first=first,
            after=after,
            projection={"searchTokens": 0},
            **sort,
        )

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
            context.db,
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
            [data for _, data in await read_files(input.photos, max_bytes)],
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
