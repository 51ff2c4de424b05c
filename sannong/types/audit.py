"""The audit log of admin actions and refusals."""

from datetime import datetime
from typing import Any, Self

import strawberry
from strawberry import relay

from sannong.auth import Role
from sannong.rules.audit import AuditAction, AuditOutcome
from sannong.types.accounts import User
from sannong.types.regions import Region

strawberry.enum(
    AuditAction,
    description="发布、修改、撤回通知，答复工单，隐藏、恢复商品，授权，报价，预警，新增、更名地区",
)
strawberry.enum(AuditOutcome, description="Done, or refused (with the code and message)")


@strawberry.type(description="One admin action or refusal: who, what, where, when, outcome")
class AuditEntry:
    id: strawberry.ID
    action: AuditAction
    outcome: AuditOutcome
    code: str | None = strawberry.field(description="Why it was refused, e.g. FORBIDDEN")
    detail: str | None = strawberry.field(description="What it concerned, or the refusal")
    actor_role: Role
    at: datetime
    doc: strawberry.Private[dict[str, Any]]

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Self:
        return cls(
            id=strawberry.ID(str(doc["_id"])),
            action=AuditAction(doc["action"]),
            outcome=AuditOutcome(doc["outcome"]),
            code=doc.get("code"),
            detail=doc.get("detail"),
            actor_role=Role(doc["actorRole"]),
            at=doc["at"],
            doc=doc,
        )

    @strawberry.field
    async def actor(self, info: strawberry.Info) -> User | None:
        return await User.load(info, self.doc["actorId"])

    @strawberry.field(description="The region the action concerned")
    async def region(self, info: strawberry.Info) -> Region | None:
        return await Region.load(info, self.doc.get("regionId"))

    @strawberry.field(description="Global ID of what it concerned (a Notice, Feedback…)")
    def target_id(self) -> relay.GlobalID | None:
        kind, key = self.doc.get("targetType"), self.doc.get("targetKey")
        return None if kind is None or key is None else relay.GlobalID(kind, str(key))


@strawberry.input
class AuditFilter:
    region_id: relay.GlobalID | None = strawberry.field(
        default=None, description="A region the admin administers; default its own"
    )
    action: AuditAction | None = None
    outcome: AuditOutcome | None = None
