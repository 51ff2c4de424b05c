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
