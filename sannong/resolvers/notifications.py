"""The in-app inbox: what the platform told a person (price alerts first)."""

import strawberry

from sannong.context import Context
from sannong.db import object_id
from sannong.rules import notifications as rules
from sannong.types.common import Connection, mutation
from sannong.types.notifications import (
    MarkNotificationsReadInput,
    Notification,
    NotificationsPayload,
)


@strawberry.type
class NotificationQuery:
    @strawberry.field(description="The signed-in person's notifications, newest first")
    async def my_notifications(
        self, info: strawberry.Info[Context], first: int | None = None, after: str | None = None
    ) -> Connection[Notification]:
        viewer = await info.context.require_viewer()
        page = await rules.my_notifications(info.context.db, viewer, first=first, after=after)
        return Connection[Notification].from_page(page, Notification.from_doc)


@strawberry.type
class NotificationMutation:
    @mutation("Mark my notifications read: these ids, or all of them")
    async def mark_notifications_read(
        self, info: strawberry.Info[Context], input: MarkNotificationsReadInput
    ) -> NotificationsPayload:
        context = info.context
        viewer = await context.require_viewer()
        ids = None if input.ids is None else [object_id(str(i)) for i in input.ids]
        marked = await rules.mark_notifications_read(context.db, viewer, ids)
        unread = await rules.unread_count(context.db, viewer.id)
        return NotificationsPayload(marked_count=marked, unread_count=unread)
