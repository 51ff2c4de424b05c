from collections.abc import Sequence
from typing import Any, ClassVar

from bson import ObjectId

from sannong.loaders import ById, Loader
from sannong.loaders.shared import SharedById


class ExpertById(SharedById):
    collection = "experts"  # `_id` is the expert's user id; kept by the process


class SlotById(ById):
    collection = "consultation_slots"


class ConsultationById(ById):
    collection = "consultations"


class QuestionById(ById):
    collection = "questions"
    projection: ClassVar[dict[str, int]] = {"searchTokens": 0}


class VideoSessionById(ById):
    collection = "video_sessions"


class RegisteredFor(Loader[tuple[ObjectId, ObjectId], bool]):
    """Whether (lecture id, person id) is registered: one query for a page of lectures."""

    async def batch_load(self, keys: Sequence[tuple[ObjectId, ObjectId]]) -> Sequence[bool]:
        found: list[dict[str, Any]] = await self.db.video_session_registrations.find(
            {  # index (sessionId, userId) unique
                "sessionId": {"$in": list({session for session, _ in keys})},
                "userId": {"$in": list({person for _, person in keys})},
            },
            {"sessionId": 1, "userId": 1},
        ).to_list()
        registered = {(doc["sessionId"], doc["userId"]) for doc in found}
        return [key in registered for key in keys]


class RegistrantsOf(Loader[ObjectId, list[ObjectId]]):
    """The first people registered for each lecture, earliest first: one aggregate for a
    page of lectures."""

    SHOWN: ClassVar[int] = 100

    async def batch_load(self, keys: Sequence[ObjectId]) -> Sequence[list[ObjectId]]:
        pipeline: list[dict[str, Any]] = [
            {"$match": {"sessionId": {"$in": list(keys)}}},  # index (sessionId, userId)
            {"$sort": {"createdAt": 1, "_id": 1}},
            {"$group": {"_id": "$sessionId", "people": {"$push": "$userId"}}},
            {"$project": {"people": {"$slice": ["$people", self.SHOWN]}}},
        ]
        groups = await (await self.db.video_session_registrations.aggregate(pipeline)).to_list()
        people = {group["_id"]: group["people"] for group in groups}
        return [people.get(key, []) for key in keys]


class MessagesOf(Loader[ObjectId, list[dict[str, Any]]]):
    """The newest messages of each consultation, oldest first: one aggregate for a page
    of consultations."""

    SHOWN: ClassVar[int] = 50

    async def batch_load(self, keys: Sequence[ObjectId]) -> Sequence[list[dict[str, Any]]]:
        pipeline: list[dict[str, Any]] = [
            {"$match": {"consultationId": {"$in": list(keys)}}},  # index (consultationId, at, _id)
            {"$sort": {"at": -1, "_id": -1}},
            {"$group": {"_id": "$consultationId", "messages": {"$push": "$$ROOT"}}},
            {"$project": {"messages": {"$slice": ["$messages", self.SHOWN]}}},
        ]
        groups = await (await self.db.consultation_messages.aggregate(pipeline)).to_list()
        threads = {group["_id"]: group["messages"][::-1] for group in groups}
        return [threads.get(key, []) for key in keys]
