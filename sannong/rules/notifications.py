"""The in-app inbox: what the platform told a person, and what they have read."""

from bson import ObjectId

from sannong.auth import Viewer
from sannong.clock import now
from sannong.db import Database
from sannong.errors import InputErrorCode, RuleError

MAX_IDS = 100


async def unread_count(db: Database, user_id: ObjectId) -> int:
    # index notifications(userId, readAt)
    return await db.notifications.count_documents({"userId": user_id, "readAt": None})


async def mark_notifications_read(
    db: Database, owner: Viewer, ids: list[ObjectId | None] | None
) -> int:
    """These notifications of the owner (None: all of them) are read; returns how many
    were unread. Another person's or an unknown id is simply not the owner's."""
    query: dict[str, object] = {"userId": owner.id, "readAt": None}
    if ids is not None:
        if len(ids) > MAX_IDS:
            raise RuleError("ids", f"一次最多标记 {MAX_IDS} 条", InputErrorCode.TOO_MANY)
        query["_id"] = {"$in": [i for i in ids if i is not None]}
    result = await db.notifications.update_many(query, {"$set": {"readAt": now()}})
    return result.modified_count
