"""Questions to experts and their answers."""

from datetime import datetime
from typing import Any, Self

import strawberry
from strawberry import relay
from strawberry.file_uploads import Upload

from sannong.loaders.experts import QuestionById
from sannong.rules.experts import Specialty
from sannong.rules.questions import QuestionStatus, asker_shown_to, question_visible_to
from sannong.types.accounts import User
from sannong.types.common import DocumentNode, UserError
from sannong.types.experts import Expert, Photo
from sannong.types.regions import Region

__all__ = ["QuestionStatus"]

strawberry.enum(QuestionStatus, description="Whether an expert has answered")


@strawberry.type(description="An expert's answer to a question")
class Answer:
    id: strawberry.ID
    text: str
    answered_at: datetime
    helpful: bool = strawberry.field(description="The asker marked it helpful")
    expert_id: strawberry.Private[Any]

    @strawberry.field
    async def expert(self, info: strawberry.Info) -> Expert | None:
        return await Expert.load(info, self.expert_id)


@strawberry.type(description="A farmer's question to experts, with photos of the crop")
class Question(DocumentNode):
    loader = QuestionById

    key: relay.NodeID[str]
    specialty: Specialty
    crop: str
    text: str
    status: QuestionStatus
    asked_at: datetime
    answered_at: datetime | None = strawberry.field(description="Time of the first answer")
    doc: strawberry.Private[dict[str, Any]]

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Self:
        return cls(
            key=str(doc["_id"]),
            specialty=Specialty(doc["specialty"]),
            crop=doc["crop"],
            text=doc["text"],
            status=QuestionStatus(doc["status"]),
            asked_at=doc["createdAt"],
            answered_at=doc.get("answeredAt"),
            doc=doc,
        )

    @classmethod
    async def visible_to(cls, info: strawberry.Info, doc: dict[str, Any]) -> bool:
        return question_visible_to(await info.context.viewer(), doc)

    @strawberry.field
    def photos(self) -> list[Photo]:
        return Photo.many(self.doc.get("photos", []))

    @strawberry.field(description="Oldest first")
    def answers(self) -> list[Answer]:
        helpful = set(self.doc.get("helpfulAnswerIds", []))
        return [
            Answer(
                id=strawberry.ID(str(a["_id"])),
                text=a["text"],
                answered_at=a["at"],
                helpful=a["_id"] in helpful,
                expert_id=a["expertId"],
            )
            for a in self.doc["answers"]
        ]

    @strawberry.field(description="Who asked: only to the asker and to experts")
    async def asker(self, info: strawberry.Info) -> User | None:
        if not asker_shown_to(await info.context.viewer(), self.doc):
            return None
        return await User.load(info, self.doc["askerId"])

    @strawberry.field(description="The asker's village: only to the asker and to experts")
    async def village(self, info: strawberry.Info) -> Region | None:
        if not asker_shown_to(await info.context.viewer(), self.doc):
            return None
        return await Region.load(info, self.doc["regionId"])

    @strawberry.field
    async def asked_by_me(self, info: strawberry.Info) -> bool:
        viewer = await info.context.viewer()
        # A search hit carries no asker: it is nobody's, not even the asker's.
        return viewer is not None and viewer.id == self.doc.get("askerId")


@strawberry.type
class QuestionPayload:
    question: Question | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class QuestionFilter:
    status: QuestionStatus | None = strawberry.field(
        default=None, description="UNANSWERED only for experts and one's own questions"
    )
    specialty: Specialty | None = None
    crop: str | None = None
    mine: bool = strawberry.field(default=False, description="Only the questions I asked")


@strawberry.input
class AskQuestionInput:
    specialty: Specialty = strawberry.field(description="Which experts it goes to")
    crop: str = strawberry.field(description="E.g. 小麦, 草莓, 生猪")
    text: str
    village_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Where the field is; default the asker's village"
    )
    photos: list[Upload] | None = strawberry.field(
        default=None, description="Multipart upload; JPEG, PNG or WebP, ≤ 5 MB each, ≤ 6"
    )


@strawberry.input
class AnswerQuestionInput:
    question_id: relay.GlobalID
    text: str


@strawberry.input
class MarkAnswerHelpfulInput:
    question_id: relay.GlobalID
    answer_id: strawberry.ID
