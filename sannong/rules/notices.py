"""Township notices (政务公开): published by admins to a region of their subtree, read by
the residents of that region and every region below it.

Nothing published is silently changed or deleted: an edit keeps the version it
replaces in `revisions` (readers see "修改于…, 查看历史"), a withdrawal needs a
reason and leaves the notice readable as withdrawn, and every admin action is in
the audit log (`rules.audit`). A village's residents see the notices of their
village, township and county: a notice stores its region's `path`, and a reader
matches notices whose `regionId` is in the village's path.

Read receipts are one document per (notice, reader) in `notice_reads`, with the
reader's village, so per-village counts are one grouping.
"""

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum, StrEnum
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from sannong.auth import ADMIN_ROLES, Viewer, require_admin_of, require_role
from sannong.clock import as_utc, now
from sannong.db import Database, Document, find_by_id
from sannong.db.pagination import Page, paginate
from sannong.errors import InputErrorCode, RuleError, Unauthenticated
from sannong.integrations.events import Topic, publish
from sannong.integrations.jobs import JobServices
from sannong.loaders import HasLoaders
from sannong.loaders.notices import ReceiptsByReader
from sannong.loaders.shared import LISTS
from sannong.media import PhotoStore, store_attachments
from sannong.rules import audit
from sannong.rules.articles import plain_text, sanitize, summary_of
from sannong.rules.fanout import Pace, fan_out_batch, start_fanout
from sannong.rules.finance import FinanceErrorCode, StatementDraft, checked_statement
from sannong.rules.reference import changed
from sannong.rules.regions import RegionLevel, region_of_input
from sannong.validation import Checks

TITLE_MAX = 60
BODY_MAX = 50_000
NOTE_MAX = 200
MAX_EXPIRY = timedelta(days=3 * 366)
PIN_RANK = 10**13  # added to a pinned notice's sort key: above every time in milliseconds
NOTICE_SMS = "notice_sms"
PUBLISHING_LEVELS = (
    RegionLevel.COUNTY.value,
    RegionLevel.TOWNSHIP.value,
    RegionLevel.VILLAGE.value,
)


class NoticeCategory(Enum):
    """The village-affairs disclosure catalogue; a new kind is one more member."""

    PARTY_AFFAIRS = "PARTY_AFFAIRS"
    VILLAGE_AFFAIRS = "VILLAGE_AFFAIRS"
    FINANCE = "FINANCE"
    SUBSIDY = "SUBSIDY"
    POLICY = "POLICY"
    ANNOUNCEMENT = "ANNOUNCEMENT"
    EMERGENCY = "EMERGENCY"
    EMPLOYMENT = "EMPLOYMENT"


CATEGORY_LABELS = {
    NoticeCategory.PARTY_AFFAIRS: "党务公开",
    NoticeCategory.VILLAGE_AFFAIRS: "村务公开",
    NoticeCategory.FINANCE: "财务公开",
    NoticeCategory.SUBSIDY: "惠农补贴",
    NoticeCategory.POLICY: "政策法规",
    NoticeCategory.ANNOUNCEMENT: "通知公告",
    NoticeCategory.EMERGENCY: "应急预警",
    NoticeCategory.EMPLOYMENT: "就业招聘",
}


class NoticeStatus(Enum):
    PUBLISHED = "PUBLISHED"
    WITHDRAWN = "WITHDRAWN"  # still readable, marked withdrawn with its reason


PUBLISHED = NoticeStatus.PUBLISHED.value


class NoticeErrorCode(StrEnum):
    WRONG_LEVEL = "WRONG_LEVEL"
    ACK_NOT_REQUIRED = "ACK_NOT_REQUIRED"
    NOT_ADDRESSED = "NOT_ADDRESSED"
    NOTICE_WITHDRAWN = "NOTICE_WITHDRAWN"
    EDIT_CONFLICT = "EDIT_CONFLICT"
    NOTHING_CHANGED = "NOTHING_CHANGED"


# What a revision keeps of the version it replaces.
REVISED_FIELDS = (
    "category",
    "title",
    "body",
    "attachments",
    "statement",
    "pinned",
    "expiresAt",
    "requiresAck",
)


@dataclass(frozen=True)
class NoticeDraft:
    """What an admin writes; on an update, None leaves the field as it is."""

    category: NoticeCategory | None = None
    title: str | None = None
    body: str | None = None
    pinned: bool | None = None
    expires_at: datetime | None = None
    requires_ack: bool | None = None
    statement: StatementDraft | None = None


@dataclass(frozen=True)
class Uploads:
    """Attachments as sent (file name, bytes) and the limits they are held to."""

    files: list[tuple[str | None, bytes]] = field(default_factory=list)
    limit: int = 5
    max_bytes: int = 10 * 1024 * 1024


def sort_key(pinned: bool, published_at: datetime) -> int:
    """Pinned first, then newest: one integer, so a page is one keyset over an index."""
    return int(published_at.timestamp() * 1000) + (PIN_RANK if pinned else 0)


def _checked_fields(checks: Checks, draft: NoticeDraft, *, at: datetime) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if draft.category is not None:
        fields["category"] = draft.category.value
    title = checks.text("title", draft.title, label="标题", max_length=TITLE_MAX)
    if title is not None:
        fields["title"] = title
    if draft.body is not None:
        if len(draft.body) > BODY_MAX:
            checks.fail("body", f"正文不能超过 {BODY_MAX} 个字符", InputErrorCode.TOO_LONG)
        else:
            body = sanitize(draft.body)
            if not plain_text(body):
                checks.fail("body", "正文不能为空", InputErrorCode.REQUIRED)
            fields["body"] = body
    if draft.pinned is not None:
        fields["pinned"] = draft.pinned
    if draft.requires_ack is not None:
        fields["requiresAck"] = draft.requires_ack
    if draft.expires_at is not None:
        expires = as_utc(draft.expires_at)
        if expires <= at:
            checks.fail("expiresAt", "有效期应晚于现在")
        elif expires - at > MAX_EXPIRY:
            checks.fail("expiresAt", "有效期不能超过 3 年")
        fields["expiresAt"] = expires
    if draft.statement is not None:
        fields["statement"] = checked_statement(checks, draft.statement)
    return fields


def _statement_allowed(checks: Checks, category: str, statement: Any) -> None:
    if statement is not None and category != NoticeCategory.FINANCE.value:
        checks.fail(
            "statement",
            "只有财务公开可以附收支明细",
            FinanceErrorCode.STATEMENT_NOT_ALLOWED,
        )


def notice_document(
    *,
    region: dict[str, Any],
    fields: dict[str, Any],
    attachments: list[dict[str, Any]],
    author_id: ObjectId | None,
    sms: bool,
    published_at: datetime,
) -> dict[str, Any]:
    """A new notice as stored; `fields` are checked draft fields (used by the seed too)."""
    doc = {
        "pinned": False,
        "expiresAt": None,
        "requiresAck": False,
        "statement": None,
        **fields,
        "regionId": region["_id"],
        "regionLevel": region["level"],
        "path": region["path"],
        "attachments": attachments,
        "sms": sms,
        "status": NoticeStatus.PUBLISHED.value,
        "authorId": author_id,
        "publishedAt": published_at,
        "version": 1,
        "revisions": [],
        "revisedAt": None,
        "revisedBy": None,
        "revisionNote": None,
    }
    doc["summary"] = summary_of(plain_text(doc["body"]))
    doc["sortKey"] = sort_key(doc["pinned"], published_at)
    return doc


async def publish_notice(
    context: HasLoaders,
    store: PhotoStore,
    viewer: Viewer | None,
    *,
    region_code: str,
    draft: NoticeDraft,
    uploads: Uploads,
    sms: bool,
    pace: Pace,
) -> dict[str, Any]:
    """An admin publishes to a county, township or village of its subtree."""
    db = context.db
    checks = Checks()
    region = await region_of_input(context, region_code, checks, "regionId")
    if region is None:
        require_role(viewer, *ADMIN_ROLES)
        checks.raise_if_any()
    assert region is not None
    audit.concerns(region["path"])
    viewer = require_admin_of(viewer, region["path"])
    if region is not None and region["level"] not in PUBLISHING_LEVELS:
        checks.fail("regionId", "通知只能发布到县、乡镇或村", NoticeErrorCode.WRONG_LEVEL)
    at = now()
    fields = _checked_fields(checks, draft, at=at)
    if draft.title is None:
        checks.fail("title", "标题不能为空", InputErrorCode.REQUIRED)
    if draft.body is None:
        checks.fail("body", "正文不能为空", InputErrorCode.REQUIRED)
    _statement_allowed(checks, fields.get("category", ""), fields.get("statement"))
    checks.raise_if_any()
    stored = await store_attachments(
        store, uploads.files, limit=uploads.limit, max_bytes=uploads.max_bytes
    )
    doc = notice_document(
        region=region,
        fields=fields,
        attachments=[a.doc for a in stored],
        author_id=viewer.id,
        sms=sms,
        published_at=at,
    )
    doc["_id"] = (await db.notices.insert_one(doc)).inserted_id
    audit.concerns(region["path"], "Notice", doc["_id"], detail=doc["title"])
    if sms:
        await start_fanout(db, NOTICE_SMS, str(doc["_id"]), pace, at)
    await publish(db, Topic.NOTICES, audience=[region["_id"]], ids=[doc["_id"]])
    await changed(db, "notices", [doc["_id"]])
    return doc


async def find_notice(db: Database, notice_id: ObjectId | None) -> dict[str, Any]:
    return await find_by_id(db.notices, notice_id, "通知不存在", "noticeId")


async def _administered_notice(
    db: Database, viewer: Viewer | None, notice_id: ObjectId | None
) -> tuple[Viewer, dict[str, Any]]:
    notice = await find_notice(db, notice_id)
    audit.concerns(notice["path"], "Notice", notice["_id"], detail=notice["title"])
    return require_admin_of(viewer, notice["path"]), notice


def _snapshot(doc: dict[str, Any]) -> dict[str, Any]:
    """The version a revision replaces, as readers saw it."""
    return {name: doc.get(name) for name in REVISED_FIELDS} | {
        "version": doc["version"],
        "at": doc["revisedAt"] or doc["publishedAt"],
        "by": doc["revisedBy"] or doc["authorId"],
        "note": doc["revisionNote"],
    }


async def update_notice(
    db: Database,
    store: PhotoStore,
    viewer: Viewer | None,
    notice_id: ObjectId | None,
    *,
    draft: NoticeDraft,
    note: str | None,
    uploads: Uploads,
    remove_attachment_keys: list[str],
) -> dict[str, Any]:
    """A new version of a published notice; the one it replaces goes to `revisions`."""
    admin, notice = await _administered_notice(db, viewer, notice_id)
    checks = Checks()
    at = now()
    changes = _checked_fields(checks, draft, at=at)
    note = checks.text("note", note, label="修改说明", max_length=NOTE_MAX, min_length=0)
    if notice["status"] != NoticeStatus.PUBLISHED.value:
        checks.fail("noticeId", "通知已撤回，不能再修改", NoticeErrorCode.NOTICE_WITHDRAWN)
    category = changes.get("category", notice["category"])
    statement = changes["statement"] if "statement" in changes else notice.get("statement")
    _statement_allowed(checks, category, statement)
    keys = set(remove_attachment_keys)
    kept = [a for a in notice["attachments"] if a["key"] not in keys]
    if len(kept) != len(notice["attachments"]) - len(keys):
        checks.fail("removeAttachmentKeys", "要删除的附件不存在", InputErrorCode.NOT_FOUND)
    changes = {k: v for k, v in changes.items() if notice.get(k) != v}
    if not changes and not keys and not uploads.files:
        checks.fail("noticeId", "没有任何修改", NoticeErrorCode.NOTHING_CHANGED)
    checks.raise_if_any()
    room = uploads.limit - len(kept)
    stored = await store_attachments(
        store, uploads.files, limit=max(room, 0), max_bytes=uploads.max_bytes
    )
    if stored or keys:
        changes["attachments"] = kept + [a.doc for a in stored]
    if "body" in changes:
        changes["summary"] = summary_of(plain_text(changes["body"]))
    pinned = changes.get("pinned", notice["pinned"])
    changes["sortKey"] = sort_key(pinned, notice["publishedAt"])
    updated = await db.notices.find_one_and_update(
        # Of two admins editing at once, the second is told: its version is gone.
        {"_id": notice["_id"], "version": notice["version"], "status": notice["status"]},
        {
            "$push": {"revisions": _snapshot(notice)},
            "$set": changes | {"revisedAt": at, "revisedBy": admin.id, "revisionNote": note},
            "$inc": {"version": 1},
        },
        return_document=ReturnDocument.AFTER,
    )
    if updated is None:
        raise RuleError(
            "noticeId", "通知刚被他人修改或撤回，请刷新后再试", NoticeErrorCode.EDIT_CONFLICT
        )
    await changed(db, "notices", [updated["_id"]])
    return updated


async def withdraw_notice(
    db: Database, viewer: Viewer | None, notice_id: ObjectId | None, reason: str
) -> dict[str, Any]:
    """Withdrawn with a reason; still readable, marked so, and no longer pinned."""
    admin, notice = await _administered_notice(db, viewer, notice_id)
    checks = Checks()
    checked = checks.text("reason", reason, label="撤回原因", max_length=NOTE_MAX)
    checks.raise_if_any()
    at = now()
    withdrawn = await db.notices.find_one_and_update(
        {"_id": notice["_id"], "status": NoticeStatus.PUBLISHED.value},
        {
            "$set": {
                "status": NoticeStatus.WITHDRAWN.value,
                "withdrawnAt": at,
                "withdrawnBy": admin.id,
                "withdrawReason": checked,
                "sortKey": sort_key(False, notice["publishedAt"]),
            }
        },
        return_document=ReturnDocument.AFTER,
    )
    if withdrawn is None:
        raise RuleError("noticeId", "通知已经撤回", NoticeErrorCode.NOTICE_WITHDRAWN)
    await changed(db, "notices", [withdrawn["_id"]])
    return withdrawn


# -- reading -----------------------------------------------------------------------------


def addressed_to(path: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """Notices a resident of the region with this path receives: its own and those above."""
    return {"regionId": {"$in": list(path)}}


def in_force(at: datetime) -> dict[str, Any]:
    return {"$or": [{"expiresAt": None}, {"expiresAt": {"$gt": at}}]}


async def read_notice_ids(context: HasLoaders, user_id: ObjectId) -> list[ObjectId]:
    """The notices the person has opened."""
    return [r["noticeId"] for r in await ReceiptsByReader.of(context).load(user_id)]


async def published_in_force(db: Database, path: list[str] | tuple[str, ...]) -> list[Document]:
    """Ids and expiry of the published notices in force for a region, kept by the process
    (`loaders/shared.LISTS`): a village's villagers all ask for the same few hundred."""

    async def load() -> list[Document]:
        query = {
            "$and": [addressed_to(path), in_force(now()), {"status": PUBLISHED}]
        }  # index notices(regionId, sortKey, _id)
        return await db.notices.find(query, {"expiresAt": 1}).to_list()

    return await LISTS.get(db.name, "notices", tuple(path), load)


async def unread_notice_count(context: HasLoaders, viewer: Viewer) -> int:
    """Notices in force for the person's village, neither withdrawn nor opened yet."""
    read = set(await read_notice_ids(context, viewer.id))
    notices = await published_in_force(context.db, viewer.region_path)
    at = now()
    return sum(
        1
        for n in notices
        if n["_id"] not in read and (n.get("expiresAt") is None or n["expiresAt"] > at)
    )


def _receipt_filter(notice: dict[str, Any], viewer: Viewer) -> dict[str, Any]:
    return {"noticeId": notice["_id"], "userId": viewer.id}


async def _receipt(
    db: Database, notice: dict[str, Any], viewer: Viewer, fields: dict[str, Any]
) -> None:
    """Sets fields of the reader's receipt, creating it with the reader's village."""
    village = viewer.region_path[-1] if viewer.region_path else None
    insert = {
        "villageId": village,
        "path": list(viewer.region_path),
        "readAt": now(),
        "acknowledgedAt": None,
    }
    insert = {k: v for k, v in insert.items() if k not in fields}
    update: dict[str, Any] = {"$setOnInsert": insert}
    if fields:
        update["$set"] = fields
    try:
        await db.notice_reads.update_one(_receipt_filter(notice, viewer), update, upsert=True)
    except DuplicateKeyError:  # two first reads at once: the other created it
        if fields:
            await db.notice_reads.update_one(_receipt_filter(notice, viewer), {"$set": fields})


async def mark_notice_read(
    db: Database, viewer: Viewer | None, notice_id: ObjectId | None
) -> dict[str, Any]:
    """Anyone signed in may open any notice; a second read keeps the first time."""
    if viewer is None:
        raise Unauthenticated()
    notice = await find_notice(db, notice_id)
    await _receipt(db, notice, viewer, {})
    return notice


async def acknowledge_notice(
    db: Database, viewer: Viewer | None, notice_id: ObjectId | None
) -> dict[str, Any]:
    """A resident confirms a notice that asks for it (it counts as read too), once."""
    if viewer is None:
        raise Unauthenticated()
    notice = await find_notice(db, notice_id)
    if not notice["requiresAck"]:
        raise RuleError("noticeId", "该通知不需要确认", NoticeErrorCode.ACK_NOT_REQUIRED)
    if notice["status"] != NoticeStatus.PUBLISHED.value:
        raise RuleError("noticeId", "通知已撤回，无需确认", NoticeErrorCode.NOTICE_WITHDRAWN)
    if notice["regionId"] not in viewer.region_path:
        raise RuleError("noticeId", "该通知不是发给您所在村的", NoticeErrorCode.NOT_ADDRESSED)
    receipt = await db.notice_reads.find_one(_receipt_filter(notice, viewer), {"acknowledgedAt": 1})
    if receipt is None or receipt.get("acknowledgedAt") is None:
        await _receipt(db, notice, viewer, {"acknowledgedAt": now()})
    return notice


@dataclass(frozen=True)
class VillageCounts:
    village_id: str
    residents: int
    read: int
    acknowledged: int


async def notice_stats(
    db: Database, viewer: Viewer | None, notice_id: ObjectId | None
) -> tuple[dict[str, Any], str, list[VillageCounts]]:
    """Residents, readers and acknowledgements per village of the notice's region, for its
    admins; an admin of a region inside it (a township under a county notice) gets its own
    villages. Returns the notice, the region counted and the counts."""
    notice = await find_notice(db, notice_id)
    if viewer is not None and viewer.is_admin and notice["regionId"] in viewer.scope_path:
        scope = viewer.scope_path[-1]  # the notice is addressed above the admin's region
    else:
        require_admin_of(viewer, notice["path"])
        scope = notice["regionId"]
    villages, residents, receipts = await asyncio.gather(
        # index regions(path, _id); users(path, _id); notice_reads(noticeId, path)
        db.regions.find({"path": scope, "level": RegionLevel.VILLAGE.value}, {"_id": 1})
        .sort("_id", 1)
        .to_list(),
        db.users.aggregate(
            [{"$match": {"path": scope}}, {"$group": {"_id": "$regionId", "n": {"$sum": 1}}}]
        ),
        db.notice_reads.aggregate(
            [
                {"$match": {"noticeId": notice["_id"], "path": scope}},
                {
                    "$group": {
                        "_id": "$villageId",
                        "read": {"$sum": 1},
                        "ack": {"$sum": {"$cond": [{"$ifNull": ["$acknowledgedAt", False]}, 1, 0]}},
                    }
                },
            ]
        ),
    )
    people = {doc["_id"]: doc["n"] async for doc in residents}
    reads = {doc["_id"]: doc async for doc in receipts}
    counts = [
        VillageCounts(
            v["_id"],
            people.get(v["_id"], 0),
            reads.get(v["_id"], {}).get("read", 0),
            reads.get(v["_id"], {}).get("ack", 0),
        )
        for v in villages
    ]
    return notice, scope, counts


# -- SMS ---------------------------------------------------------------------------------


def notice_sms_text(notice: dict[str, Any], region_name: str) -> str:
    category = CATEGORY_LABELS[NoticeCategory(notice["category"])]
    title = notice["title"] if len(notice["title"]) <= 30 else notice["title"][:29] + "…"
    ask = "并点击确认" if notice["requiresAck"] else ""
    return f"【三农】{region_name}{category}：{title}。请打开三农App查看全文{ask}。"


async def send_notice_sms(services: JobServices, job: Document) -> datetime | None:
    """One batch of a notice's SMS to the residents of its region (job `notice_sms`);
    returns when the next batch is due."""
    notice = await services.db.notices.find_one({"_id": ObjectId(job["payload"]["ref"])})
    if notice is None or notice["status"] != NoticeStatus.PUBLISHED.value:
        return None  # withdrawn before its messages went out: the rest are not sent
    # The region's name is read when a batch goes out, not copied onto the notice: a
    # platform admin may rename the region, and the messages say what it is called now.
    region = await services.db.regions.find_one({"_id": notice["regionId"]}, {"name": 1})
    return await fan_out_batch(
        services,
        job,
        region_codes=[notice["regionId"]],
        key=f"notice:{notice['_id']}",
        sms_text=notice_sms_text(notice, region["name"] if region else ""),
        purpose="notice",
    )


# -- the notices screen ------------------------------------------------------------------


@dataclass(frozen=True)
class NoticeSearch:
    """The notices screen's filter, its region already looked up (root-first codes)."""

    region_path: list[str] | tuple[str, ...] | None = None
    category: NoticeCategory | None = None
    unread_only: bool = False
    include_expired: bool = False
    within_region: bool = False  # every notice addressed to the region or inside it


async def notices_visible_to(
    context: HasLoaders, viewer: Viewer | None, search: NoticeSearch
) -> dict[str, Any]:
    """The filter of the notices screen: those a resident of the region receives (its
    own and those above it; or, `within_region`, those inside it), of a category, in
    force, not opened yet. Values only from the checked search, the viewer's receipts
    and constants: no operator comes from the input."""
    path = search.region_path
    parts: list[dict[str, Any]] = []
    if path:  # indexes notices(regionId, [category,] sortKey, _id), notices(path, sortKey)
        parts.append({"path": path[-1]} if search.within_region else addressed_to(path))
    if search.category is not None:
        parts.append({"category": search.category.value})
    if not search.include_expired:
        parts.append(in_force(now()))
    if search.unread_only:
        if viewer is None:
            raise Unauthenticated()
        read = await read_notice_ids(context, viewer.id)
        parts.append({"_id": {"$nin": read}, "status": NoticeStatus.PUBLISHED.value})
    return parts[0] if len(parts) == 1 else {"$and": parts} if parts else {}


async def browse_notices(
    context: HasLoaders,
    viewer: Viewer | None,
    search: NoticeSearch,
    *,
    first: int | None,
    after: str | None,
) -> Page:
    """One page of the notices screen, pinned first, then newest (`sortKey`)."""
    return await paginate(
        context.db.notices,
        await notices_visible_to(context, viewer, search),
        sort_key="sortKey",
        first=first,
        after=after,
        projection={"revisions": 0},
    )
