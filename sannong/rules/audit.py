"""The audit log: every admin action and every refusal of one, who, what, where, when.

A mutation that is an admin action names its action (`@mutation(..., audit=...)`),
which runs it inside `audited`: the entry is written when the action ends, DONE,
or REFUSED when a rule or a permission check said no (`RuleError`, `Forbidden`).
The rules say what the action concerns as soon as they know it:

    audit.concerns(notice["path"], "Notice", notice["_id"])

so a township admin refused on another township's notice is logged on that
township, where its admins read it. Unknown callers (no token) are not logged:
there is nobody to name. Entries are never changed or deleted.
"""

import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from pymongo.errors import PyMongoError

from sannong.auth import Viewer
from sannong.clock import now
from sannong.db import Database
from sannong.db.pagination import Page, paginate
from sannong.errors import Forbidden, RuleError

log = logging.getLogger("sannong.audit")


class AuditAction(Enum):
    PUBLISH_NOTICE = "PUBLISH_NOTICE"
    UPDATE_NOTICE = "UPDATE_NOTICE"
    WITHDRAW_NOTICE = "WITHDRAW_NOTICE"
    REPLY_FEEDBACK = "REPLY_FEEDBACK"
    HIDE_LISTING = "HIDE_LISTING"
    RESTORE_LISTING = "RESTORE_LISTING"
    GRANT_ROLE = "GRANT_ROLE"
    REPORT_PRICES = "REPORT_PRICES"
    CREATE_ALERT = "CREATE_ALERT"
    CREATE_REGION = "CREATE_REGION"
    RENAME_REGION = "RENAME_REGION"


class AuditOutcome(Enum):
    DONE = "DONE"
    REFUSED = "REFUSED"


@dataclass
class AuditEntry:
    """What the action at hand concerns, filled in by the rules as they learn it."""

    action: AuditAction | None
    region_path: list[str] = field(default_factory=list)
    target_type: str | None = None
    target_key: Any = None
    detail: str | None = None


_current: ContextVar[AuditEntry | None] = ContextVar("audit_entry", default=None)


def concerns(
    region_path: Sequence[str] | None = None,
    target_type: str | None = None,
    target_key: Any = None,
    *,
    detail: str | None = None,
) -> None:
    """Tells the audited action at hand what it is about (nothing when none is audited)."""
    entry = _current.get()
    if entry is None:
        return
    if region_path:
        entry.region_path = list(region_path)
    if target_type is not None:
        entry.target_type, entry.target_key = target_type, target_key
    if detail is not None:
        entry.detail = detail


def common_path(paths: Sequence[Sequence[str]]) -> list[str]:
    """The path of the lowest region containing all of them (an alert for two townships
    is logged on their county)."""
    if not paths:
        return []
    shared: list[str] = []
    for codes in zip(*paths, strict=False):
        if len(set(codes)) != 1:
            break
        shared.append(codes[0])
    return shared


async def record(
    db: Database,
    actor: Viewer,
    action: AuditAction,
    *,
    region_path: Sequence[str],
    target_type: str | None,
    target_key: Any,
    outcome: AuditOutcome,
    detail: str | None = None,
    code: str | None = None,
) -> None:
    """One entry. Without a region it is logged where the actor works (its scope, else
    its village), so the admins above still see it."""
    path = list(region_path) or list(actor.scope_path) or list(actor.region_path)
    await db.audit_log.insert_one(
        {
            "actorId": actor.id,
            "actorRole": actor.role.value,
            "action": action.value,
            "outcome": outcome.value,
            "code": code,
            "detail": detail,
            "regionId": path[-1] if path else None,
            "path": path,
            "targetType": target_type,
            "targetKey": target_key,
            "at": now(),
        }
    )


@contextlib.asynccontextmanager
async def audited(
    db: Database, actor: Viewer | None, action: AuditAction | None
) -> AsyncIterator[AuditEntry]:
    """Runs an admin action and logs how it ended; refusals are re-raised as they came."""
    entry = AuditEntry(action)
    token = _current.set(entry)
    try:
        yield entry
    except (Forbidden, RuleError) as refused:
        code = refused.code.value if isinstance(refused, Forbidden) else None
        if isinstance(refused, RuleError):
            code = refused.failures[0].code.value
        await _write(db, actor, entry, AuditOutcome.REFUSED, str(refused), code)
        raise
    else:
        await _write(db, actor, entry, AuditOutcome.DONE, entry.detail, None)
    finally:
        _current.reset(token)


async def _write(
    db: Database,
    actor: Viewer | None,
    entry: AuditEntry,
    outcome: AuditOutcome,
    detail: str | None,
    code: str | None,
) -> None:
    if actor is None or entry.action is None:
        return
    try:
        await record(
            db,
            actor,
            entry.action,
            region_path=entry.region_path,
            target_type=entry.target_type,
            target_key=entry.target_key,
            outcome=outcome,
            detail=detail,
            code=code,
        )
    except PyMongoError:
        # The action itself has happened (or was refused): its answer still goes out.
        log.warning(
            "audit entry not written",
            extra={"action": entry.action.value, "outcome": outcome.value},
            exc_info=True,
        )


def audit_scope(viewer: Viewer, region_path: list[str] | None) -> str:
    """The region whose log an admin reads: one it administers (default: its own)."""
    if not viewer.is_admin:
        raise Forbidden()
    if region_path is None:
        return viewer.scope_path[-1]
    if not viewer.administers(region_path):
        raise Forbidden("该地区不在您的管理范围内")
    return region_path[-1]


async def audit_log(
    db: Database,
    viewer: Viewer,
    region_path: list[str] | None,
    action: AuditAction | None,
    outcome: AuditOutcome | None,
    *,
    first: int | None,
    after: str | None,
) -> Page:
    """An admin's page of the log of a region it administers (default its own), newest first."""
    query: dict[str, Any] = {"path": audit_scope(viewer, region_path)}
    if action is not None:
        query["action"] = action.value
    if outcome is not None:
        query["outcome"] = outcome.value
    # indexes audit_log(path, [action | outcome,] _id)
    return await paginate(db.audit_log, query, first=first, after=after)
