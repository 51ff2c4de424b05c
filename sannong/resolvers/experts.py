"""Experts and the questions farmers ask them."""

from typing import Any

import strawberry

from sannong.auth import Role
from sannong.context import Context
from sannong.db import object_id
from sannong.errors import BadUserInput, Forbidden
from sannong.loaders.experts import ExpertById
from sannong.loaders.regions import RegionById
from sannong.resolvers.market import read_uploads
from sannong.rules import experts, questions
from sannong.rules.questions import QuestionStatus, routed_query
from sannong.types.common import Connection, mutation, node_key, object_key
from sannong.types.experts import Expert, ExpertPayload, Specialty, UpdateExpertProfileInput
from sannong.types.questions import (
    AnswerQuestionInput,
    AskQuestionInput,
    MarkAnswerHelpfulInput,
    Question,
    QuestionFilter,
    QuestionPayload,
)


@strawberry.type
class ExpertQuery:
    @strawberry.field(description="Experts by specialty and by a region they serve")
    async def experts(
        self,
        info: strawberry.Info[Context],
        specialty: Specialty | None = None,
        region_id: strawberry.relay.GlobalID | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Expert]:
        query: dict[str, Any] = {}
        if specialty is not None:
            query["specialties"] = specialty.value  # index experts(specialties, _id)
        if region_id is not None:
            region = await RegionById.of(info.context).load(
                node_key(region_id, "Region", "regionId")
            )
            if region is None:
                raise BadUserInput("地区不存在", field="regionId")
            query["regionIds"] = {"$in": region["path"]}  # index experts(regionIds, _id)
        return await Connection[Expert].find(
            info.context.db.experts,
            query,
            Expert.from_doc,
            descending=False,
            first=first,
            after=after,
        )

    @strawberry.field(description="The signed-in expert's own profile; null before its first write")
    async def my_expert_profile(self, info: strawberry.Info[Context]) -> Expert | None:
        viewer = await info.context.require_viewer()
        doc = await ExpertById.of(info.context).load(viewer.id)
        return None if doc is None else Expert.from_doc(doc)

    @strawberry.field(
        description="Answered questions for everyone (newest answers first); experts get "
        "the questions routed to them, unanswered first; `mine` the ones I asked"
    )
    async def questions(
        self,
        info: strawberry.Info[Context],
        filter: QuestionFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Question]:
        context = info.context
        filter = filter or QuestionFilter()
        viewer = await context.viewer()
        query: dict[str, Any] = {}
        if filter.specialty is not None:
            query["specialty"] = filter.specialty.value
        if filter.crop is not None:
            query["crop"] = filter.crop.strip()
        if filter.status is not None:
            query["status"] = filter.status.value
        sort_key, descending = "answeredAt", True  # index questions(status, answeredAt, _id)
        if filter.mine:
            viewer = await context.require_viewer()
            query["askerId"] = viewer.id  # index questions(askerId, _id)
            sort_key = "_id"
        elif viewer is not None and viewer.role is Role.EXPERT:
            profile = await ExpertById.of(context).load(viewer.id)
            query = routed_query(profile) | query  # a chosen specialty replaces theirs
            sort_key, descending = "queueRank", False  # index questions(specialty, queueRank, _id)
        elif filter.status is QuestionStatus.UNANSWERED:
            raise Forbidden("只有专家可以查看待回答的问题")
        else:
            query["status"] = QuestionStatus.ANSWERED.value
        return await Connection[Question].find(
            context.db.questions,
            query,
            Question.from_doc,
            sort_key=sort_key,
            descending=descending,
            first=first,
            after=after,
            projection={"searchTokens": 0},
        )


@strawberry.type
class ExpertMutation:
    @mutation("An expert writes their own profile (the first write creates it)")
    async def update_expert_profile(
        self, info: strawberry.Info[Context], input: UpdateExpertProfileInput
    ) -> ExpertPayload:
        context = info.context
        doc = await experts.update_expert_profile(
            context.db,
            context,
            await context.viewer(),
            specialties=input.specialties,
            organization=input.organization,
            title=input.title,
            bio=input.bio,
            region_codes=None
            if input.region_ids is None
            else [node_key(r, "Region", "regionIds") for r in input.region_ids],
        )
        return ExpertPayload(expert=Expert.from_doc(doc))

    @mutation("Ask the experts of a specialty, with up to 6 photos (multipart uploads)")
    async def ask_question(
        self, info: strawberry.Info[Context], input: AskQuestionInput
    ) -> QuestionPayload:
        context = info.context
        asker = await context.require_viewer()
        village_code = (
            asker.region_path[-1]
            if input.village_id is None
            else node_key(input.village_id, "Region", "villageId")
        )
        doc = await questions.ask_question(
            context.db,
            context,
            context.services.photos,
            asker,
            specialty=input.specialty,
            crop=input.crop,
            text=input.text,
            village_code=village_code,
            photos=await read_uploads(info, input.photos),
            photo_limit=context.settings.photos_per_question,
            photo_max_bytes=context.settings.photo_max_bytes,
        )
        return QuestionPayload(question=Question.from_doc(doc))

    @mutation("Experts answer a question; the asker is told in the inbox")
    async def answer_question(
        self, info: strawberry.Info[Context], input: AnswerQuestionInput
    ) -> QuestionPayload:
        context = info.context
        doc = await questions.answer_question(
            context.db,
            await context.viewer(),
            object_key(input.question_id, "Question", "questionId"),
            input.text,
        )
        return QuestionPayload(question=Question.from_doc(doc))

    @mutation("The asker marks an answer that helped")
    async def mark_answer_helpful(
        self, info: strawberry.Info[Context], input: MarkAnswerHelpfulInput
    ) -> QuestionPayload:
        context = info.context
        doc = await questions.mark_answer_helpful(
            context.db,
            await context.require_viewer(),
            object_key(input.question_id, "Question", "questionId"),
            object_id(str(input.answer_id)),
        )
        return QuestionPayload(question=Question.from_doc(doc))
