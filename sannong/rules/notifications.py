"""The in-app inbox: what the platform told a person, and what they have read."""

from collections.abc import Iterable

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from sannong.auth import Viewer
from sannong.clock import now
from sannong.db import Database
from sannong.db.pagination import Page, paginate
from sannong.errors import InputErrorCode, RuleError
from sannong.integrations.sms import SmsProvider

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


async def notify(
    db: Database,
    user_ids: Iterable[ObjectId],
    *,
    kind: str,
    title: str,
    body: str,
    key: str | None = None,
    ref_id: ObjectId | None = None,
) -> None:
    """An in-app notification for each person; with a `key`, once per person however often
    this runs (index notifications(key) unique, sparse), so a job run again adds none."""
    at = now()
    for user_id in dict.fromkeys(user_ids):
        doc = {
            "userId": user_id,
            "kind": kind,
            "title": title,
            "body": body,
            "refId": ref_id,
            "createdAt": at,
            "readAt": None,
        }
        if key is not None:
            doc["key"] = f"{key}:{user_id}"
        try:
            await db.notifications.insert_one(doc)
        except DuplicateKeyError:
            continue


async def tell(
    db: Database,
    sms: SmsProvider,
    user_ids: Iterable[ObjectId],
    *,
    kind: str,
    title: str,
    text: str,
    key: str | None = None,
    ref_id: ObjectId | None = None,
) -> None:
    """In the inbox and by SMS. The inbox first: it survives an SMS gateway that is down.
    With a `key` each person hears it once, even from a job that runs again."""
    people = list(dict.fromkeys(user_ids))
    await notify(db, people, kind=kind, title=title, body=text, key=key, ref_id=ref_id)
    phones = await db.users.find({"_id": {"$in": people}}, {"phone": 1}).to_list()
    for person in phones:
        sms_key = None if key is None else f"{key}:{person['_id']}"
        await sms.send(person["phone"], f"【三农】{text}", purpose=kind.lower(), key=sms_key)


async def my_notifications(
    db: Database, viewer: Viewer, *, first: int | None, after: str | None
) -> Page:
    """The viewer's notifications, newest first."""
    return await paginate(  # index notifications(userId, createdAt, _id)
        db.notifications, {"userId": viewer.id}, sort_key="createdAt", first=first, after=after
    )
