"""Weather, pest and disease warnings: admins issue them for regions within their own."""

import asyncio
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from bson import ObjectId

from sannong.auth import Viewer, require_admin_of
from sannong.clock import as_utc, now
from sannong.db import Database
from sannong.errors import InputErrorCode
from sannong.loaders import HasLoaders
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
    db: Database,
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
) -> dict[str, Any]:
    """Warns regions, each inside the admin's own; times without a zone are China's."""
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
    return doc
