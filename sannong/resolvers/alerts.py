"""Weather, pest and disease warnings: admins issue them for their regions, villagers see
the warnings of their village and of every region above it."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import strawberry
from strawberry import relay

from sannong.auth import ADMIN_ROLES, require_admin_of, require_role
from sannong.context import Context
from sannong.errors import BadUserInput
from sannong.loaders.alerts import AlertById
from sannong.loaders.regions import RegionById
from sannong.resolvers.regions import load_region
from sannong.rules.prices import CHINA
from sannong.types.alerts import SEVERITY_RANK, Alert, AlertPayload, CreateAlertInput
from sannong.types.common import UserErrorCode, node_key
from sannong.validation import Checks

MAX_REGIONS = 20
MAX_VALIDITY = timedelta(days=30)
MAX_ALERTS = 100  # one answer; far more than are ever in force at once


def _utc(moment: datetime) -> datetime:
    """A time without zone is what a person in China means by it."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=CHINA)).astimezone(UTC)


@strawberry.type
class AlertQuery:
    @strawberry.field(
        description="Warnings of a region and of every region above it (default: the "
        "viewer's village), most severe first"
    )
    async def alerts(
        self,
        info: strawberry.Info[Context],
        region_id: relay.GlobalID | None = None,
        active_only: bool | None = True,
    ) -> list[Alert]:
        context = info.context
        query: dict[str, Any] = {}
        path: list[str] | tuple[str, ...] | None = None
        if region_id is not None:
            region = await RegionById.of(context).load(node_key(region_id, "Region", "regionId"))
            if region is None:
                raise BadUserInput("地区不存在", field="regionId")
            path = region["path"]
        elif (viewer := await context.viewer()) is not None:
            path = viewer.region_path
        if path:
            query["regionIds"] = {"$in": list(path)}  # index alerts(regionIds, validUntil)
        if active_only is not False:
            now = datetime.now(UTC)
            query["validUntil"] = {"$gt": now}
            query["validFrom"] = {"$lte": now}
        docs = await context.db.alerts.find(
            query, sort=[("validUntil", -1)], limit=MAX_ALERTS
        ).to_list()
        docs.sort(key=lambda d: (d["severityRank"], d["validFrom"]), reverse=True)
        return [Alert.from_doc(doc) for doc in docs]


@strawberry.type
class AlertMutation:
    @strawberry.mutation(description="Admins: warn regions within their own region")
    async def create_alert(
        self, info: strawberry.Info[Context], input: CreateAlertInput
    ) -> AlertPayload:
        context = info.context
        viewer = require_role(await context.viewer(), *ADMIN_ROLES)
        checks = Checks()
        title = checks.text("title", input.title, label="标题", max_length=60)
        body = checks.text("body", input.body, label="内容", max_length=2000)
        advice = checks.text("advice", input.advice, label="防范建议", max_length=1000)
        now = datetime.now(UTC)
        valid_from = _utc(input.valid_from) if input.valid_from else now
        valid_until = _utc(input.valid_until)
        if valid_until <= max(valid_from, now):
            checks.fail("validUntil", "结束时间应晚于开始时间和现在", UserErrorCode.INVALID)
        elif valid_until - valid_from > MAX_VALIDITY:
            checks.fail("validUntil", "预警有效期不能超过 30 天", UserErrorCode.INVALID)
        regions: list[dict[str, Any] | None] = []
        if not 1 <= len(input.region_ids) <= MAX_REGIONS:
            checks.fail("regionIds", f"请选择 1 到 {MAX_REGIONS} 个地区", UserErrorCode.INVALID)
        else:
            regions = await asyncio.gather(
                *(load_region(info, r, checks, "regionIds") for r in input.region_ids)
            )
        for region in regions:
            if region is not None:
                require_admin_of(viewer, region["path"])
        if checks.errors:
            return AlertPayload(user_errors=checks.errors)
        doc = {
            "kind": input.kind.value,
            "severity": input.severity.value,
            "severityRank": SEVERITY_RANK[input.severity.value],
            "title": title,
            "body": body,
            "advice": advice,
            "regionIds": list(dict.fromkeys(r["_id"] for r in regions if r)),
            "validFrom": valid_from,
            "validUntil": valid_until,
            "createdAt": now,
            "createdBy": viewer.id,
        }
        result = await context.db.alerts.insert_one(doc)
        stored = await AlertById.of(context).load(result.inserted_id)
        assert stored is not None
        return AlertPayload(alert=Alert.from_doc(stored))
