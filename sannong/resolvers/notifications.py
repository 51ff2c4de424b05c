"""The in-app inbox: what the platform told a person (price alerts first)."""

import strawberry

from sannong.context import Context
from sannong.db.pagination import paginate
from sannong.types.common import Connection
from sannong.types.notifications import Notification


@strawberry.type
class NotificationQuery:
    @strawberry.field(description="The signed-in person's notifications, newest first")
    async def my_notifications(
        self, info: strawberry.Info[Context], first: int | None = None, after: str | None = None
    ) -> Connection[Notification]:
        viewer = await info.context.require_viewer()
        page = await paginate(  # index notifications(userId, createdAt, _id)
            info.context.db.notifications,
            {"userId": viewer.id},
            sort_key="createdAt",
            first=first,
            after=after,
        )
        return Connection[Notification].from_page(page, Notification.from_doc)
