"""Public feedback (inquiries, complaints, suggestions) as tickets with a number, visible
progress, a deadline and a rating.

    ACCEPTED ──reply──▶ IN_PROGRESS ──reply──▶ RESOLVED │ REJECTED ──▶ rated by the author
        └──────────────reply─────────────────▶ RESOLVED │ REJECTED

Every move is a reply (text required) and one conditional update on the current
status, so of two admins answering at once one wins. A ticket need not pass through
IN_PROGRESS: an inquiry answered at once is resolved by its first reply, and a request the
township cannot take up is refused at once with the reason, as 不予受理 means; IN_PROGRESS
is for what takes days (a repair, a visit), and another IN_PROGRESS reply is a progress
report. `moves_in_words` says it for the API's description and the README.

A ticket is due five working days after it was submitted and is overdue, computed when
read, while it is open past that. The author's identity is shown to the author and to the
admins of the ticket's region, never to anyone else: the public reads resolved public
tickets without it, and `anonymous` tells the admins the villager asked for discretion.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import Enum, StrEnum
from typing import Any

import chinese_calendar
from bson import ObjectId
from pymongo import ReturnDocument

from sannong import throttle
from sannong.auth import Viewer, require_admin_of
from sannong.clock import CHINA, now
from sannong.db import Database, find_by_id
from sannong.db.pagination import ListQuery, Page
from sannong.errors import (
    Forbidden,
    InputErrorCode,
    RateLimited,
    RuleError,
    Unauthenticated,
)
from sannong.loaders import HasLoaders
from sannong.media import PhotoStore, store_photos
from sannong.rules import audit
from sannong.rules.notifications import notify
from sannong.rules.regions import RegionLevel, region_of_input
from sannong.text import count_matches, query_tokens, tokens
from sannong.validation import Checks

TEXT_MIN = 5
TEXT_MAX = 1000
REPLY_MAX = 1000
COMMENT_MAX = 200
MAX_PHOTOS = 3
WORKING_DAYS = 5
MAX_SIMILAR = 10
SIMILAR_CANDIDATES = 200
SIMILAR_WINDOW_SECONDS = 60
COUNTER = "feedback:{year}"  # one `$inc` counter document per year in `counters`


class FeedbackKind(Enum):
    INQUIRY = "INQUIRY"  # 咨询
    COMPLAINT = "COMPLAINT"  # 投诉
    SUGGESTION = "SUGGESTION"  # 建议


class FeedbackStatus(Enum):
    ACCEPTED = "ACCEPTED"  # 已受理
    IN_PROGRESS = "IN_PROGRESS"  # 办理中
    RESOLVED = "RESOLVED"  # 已办结
    REJECTED = "REJECTED"  # 不予受理 / 驳回, with the reason


# What the author's inbox says a reply did to the ticket
STATUS_LABELS = {
    FeedbackStatus.IN_PROGRESS: "正在办理",
    FeedbackStatus.RESOLVED: "已办结",
    FeedbackStatus.REJECTED: "不予受理",
}
NOTIFICATION_BODY_MAX = 120  # the inbox shows a line or two; the ticket has the whole reply


class FeedbackOutcome(Enum):
    SOLVED = "SOLVED"
    PARTLY_SOLVED = "PARTLY_SOLVED"
    NOT_SOLVED = "NOT_SOLVED"


class FeedbackErrorCode(StrEnum):
    INVALID_TRANSITION = "INVALID_TRANSITION"
    NOT_CLOSED = "NOT_CLOSED"
    ALREADY_RATED = "ALREADY_RATED"
    NOT_AUTHOR = "NOT_AUTHOR"


OPEN = (FeedbackStatus.ACCEPTED.value, FeedbackStatus.IN_PROGRESS.value)
CLOSED = (FeedbackStatus.RESOLVED.value, FeedbackStatus.REJECTED.value)
MOVES = {
    FeedbackStatus.ACCEPTED.value: {
        FeedbackStatus.IN_PROGRESS,
        FeedbackStatus.RESOLVED,
        FeedbackStatus.REJECTED,
    },
    # Another IN_PROGRESS reply is a progress report.
    FeedbackStatus.IN_PROGRESS.value: {
        FeedbackStatus.IN_PROGRESS,
        FeedbackStatus.RESOLVED,
        FeedbackStatus.REJECTED,
    },
}


def moves_in_words() -> str:
    """E.g. "ACCEPTED → IN_PROGRESS, RESOLVED or REJECTED; …; RESOLVED and REJECTED are
    final", from `MOVES` itself: the API's description and the README say this sentence."""
    order = list(FeedbackStatus)

    def listed(names: list[str]) -> str:
        return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"

    clauses = [
        f"{status} → {listed([s.value for s in order if s in MOVES[status]])}" for status in MOVES
    ]
    final = [status.value for status in order if status.value in CLOSED]
    return "; ".join(clauses) + f"; {' and '.join(final)} are final"


def is_working_day(day: date) -> bool:
    """China's official calendar (holidays and the weekends worked in their place) where
    `chinese_calendar` knows the year; Monday to Friday beyond it."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def deadline_after(submitted: datetime, days: int = WORKING_DAYS) -> datetime:
    """The end (China time) of the `days`-th working day after the day of submission."""
    day = submitted.astimezone(CHINA).date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return datetime.combine(day, time(23, 59, 59), CHINA).astimezone(submitted.tzinfo)


def is_overdue(doc: dict[str, Any], at: datetime) -> bool:
    return doc["status"] in OPEN and doc["deadline"] < at


async def next_number(db: Database, village_code: str, at: datetime) -> str:
    """E.g. 2026-003-000123: year, the township's part of the division code, the year's count."""
    year = at.astimezone(CHINA).year
    counter = await db.counters.find_one_and_update(
        {"_id": COUNTER.format(year=year)},
        {"$inc": {"seq": 1}},
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )
    assert counter is not None  # upserted
    return f"{year}-{village_code[6:9]}-{int(counter['seq']):06d}"


def feedback_visible_to(viewer: Viewer | None, doc: dict[str, Any]) -> bool:
    """The author and the region's admins see a ticket; everyone a resolved public one."""
    if doc["status"] == FeedbackStatus.RESOLVED.value and doc["isPublic"]:
        return True
    return author_visible_to(viewer, doc)


def author_visible_to(viewer: Viewer | None, doc: dict[str, Any]) -> bool:
    return viewer is not None and (viewer.id == doc["authorId"] or viewer.administers(doc["path"]))


@dataclass(frozen=True)
class FeedbackDraft:
    kind: FeedbackKind
    text: str
    village_code: str
    notice_id: ObjectId | None = None
    anonymous: bool = False
    public: bool = True


def feedback_document(
    *,
    number: str,
    draft: FeedbackDraft,
    text: str,
    village: dict[str, Any],
    author_id: ObjectId,
    photos: list[dict[str, Any]],
    at: datetime,
) -> dict[str, Any]:
    """A new ticket as stored (the seed builds its tickets with it too)."""
    return {
        "number": number,
        "kind": draft.kind.value,
        "status": FeedbackStatus.ACCEPTED.value,
        "text": text,
        "searchTokens": tokens(text),
        "regionId": village["_id"],
        "path": village["path"],
        "authorId": author_id,
        "anonymous": draft.anonymous,
        "isPublic": draft.public,
        "noticeId": draft.notice_id,
        "photos": photos,
        "replies": [],
        "rating": None,
        "createdAt": at,
        "updatedAt": at,
        "deadline": deadline_after(at),
        "closedAt": None,
    }


async def submit_feedback(
    context: HasLoaders,
    store: PhotoStore,
    author: Viewer,
    draft: FeedbackDraft,
    photos: list[bytes],
    *,
    photo_max_bytes: int,
) -> dict[str, Any]:
    """A villager's ticket about a village (default: their own), numbered at once."""
    db = context.db
    checks = Checks()
    text = checks.text("text", draft.text, label="内容", max_length=TEXT_MAX)
    if text and len(text) < TEXT_MIN:
        checks.fail("text", f"内容至少 {TEXT_MIN} 个字，请说清楚是什么事", InputErrorCode.INVALID)
    village = await region_of_input(
        context, draft.village_code, checks, "regionId", level=RegionLevel.VILLAGE
    )
    if draft.notice_id is not None and not await db.notices.find_one(
        {"_id": draft.notice_id}, {"_id": 1}
    ):
        checks.fail("noticeId", "通知不存在", InputErrorCode.NOT_FOUND)
    checks.raise_if_any()
    assert village is not None and text is not None
    stored = await store_photos(
        store, photos, already=0, limit=MAX_PHOTOS, max_bytes=photo_max_bytes
    )
    at = now()
    doc = feedback_document(
        number=await next_number(db, village["_id"], at),
        draft=draft,
        text=text,
        village=village,
        author_id=author.id,
        photos=[photo.doc for photo in stored],
        at=at,
    )
    doc["_id"] = (await db.feedback.insert_one(doc)).inserted_id
    return doc


async def find_feedback(db: Database, feedback_id: ObjectId | None) -> dict[str, Any]:
    return await find_by_id(db.feedback, feedback_id, "工单不存在", "feedbackId")


async def reply_to_feedback(
    db: Database,
    viewer: Viewer | None,
    feedback_id: ObjectId | None,
    *,
    status: FeedbackStatus,
    text: str,
) -> dict[str, Any]:
    """An admin of the ticket's region answers and moves it on."""
    ticket = await find_feedback(db, feedback_id)
    audit.concerns(ticket["path"], "Feedback", ticket["_id"], detail=ticket["number"])
    admin = require_admin_of(viewer, ticket["path"])
    checks = Checks()
    reply = checks.text("text", text, label="答复", max_length=REPLY_MAX)
    if status not in MOVES.get(ticket["status"], set()):
        checks.fail(
            "status",
            "工单已办结，不能再答复" if ticket["status"] in CLOSED else "不能转到该状态",
            FeedbackErrorCode.INVALID_TRANSITION,
        )
    checks.raise_if_any()
    at = now()
    changes: dict[str, Any] = {"status": status.value, "updatedAt": at}
    if status.value in CLOSED:
        changes["closedAt"] = at
    moved = await db.feedback.find_one_and_update(
        {"_id": ticket["_id"], "status": ticket["status"]},
        {
            "$set": changes,
            "$push": {
                "replies": {"status": status.value, "text": reply, "at": at, "adminId": admin.id}
            },
        },
        return_document=ReturnDocument.AFTER,
    )
    if moved is None:
        raise RuleError(
            "status", "工单刚被他人处理，请刷新后再试", FeedbackErrorCode.INVALID_TRANSITION
        )
    # the author hears of it in the app's inbox: a villager does not watch the ticket
    await notify(
        db,
        [moved["authorId"]],
        kind="FEEDBACK_REPLIED",
        title=f"您的反馈{STATUS_LABELS[status]}",
        body=f"工单 {moved['number']}：{reply}"[:NOTIFICATION_BODY_MAX],
        ref_id=moved["_id"],
    )
    return moved


async def rate_feedback(
    db: Database,
    viewer: Viewer,
    feedback_id: ObjectId | None,
    *,
    outcome: FeedbackOutcome,
    stars: int,
    comment: str | None,
) -> dict[str, Any]:
    """The author rates a closed ticket once: solved, partly or not, and 1 to 5 stars."""
    ticket = await find_feedback(db, feedback_id)
    if ticket["authorId"] != viewer.id:
        raise RuleError("feedbackId", "只能评价自己提交的工单", FeedbackErrorCode.NOT_AUTHOR)
    checks = Checks()
    comment = checks.text("comment", comment, label="评价", max_length=COMMENT_MAX, min_length=0)
    if not 1 <= stars <= 5:
        checks.fail("stars", "评分应为 1 到 5 星")
    if ticket["status"] not in CLOSED:
        checks.fail("feedbackId", "工单办结后才能评价", FeedbackErrorCode.NOT_CLOSED)
    checks.raise_if_any()
    rating = {"outcome": outcome.value, "stars": stars, "comment": comment or None, "at": now()}
    rated = await db.feedback.find_one_and_update(
        {"_id": ticket["_id"], "rating": None},
        {"$set": {"rating": rating}},
        return_document=ReturnDocument.AFTER,
    )
    if rated is None:
        raise RuleError("feedbackId", "该工单已经评价过", FeedbackErrorCode.ALREADY_RATED)
    return rated


async def similar_feedback(
    db: Database, viewer: Viewer, village_code: str, text: str, limit: int, *, per_minute: int
) -> list[dict[str, Any]]:
    """Open public tickets of the village sharing the most words with `text`: shown before
    submitting, so a neighbour's complaint about the same channel is found.

    Asked while a person types (the form waits half a second after the last key), so
    `per_minute` per person is plenty for a person and stops a script ranking tickets in
    a loop."""
    if await throttle.hit(db, "similar-feedback", str(viewer.id), SIMILAR_WINDOW_SECONDS) > (
        per_minute
    ):
        raise RateLimited("查找相似反馈过于频繁，请稍后再试")
    words = query_tokens(text)
    if not words:
        return []
    # index feedback(regionId, searchTokens)
    candidates = await db.feedback.find(
        {
            "regionId": village_code,
            "searchTokens": {"$in": words},
            "status": {"$in": list(OPEN)},
            "isPublic": True,
        },
        limit=SIMILAR_CANDIDATES,
    ).to_list()
    ranked = sorted(
        candidates,
        key=lambda doc: (count_matches(words, doc["searchTokens"]), doc["_id"]),
        reverse=True,
    )
    return ranked[: min(limit, MAX_SIMILAR)]


# -- reading -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackSearch:
    """The feedback screen's filter, its region already looked up (root-first codes)."""

    region_path: list[str] | None = None
    status: FeedbackStatus | None = None
    kind: FeedbackKind | None = None
    mine: bool = False
    overdue_only: bool = False


def feedback_list_visible_to(viewer: Viewer | None, search: FeedbackSearch) -> ListQuery:
    """Which tickets `viewer` lists with `search`: `mine`, the viewer's own; an admin of
    the region, its queue (open ones by deadline, so overdue ones lead) or its closed
    tickets; everyone else, resolved public tickets. Values only from the checked search
    and from constants: no operator comes from the input."""
    path = search.region_path
    query: dict[str, Any] = {}
    if search.kind is not None:
        query["kind"] = search.kind.value
    if path:
        query["path"] = path[-1]
    if search.mine:
        if viewer is None:
            raise Unauthenticated()
        query["authorId"] = viewer.id  # index (authorId, _id)
        if search.status is not None:
            query["status"] = search.status.value
        return ListQuery(query)
    if viewer is not None and viewer.is_admin and (path is None or viewer.administers(path)):
        query["path"] = path[-1] if path else viewer.scope_path[-1]
        return _queue(query, search)
    if search.status not in (None, FeedbackStatus.RESOLVED):
        raise Forbidden("只有本地区管理员可以查看未办结的工单")
    return ListQuery(query | {"status": FeedbackStatus.RESOLVED.value, "isPublic": True})


def _queue(query: dict[str, Any], search: FeedbackSearch) -> ListQuery:
    """An admin's tickets of a region: open ones earliest deadline first, so overdue
    ones lead; closed ones newest first."""
    status = search.status
    if status is not None and status.value not in OPEN:
        return ListQuery(query | {"status": status.value})
    query["status"] = {"$in": list(OPEN)} if status is None else status.value
    if search.overdue_only:
        query["deadline"] = {"$lt": now()}
    return ListQuery(query, sort_key="deadline", descending=False)


async def browse_feedback(
    db: Database,
    viewer: Viewer | None,
    search: FeedbackSearch,
    *,
    first: int | None,
    after: str | None,
) -> Page:
    """One page of the tickets `viewer` may list with `search`."""
    # indexes feedback(path, status, deadline, _id), (path, status, _id)
    return await feedback_list_visible_to(viewer, search).page(
        db.feedback, first=first, after=after, projection={"searchTokens": 0}
    )
