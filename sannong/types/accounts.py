"""Accounts: people, their roles and what their sign-in returns."""

from datetime import datetime
from typing import Any, Self

import strawberry
from strawberry import relay

from sannong.auth import Role
from sannong.loaders.accounts import UserById
from sannong.rules.accounts import phone_visible_to
from sannong.rules.notices import unread_notice_count
from sannong.rules.notifications import unread_count
from sannong.security import mask_phone
from sannong.types.common import DocumentNode, UserError
from sannong.types.prices import Commodity
from sannong.types.regions import Region

strawberry.enum(Role, description="What a person may do on the platform")


@strawberry.type(description="A person on the platform")
class User(DocumentNode):
    loader = UserById

    key: relay.NodeID[str]
    name: str
    role: Role
    created_at: datetime
    doc: strawberry.Private[dict[str, Any]]
    # Set where the relation itself shows the number (the other party of an accepted order).
    phone_shown: strawberry.Private[bool] = False

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Self:
        return cls(
            key=str(doc["_id"]),
            name=doc["name"],
            role=Role(doc["role"]),
            created_at=doc["createdAt"],
            doc=doc,
        )

    @strawberry.field(
        description="Masked (138****1234) except to the owner, admins of their region and "
        "the other party of an accepted order (as that order's buyer or seller)"
    )
    async def phone(self, info: strawberry.Info) -> str:
        phone: str = self.doc["phone"]
        if self.phone_shown or phone_visible_to(await info.context.viewer(), self.doc):
            return phone
        return mask_phone(phone)

    @strawberry.field(description="Unread in-app notifications; only for the person themself")
    async def unread_notification_count(self, info: strawberry.Info) -> int | None:
        viewer = await info.context.viewer()
        if viewer is None or viewer.id != self.doc["_id"]:
            return None
        return await unread_count(info.context.db, viewer.id)

    @strawberry.field(
        description="Notices in force for the person's village not opened yet; only for "
        "the person themself"
    )
    async def unread_notice_count(self, info: strawberry.Info) -> int | None:
        viewer = await info.context.viewer()
        if viewer is None or viewer.id != self.doc["_id"]:
            return None
        return await unread_notice_count(info.context, viewer)

    @strawberry.field(description="The village the person lives in")
    async def village(self, info: strawberry.Info) -> Region | None:
        return await Region.load(info, self.doc["regionId"])

    @strawberry.field(description="The region an admin administers")
    async def admin_region(self, info: strawberry.Info) -> Region | None:
        return await Region.load(info, self.doc.get("scopeRegionId"))

    @strawberry.field(description="Commodities whose prices the person follows")
    async def followed_commodities(self, info: strawberry.Info) -> list[Commodity]:
        return await Commodity.load_many(info, self.doc.get("followedCommodityIds", []))


@strawberry.type
class AuthPayload:
    token: str | None = None
    user: User | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class UserPayload:
    user: User | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class RegisterInput:
    phone: str
    password: str
    name: str
    village_id: relay.GlobalID


@strawberry.input
class LoginInput:
    phone: str
    password: str


@strawberry.input
class UpdateProfileInput:
    name: str | None = None
    village_id: relay.GlobalID | None = None
    current_password: str | None = None
    new_password: str | None = None


@strawberry.input
class GrantRoleInput:
    user_id: relay.GlobalID
    role: Role
    region_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Required for admin roles: the region administered"
    )
