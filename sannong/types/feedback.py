"""Public feedback tickets: inquiries, complaints, suggestions, their replies and rating."""

from datetime import UTC, datetime
from typing import Any, Self

import strawberry
from strawberry import relay
from strawberry.file_uploads import Upload

from sannong.loaders.feedback import FeedbackById
from sannong.rules.feedback import (
    FeedbackKind,
    FeedbackOutcome,
    FeedbackStatus,
    author_visible_to,
    feedback_visible_to,
    is_overdue,
    moves_in_words,
)
from sannong.types.accounts import User
from sannong.types.common import DocumentNode, UserError
from sannong.types.market import ListingPhoto
from sannong.types.notices import Notice
from sannong.types.regions import Region

strawberry.enum(FeedbackKind, description="咨询、投诉、建议")
strawberry.enum(FeedbackStatus, description="已受理 → 办理中 → 已办结 or 不予受理")
strawberry.enum(FeedbackOutcome, description="The author's verdict: 已解决、部分解决、未解决")


@strawberry.type(description="An admin's answer, and the state it moved the ticket to")
class FeedbackReply:
    status: FeedbackStatus
    text: str
    at: datetime


@strawberry.type(description="The author's rating of a closed ticket")
class FeedbackRating:
    outcome: FeedbackOutcome
    stars: int
    comment: str | None
    at: datetime


@strawberry.type(description="A villager's inquiry, complaint or suggestion, with a ticket number")
class Feedback(DocumentNode):
    loader = FeedbackById

    key: relay.NodeID[str]
    number: str = strawberry.field(description="E.g. 2026-003-000123")
    kind: FeedbackKind
    status: FeedbackStatus
    text: str
    anonymous: bool = strawberry.field(description="The author asked not to be named")
    is_public: bool = strawberry.field(description="Shown to everyone once resolved")
    created_at: datetime
    updated_at: datetime
    deadline: datetime = strawberry.field(description="Five working days after submission")
    closed_at: datetime | None
    doc: strawberry.Private[dict[str, Any]]

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Self:
        return cls(
            key=str(doc["_id"]),
            number=doc["number"],
            kind=FeedbackKind(doc["kind"]),
            status=FeedbackStatus(doc["status"]),
            text=doc["text"],
            anonymous=doc["anonymous"],
            is_public=doc["isPublic"],
            created_at=doc["createdAt"],
            updated_at=doc["updatedAt"],
            deadline=doc["deadline"],
            closed_at=doc.get("closedAt"),
            doc=doc,
        )

    @classmethod
    async def visible_to(cls, info: strawberry.Info, doc: dict[str, Any]) -> bool:
        return feedback_visible_to(await info.context.viewer(), doc)

    @strawberry.field(description="Open past its deadline, now")
    def overdue(self) -> bool:
        return is_overdue(self.doc, datetime.now(UTC))

    @strawberry.field(description="Only for the author and the admins of the region")
    async def author(self, info: strawberry.Info) -> User | None:
        if not author_visible_to(await info.context.viewer(), self.doc):
            return None
        return await User.load(info, self.doc["authorId"])

    @strawberry.field(description="The viewer wrote it")
    async def mine(self, info: strawberry.Info) -> bool:
        viewer = await info.context.viewer()
        return viewer is not None and viewer.id == self.doc["authorId"]

    @strawberry.field(description="The village it is about")
    async def region(self, info: strawberry.Info) -> Region | None:
        return await Region.load(info, self.doc["regionId"])

    @strawberry.field(description="The notice it asks about, if any")
    async def notice(self, info: strawberry.Info) -> Notice | None:
        return await Notice.load(info, self.doc.get("noticeId"))

    @strawberry.field
    def photos(self) -> list[ListingPhoto]:
        return [
            ListingPhoto(key=p["key"], width=p["width"], height=p["height"])
            for p in self.doc.get("photos", [])
        ]

    @strawberry.field(description="Every answer, oldest first")
    def replies(self) -> list[FeedbackReply]:
        return [
            FeedbackReply(status=FeedbackStatus(r["status"]), text=r["text"], at=r["at"])
            for r in self.doc["replies"]
        ]

    @strawberry.field
    def rating(self) -> FeedbackRating | None:
        rating = self.doc.get("rating")
        if rating is None:
            return None
        return FeedbackRating(
            outcome=FeedbackOutcome(rating["outcome"]),
            stars=rating["stars"],
            comment=rating.get("comment"),
            at=rating["at"],
        )


@strawberry.type
class FeedbackPayload:
    feedback: Feedback | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class FeedbackFilter:
    region_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Any region: tickets of its subtree"
    )
    status: FeedbackStatus | None = strawberry.field(
        default=None, description="Admins: default the open queue, overdue first"
    )
    kind: FeedbackKind | None = None
    mine: bool = strawberry.field(default=False, description="The viewer's own tickets")
    overdue_only: bool = False


@strawberry.input
class SubmitFeedbackInput:
    kind: FeedbackKind
    text: str
    region_id: relay.GlobalID | None = strawberry.field(
        default=None, description="A village; default the author's"
    )
    notice_id: relay.GlobalID | None = None
    anonymous: bool = False
    is_public: bool = strawberry.field(default=True, description="Shown to all once resolved")
    photos: list[Upload] | None = strawberry.field(
        default=None, description="Multipart upload; JPEG, PNG or WebP, ≤ 5 MB each, ≤ 3"
    )


@strawberry.input
class ReplyToFeedbackInput:
    feedback_id: relay.GlobalID
    status: FeedbackStatus = strawberry.field(
        description=f"The state the reply moves the ticket to: {moves_in_words()}. Another "
        "IN_PROGRESS reply is a progress report; a ticket may be closed without one."
    )
    text: str


@strawberry.input
class RateFeedbackInput:
    feedback_id: relay.GlobalID
    outcome: FeedbackOutcome
    stars: int = strawberry.field(description="1 to 5")
    comment: str | None = None
