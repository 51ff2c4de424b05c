"""Weather, pest and disease warnings: admins issue them for regions within their own."""

import asyncio
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from bson import ObjectId

from sannong.auth import Viewer, require_admin_of
from sannong.clock import as_utc, now
from sannong.db import Database, Document
from sannong.errors import InputErrorCode
from sannong.integrations.jobs import JobServices
from sannong.loaders import HasLoaders
from sannong.loaders.shared import LISTS
from sannong.rules import audit
from sannong.rules.fanout import Pace, fan_out_batch, start_fanout
from sannong.rules.reference import changed
from sannong.rules.regions import region_of_input
from sannong.validation import Checks

MAX_REGIONS = 20
MAX_VALIDITY = timedelta(days=30)


class AlertKind(Enum):
    WEATHER = "WEATHER"
    PEST = "PEST"
    DISEASE = "DISEASE"
    ANIMAL_DISEASE = "ANIMAL_DISEASE"


class AlertSeverity(Enum):
    BLUE = "BLUE"
    YELLOW = "YELLOW"
    ORANGE = "ORANGE"
    RED = "RED"


SEVERITY_RANK = {s.value: rank for rank, s in enumerate(AlertSeverity)}
SEVERITY_LABELS = {"BLUE": "蓝色", "YELLOW": "黄色", "ORANGE": "橙色", "RED": "红色"}
SMS_FROM = AlertSeverity.ORANGE  # orange and red warnings also go out by SMS
ALERT_FANOUT = "alert_fanout"


def alert_document(
    *,
    kind: AlertKind,
    severity: AlertSeverity,
    title: str,
    body: str,
    advice: str | None,
    region_ids: list[str],
    valid_from: datetime,
    valid_until: datetime,
    created_at: datetime,
    created_by: ObjectId | None,
) -> dict[str, Any]:
    """A warning as stored (the demo seed builds its warnings with it too)."""
    return {
        "kind": kind.value,
        "severity": severity.value,
        "severityRank": SEVERITY_RANK[severity.value],
        "title": title,
        "body": body,
        "advice": advice,
        "regionIds": list(dict.fromkeys(region_ids)),
        "validFrom": valid_from,
        "validUntil": valid_until,
        "createdAt": created_at,
        "createdBy": created_by,
    }


async def create_alert(
    context: HasLoaders,
    admin: Viewer,
    *,
    kind: AlertKind,
    severity: AlertSeverity,
    title: str,
    body: str,
    advice: str | None,
    region_codes: list[str],
    valid_from: datetime | None,
    valid_until: datetime,
    pace: Pace | None = None,
) -> dict[str, Any]:
    """Warns regions, each inside the admin's own; times without a zone are China's."""
    db = context.db
    pace = pace or Pace()
    checks = Checks()
    checked_title = checks.text("title", title, label="标题", max_length=60)
    checked_body = checks.text("body", body, label="内容", max_length=2000)
    checked_advice = checks.text("advice", advice, label="防范建议", max_length=1000)
    at = now()
    starts = as_utc(valid_from) if valid_from else at
    ends = as_utc(valid_until)
    if ends <= max(starts, at):
        checks.fail("validUntil", "结束时间应晚于开始时间和现在")
    elif ends - starts > MAX_VALIDITY:
        checks.fail("validUntil", "预警有效期不能超过 30 天")
    regions: list[dict[str, Any] | None] = []
    if not 1 <= len(region_codes) <= MAX_REGIONS:
        checks.fail("regionIds", f"请选择 1 到 {MAX_REGIONS} 个地区", InputErrorCode.INVALID)
    else:
        regions = await asyncio.gather(  # gathered: the region loader fetches them in one batch
            *(region_of_input(context, code, checks, "regionIds") for code in region_codes)
        )
    audit.concerns(audit.common_path([r["path"] for r in regions if r is not None]))
    for region in regions:
        if region is not None:
            require_admin_of(admin, region["path"])
    checks.raise_if_any()
    doc = alert_document(
        kind=kind,
        severity=severity,
        title=checked_title or "",
        body=checked_body or "",
        advice=checked_advice,
        region_ids=[r["_id"] for r in regions if r],
        valid_from=starts,
        valid_until=ends,
        created_at=at,
        created_by=admin.id,
    )
    doc["_id"] = (await db.alerts.insert_one(doc)).inserted_id
    await changed(db, "alerts", [doc["_id"]])
    audit.concerns(None, "Alert", doc["_id"], detail=doc["title"])
    # Residents hear of it now (in the app, and by SMS when severe), not when they next look.
    await start_fanout(db, ALERT_FANOUT, str(doc["_id"]), pace, max(starts, at))
    return doc


async def in_force_or_coming(db: Database, path: list[str] | tuple[str, ...]) -> list[Document]:
    """Warnings of a region and the regions above it not yet over, latest end first;
    kept by the process (`loaders/shared.LISTS`): every villager asks for the same few."""

    async def load() -> list[Document]:
        # index alerts(regionIds, validUntil)
        query = {"regionIds": {"$in": list(path)}, "validUntil": {"$gt": now()}}
        return await db.alerts.find(query, sort=[("validUntil", -1)]).to_list()

    return await LISTS.get(db.name, "alerts", tuple(path), load)


def alert_sms_text(alert: dict[str, Any]) -> str:
    advice = alert.get("advice") or alert["body"]
    advice = advice if len(advice) <= 40 else advice[:39] + "…"
    return f"【三农】{alert['title']}（{SEVERITY_LABELS[alert['severity']]}预警）：{advice}"


async def announce_alert(services: JobServices, job: Document) -> datetime | None:
    """One batch of an alert's fan-out (job `alert_fanout`): an in-app notification to
    every resident of its regions, and an SMS when it is orange or red; returns when the
    next batch is due."""
    alert = await services.db.alerts.find_one({"_id": ObjectId(job["payload"]["ref"])})
    if alert is None or alert["validUntil"] <= now():
        return None  # over before it was told: nobody needs it any more
    severe = alert["severityRank"] >= SEVERITY_RANK[SMS_FROM.value]

    def notification(user_id: ObjectId) -> Document:
        return {
            "userId": user_id,
            "kind": "ALERT",
            "title": alert["title"],
            "body": alert["body"],
            "refId": alert["_id"],
            "createdAt": now(),
            "readAt": None,
        }

    return await fan_out_batch(
        services,
        job,
        region_codes=alert["regionIds"],
        key=f"alert:{alert['_id']}",
        sms_text=alert_sms_text(alert) if severe else None,
        purpose="alert",
        notification=notification,
    )


# -- reading -----------------------------------------------------------------------------

MAX_LISTED = 100  # one answer; far more than are ever in force at once


async def alerts_for(
    db: Database, path: list[str] | tuple[str, ...] | None, *, active_only: bool
) -> list[Document]:
    """Warnings of the region with this path and of every region above it (every
    region's without one), in force now or (not `active_only`) at any time; the most
    severe first, then the latest to start."""
    at = now()
    if path and active_only:
        docs = [
            doc
            for doc in await in_force_or_coming(db, path)
            if doc["validFrom"] <= at < doc["validUntil"]
        ][:MAX_LISTED]
    else:
        query: dict[str, Any] = {}
        if path:
            query["regionIds"] = {"$in": list(path)}  # index alerts(regionIds, validUntil)
        if active_only:
            query["validUntil"] = {"$gt": at}
            query["validFrom"] = {"$lte": at}
        docs = await db.alerts.find(query, sort=[("validUntil", -1)], limit=MAX_LISTED).to_list()
    return sorted(docs, key=lambda d: (d["severityRank"], d["validFrom"]), reverse=True)
