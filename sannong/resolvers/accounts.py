"""Accounts: register, sign in and out, profile, roles."""

import strawberry

from sannong.auth import Role, require_role
from sannong.context import Context
from sannong.rules import accounts as rules
from sannong.rules.audit import AuditAction
from sannong.types.accounts import (
    AuthPayload,
    GrantRoleInput,
    LoginInput,
    RegisterInput,
    UpdateProfileInput,
    User,
    UserPayload,
)
from sannong.types.common import mutation, node_key, object_key


@strawberry.type
class AccountQuery:
    @strawberry.field(description="The signed-in person, or null")
    async def me(self, info: strawberry.Info[Context]) -> User | None:
        viewer = await info.context.viewer()
        return None if viewer is None else await User.load(info, viewer.id)


@strawberry.type
class AccountMutation:
    @mutation("Create a farmer account and sign in")
    async def register(self, info: strawberry.Info[Context], input: RegisterInput) -> AuthPayload:
        context = info.context
        token, session, user = await rules.register(
            context,
            context.services.passwords,
            context.settings,
            address=context.client_address,
            phone=input.phone,
            password=input.password,
            name=input.name,
            village_code=node_key(input.village_id, "Region", "villageId"),
        )
        context.sign_in(user, session)
        return AuthPayload(token=token, user=User.from_doc(user))

    @mutation("Sign in with phone and password")
    async def login(self, info: strawberry.Info[Context], input: LoginInput) -> AuthPayload:
        context = info.context
        token, session, user = await rules.login(
            context.db,
            context.services.passwords,
            context.settings,
            address=context.client_address,
            phone=input.phone,
            password=input.password,
        )
        context.sign_in(user, session)
        return AuthPayload(token=token, user=User.from_doc(user))

    @strawberry.mutation(description="Revoke the token of this request")
    async def logout(self, info: strawberry.Info[Context]) -> bool:
        await rules.logout(info.context.db, await info.context.require_viewer())
        return True

    @mutation("Change name, village or password (password needs the old one)")
    async def update_profile(
        self, info: strawberry.Info[Context], input: UpdateProfileInput
    ) -> UserPayload:
        context = info.context
        village = input.village_id
        user = await rules.update_profile(
            context,
            context.services.passwords,
            await context.require_viewer(),
            name=input.name,
            village_code=None if village is None else node_key(village, "Region", "villageId"),
            current_password=input.current_password,
            new_password=input.new_password,
        )
        return UserPayload(user=User.from_doc(user))

    @mutation(
        "Platform admins: make someone a farmer, expert or admin", audit=AuditAction.GRANT_ROLE
    )
    async def grant_role(
        self, info: strawberry.Info[Context], input: GrantRoleInput
    ) -> UserPayload:
        context = info.context
        admin = require_role(await context.viewer(), Role.PLATFORM_ADMIN)
        region = input.region_id
        user = await rules.grant_role(
            context,
            admin,
            user_id=object_key(input.user_id, "User", "userId"),
            role=input.role,
            region_code=None if region is None else node_key(region, "Region", "regionId"),
        )
        return UserPayload(user=User.from_doc(user))
