"""Experts and the questions farmers ask them."""

import strawberry

from sannong.context import Context
from sannong.db import object_id
from sannong.loaders.experts import ExpertById
from sannong.media import PhotoLimits
from sannong.resolvers.inputs import read_uploads, region_path_of
from sannong.rules import experts, questions
from sannong.rules.questions import NewQuestion, QuestionSearch
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
        page = await experts.browse_experts(
            info.context.db,
            specialty,
            None if region_id is None else await region_path_of(info, region_id),
            first=first,
            after=after,
        )
        return Connection[Expert].from_page(page, Expert.from_doc)

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
        filter = filter or QuestionFilter()
        page = await questions.browse_questions(
            info.context,
            await info.context.viewer(),
            QuestionSearch(
                status=filter.status,
                specialty=filter.specialty,
                crop=filter.crop,
                mine=filter.mine,
            ),
            first=first,
            after=after,
        )
        return Connection[Question].from_page(page, Question.from_doc)


@strawberry.type
class ExpertMutation:
    @mutation("An expert writes their own profile (the first write creates it)")
    async def update_expert_profile(
        self, info: strawberry.Info[Context], input: UpdateExpertProfileInput
    ) -> ExpertPayload:
        context = info.context
        doc = await experts.update_expert_profile(
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
        settings = context.settings
        doc = await questions.ask_question(
            context,
            context.services.photos,
            NewQuestion(
                asker=asker,
                specialty=input.specialty,
                crop=input.crop,
                text=input.text,
                village_code=village_code,
                photos=await read_uploads(info, input.photos),
            ),
            PhotoLimits(count=settings.photos_per_question, max_bytes=settings.photo_max_bytes),
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
