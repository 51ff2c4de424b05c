"""The in-app inbox."""

from datetime import datetime
from typing import Any, Self

import strawberry
from strawberry import relay

from sannong.types.common import UserError


@strawberry.type(description="A message in the person's in-app inbox, e.g. a price alert")
class Notification:
    id: strawberry.ID
    kind: str = strawberry.field(description="PRICE_ALERT, …")
    title: str
    body: str
    created_at: datetime
    read: bool
    ref_id: strawberry.Private[Any]

    @strawberry.field(
        description="The consultation a CONSULTATION_* notification is about, to open it"
    )
    def consultation_id(self) -> relay.GlobalID | None:
        if not self.kind.startswith("CONSULTATION_") or self.ref_id is None:
            return None
        return relay.GlobalID("Consultation", str(self.ref_id))

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Self:
        return cls(
            id=strawberry.ID(str(doc["_id"])),
            kind=doc["kind"],
            title=doc["title"],
            body=doc["body"],
            created_at=doc["createdAt"],
            read=doc.get("readAt") is not None,
            ref_id=doc.get("refId"),
        )


@strawberry.input
class MarkNotificationsReadInput:
    ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Up to 100; omitted: every notification of mine"
    )


@strawberry.type
class NotificationsPayload:
    marked_count: int = strawberry.field(default=0, description="How many were unread")
    unread_count: int = strawberry.field(default=0, description="Unread after the change")
    user_errors: list[UserError] = strawberry.field(default_factory=list)
