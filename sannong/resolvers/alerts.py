"""Weather, pest and disease warnings: admins issue them for their regions, villagers see
the warnings of their village and of every region above it."""

import strawberry
from strawberry import relay

from sannong.auth import ADMIN_ROLES, require_role
from sannong.context import Context
from sannong.resolvers.inputs import region_path_of
from sannong.rules import alerts as rules
from sannong.rules.audit import AuditAction
from sannong.rules.fanout import Pace
from sannong.types.alerts import Alert, AlertPayload, CreateAlertInput
from sannong.types.common import mutation, node_key


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
        path: list[str] | tuple[str, ...] | None = None
        if region_id is not None:
            path = await region_path_of(info, region_id)
        elif (viewer := await context.viewer()) is not None:
            path = viewer.region_path
        docs = await rules.alerts_for(context.db, path, active_only=active_only is not False)
        return [Alert.from_doc(doc) for doc in docs]


@strawberry.type
class AlertMutation:
    @mutation(
        "Admins: warn regions within their own region; residents are told in the app, "
        "and by SMS when orange or red",
        audit=AuditAction.CREATE_ALERT,
    )
    async def create_alert(
        self, info: strawberry.Info[Context], input: CreateAlertInput
    ) -> AlertPayload:
        context = info.context
        doc = await rules.create_alert(
            context,
            require_role(await context.viewer(), *ADMIN_ROLES),
            kind=input.kind,
            severity=input.severity,
            title=input.title,
            body=input.body,
            advice=input.advice,
            region_codes=[node_key(r, "Region", "regionIds") for r in input.region_ids],
            valid_from=input.valid_from,
            valid_until=input.valid_until,
            pace=Pace.from_settings(context.settings),
        )
        return AlertPayload(alert=Alert.from_doc(doc))
