"""Weather, pest and disease warnings."""

from datetime import UTC, datetime
from typing import Any, Self

import strawberry
from strawberry import relay

from sannong.loaders.alerts import AlertById
from sannong.rules.alerts import AlertKind, AlertSeverity
from sannong.types.common import DocumentNode, UserError
from sannong.types.regions import Region

strawberry.enum(AlertKind, description="气象灾害、虫害、病害、动物疫情")
strawberry.enum(
    AlertSeverity, description="China's warning colours, from least to most severe: 蓝 黄 橙 红"
)


@strawberry.type(description="A weather, pest or disease warning for some regions and a period")
class Alert(DocumentNode):
    loader = AlertById

    key: relay.NodeID[str]
    kind: AlertKind
    severity: AlertSeverity
    title: str
    body: str
    advice: str | None = strawberry.field(description="What farmers should do")
    valid_from: datetime
    valid_until: datetime
    created_at: datetime
    doc: strawberry.Private[dict[str, Any]]

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Self:
        return cls(
            key=str(doc["_id"]),
            kind=AlertKind(doc["kind"]),
            severity=AlertSeverity(doc["severity"]),
            title=doc["title"],
            body=doc["body"],
            advice=doc.get("advice"),
            valid_from=doc["validFrom"],
            valid_until=doc["validUntil"],
            created_at=doc["createdAt"],
            doc=doc,
        )

    @strawberry.field(description="In force now")
    def active(self) -> bool:
        return self.valid_from <= datetime.now(UTC) < self.valid_until

    @strawberry.field(description="The regions warned")
    async def regions(self, info: strawberry.Info) -> list[Region]:
        return await Region.load_many(info, self.doc["regionIds"])


@strawberry.input
class CreateAlertInput:
    kind: AlertKind
    severity: AlertSeverity
    title: str
    body: str
    region_ids: list[relay.GlobalID] = strawberry.field(
        description="Regions warned (1 to 20), each within the admin's region"
    )
    valid_until: datetime
    valid_from: datetime | None = strawberry.field(default=None, description="Default: now")
    advice: str | None = None


@strawberry.type
class AlertPayload:
    alert: Alert | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
