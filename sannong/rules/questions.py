"""Questions to experts, the everyday path: a farmer asks with photos, experts answer.

A question is routed by its specialty and village to the experts of that specialty
serving a region above the village: it is in their queue, unanswered first (oldest
first), then answered (newest first), by one sort key (`queueRank`). Answered
questions are public and searchable (jieba tokens of crop, question and answers),
shown without the asker, so the next farmer finds the answer without asking.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import Enum, StrEnum
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument

from sannong.auth import Role, Viewer, require_role
from sannong.clock import now
from sannong.db import Database, Document, find_by_id
from sannong.db.pagination import ListQuery, Page
from sannong.errors import Forbidden, RuleError, Unauthenticated
from sannong.loaders import HasLoaders
from sannong.loaders.experts import ExpertById
from sannong.media import PhotoLimits, PhotoStore, store_photos
from sannong.rules.experts import Specialty
from sannong.rules.notifications import notify
from sannong.rules.reference import changed
from sannong.rules.regions import RegionLevel, region_of_input
from sannong.text import tokens
from sannong.validation import Checks

MAX_ANSWERS = 20
CROP_MAX = 20  # the app's limits (frontend/src/limits.ts) are these numbers
TEXT_MAX = 1000
ANSWERED_RANKS_FROM = 10**13  # milliseconds since 1970 stay below this until the year 2286


class QuestionStatus(Enum):
    UNANSWERED = "UNANSWERED"
    ANSWERED = "ANSWERED"


class QuestionErrorCode(StrEnum):
    TOO_MANY_ANSWERS = "TOO_MANY_ANSWERS"
    NOT_ANSWERED = "NOT_ANSWERED"


def queue_rank(status: QuestionStatus, asked_at: datetime, answered_at: datetime | None) -> int:
    """Ascending: unanswered questions oldest first, then answered ones newest first."""
    if status is QuestionStatus.UNANSWERED or answered_at is None:
        return int(asked_at.timestamp() * 1000)
    return 2 * ANSWERED_RANKS_FROM - int(answered_at.timestamp() * 1000)


def question_tokens(doc: Document) -> list[str]:
    return tokens(doc["crop"], doc["text"], *(answer["text"] for answer in doc["answers"]))


def question_document(
    *,
    asker_id: ObjectId,
    village: Document,
    specialty: Specialty,
    crop: str,
    text: str,
    photos: list[dict[str, Any]],
    at: datetime,
) -> Document:
    """A question as stored (the seed asks with it too)."""
    doc: Document = {
        "askerId": asker_id,
        "regionId": village["_id"],
        "path": village["path"],
        "specialty": specialty.value,
        "crop": crop,
        "text": text,
        "photos": photos,
        "status": QuestionStatus.UNANSWERED.value,
        "answers": [],
        "helpfulAnswerIds": [],
        "answeredAt": None,
        "queueRank": queue_rank(QuestionStatus.UNANSWERED, at, None),
        "createdAt": at,
    }
    doc["searchTokens"] = question_tokens(doc)
    return doc


def answer_document(expert_id: ObjectId, text: str, at: datetime) -> Document:
    return {"_id": ObjectId(), "expertId": expert_id, "text": text, "at": at}


def question_visible_to(viewer: Viewer | None, doc: Document) -> bool:
    """Answered questions are public; unanswered ones are the asker's and the experts'."""
    if doc["status"] == QuestionStatus.ANSWERED.value:
        return True
    return viewer is not None and (viewer.id == doc["askerId"] or viewer.role is Role.EXPERT)


def asker_shown_to(viewer: Viewer | None, doc: Document) -> bool:
    """Who asked is the asker's own business (and the experts' who answer them). A search
    hit is read without the asker at all, so it shows no one to anyone."""
    asker = doc.get("askerId")
    return (
        viewer is not None
        and asker is not None
        and (viewer.id == asker or viewer.role is Role.EXPERT)
    )


@dataclass(frozen=True)
class NewQuestion:
    """What a farmer asks: of which specialty, about which crop, from which village,
    with the photos' bytes."""

    asker: Viewer
    specialty: Specialty
    crop: str
    text: str
    village_code: str
    photos: list[bytes]


async def ask_question(
    context: HasLoaders, store: PhotoStore, new: NewQuestion, limits: PhotoLimits
) -> Document:
    """A new question, its photos checked before anything is stored."""
    checks = Checks()
    checked_crop = checks.text("crop", new.crop, label="作物", max_length=CROP_MAX)
    checked_text = checks.text("text", new.text, label="问题", max_length=TEXT_MAX)
    if checked_text is not None and 0 < len(checked_text) < 5:
        checks.fail("text", "请把问题写清楚一些（至少 5 个字）")
    village = await region_of_input(
        context, new.village_code, checks, "villageId", level=RegionLevel.VILLAGE
    )
    checks.raise_if_any()
    assert checked_crop is not None and checked_text is not None and village is not None
    stored = await store_photos(
        store, new.photos, already=0, limit=limits.count, max_bytes=limits.max_bytes
    )
    doc = question_document(
        asker_id=new.asker.id,
        village=village,
        specialty=new.specialty,
        crop=checked_crop,
        text=checked_text,
        photos=[photo.doc for photo in stored],
        at=now(),
    )
    doc["_id"] = (await context.db.questions.insert_one(doc)).inserted_id
    return doc


async def find_question(db: Database, question_id: ObjectId | None) -> Document:
    return await find_by_id(db.questions, question_id, "问题不存在", "questionId")


async def answer_question(
    db: Database, viewer: Viewer | None, question_id: ObjectId | None, text: str
) -> Document:
    """Any expert answers (up to 20 answers a question); the asker hears of it in the inbox."""
    expert = require_role(viewer, Role.EXPERT)
    question = await find_question(db, question_id)
    checks = Checks()
    checked = checks.text("text", text, label="回答", max_length=2000)
    checks.raise_if_any()
    assert checked is not None
    at = now()
    answered_at = question["answeredAt"] or at
    rank = queue_rank(QuestionStatus.ANSWERED, question["createdAt"], answered_at)
    answered = await db.questions.find_one_and_update(
        # Room for one more is checked in the same update, so concurrent answers cannot pass it.
        {"_id": question["_id"], f"answers.{MAX_ANSWERS - 1}": {"$exists": False}},
        {
            "$push": {"answers": answer_document(expert.id, checked, at)},
            "$set": {
                "status": QuestionStatus.ANSWERED.value,
                "answeredAt": answered_at,
                "queueRank": rank,
            },
        },
        return_document=ReturnDocument.AFTER,
    )
    if answered is None:
        raise RuleError(
            "questionId", f"每个问题最多 {MAX_ANSWERS} 个回答", QuestionErrorCode.TOO_MANY_ANSWERS
        )
    answered["searchTokens"] = question_tokens(answered)
    await db.questions.update_one(
        {"_id": answered["_id"]}, {"$set": {"searchTokens": answered["searchTokens"]}}
    )
    await db.experts.update_one({"_id": expert.id}, {"$inc": {"answerCount": 1}})
    await changed(db, "experts", [expert.id])
    await notify(
        db,
        [answered["askerId"]],
        kind="QUESTION_ANSWERED",
        title="专家回答了您的问题",
        body=f"您关于{answered['crop']}的问题有了专家回答。",
        ref_id=answered["_id"],
    )
    return answered


async def mark_answer_helpful(
    db: Database, viewer: Viewer, question_id: ObjectId | None, answer_id: ObjectId | None
) -> Document:
    question = await find_question(db, question_id)
    if question["askerId"] != viewer.id:
        raise Forbidden("只有提问的人可以标记有用的回答")
    if answer_id is None or all(answer["_id"] != answer_id for answer in question["answers"]):
        raise RuleError("answerId", "回答不存在", QuestionErrorCode.NOT_ANSWERED)
    marked = await db.questions.find_one_and_update(
        {"_id": question["_id"]},
        {"$addToSet": {"helpfulAnswerIds": answer_id}},
        return_document=ReturnDocument.AFTER,
    )
    assert marked is not None
    return marked


def routed_query(profile: Document | None) -> dict[str, Any]:
    """The questions an expert's queue holds: their specialties, in regions they serve."""
    if profile is None:
        return {"_id": None}  # matches nothing: an expert without a profile gets no questions
    return {
        "specialty": {"$in": profile["specialties"]},
        "path": {"$in": profile["regionIds"]},
    }


# -- reading -----------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionSearch:
    status: QuestionStatus | None = None
    specialty: Specialty | None = None
    crop: str | None = None
    mine: bool = False


def questions_visible_to(
    viewer: Viewer | None, search: QuestionSearch, profile: Document | None
) -> ListQuery:
    """Which questions `viewer` lists with `search`: `mine`, the ones the viewer asked;
    an expert (`profile`, None before its first write), those routed to them, unanswered
    first; everyone else, answered ones, newest answer first. Values only from the
    checked search, the profile and constants: no operator comes from the input."""
    query: dict[str, Any] = {}
    if search.specialty is not None:
        query["specialty"] = search.specialty.value
    if search.crop is not None:
        query["crop"] = search.crop.strip()
    if search.status is not None:
        query["status"] = search.status.value
    if search.mine:
        if viewer is None:
            raise Unauthenticated()
        return ListQuery(query | {"askerId": viewer.id})  # index questions(askerId, _id)
    if viewer is not None and viewer.role is Role.EXPERT:
        # a chosen specialty replaces theirs; index questions(specialty, queueRank, _id)
        return ListQuery(routed_query(profile) | query, sort_key="queueRank", descending=False)
    if search.status is QuestionStatus.UNANSWERED:
        raise Forbidden("只有专家可以查看待回答的问题")
    query["status"] = QuestionStatus.ANSWERED.value
    return ListQuery(query, sort_key="answeredAt")  # index questions(status, answeredAt, _id)


async def browse_questions(
    context: HasLoaders,
    viewer: Viewer | None,
    search: QuestionSearch,
    *,
    first: int | None,
    after: str | None,
) -> Page:
    """One page of the questions `viewer` may list with `search`."""
    profile = None
    if not search.mine and viewer is not None and viewer.role is Role.EXPERT:
        profile = await ExpertById.of(context).load(viewer.id)
    return await questions_visible_to(viewer, search, profile).page(
        context.db.questions, first=first, after=after, projection={"searchTokens": 0}
    )
