"""Accounts: register, sign in and out, profile, roles."""

from datetime import timedelta
from typing import Any

import strawberry
from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from sannong import throttle
from sannong.auth import Role, open_session, require_admin_of, require_role, revoke_sessions
from sannong.context import Context
from sannong.errors import RateLimited
from sannong.loaders.accounts import UserById
from sannong.resolvers.regions import load_region
from sannong.rules.accounts import create_user, scope_problem
from sannong.types.accounts import (
    AuthPayload,
    GrantRoleInput,
    LoginInput,
    RegisterInput,
    UpdateProfileInput,
    User,
    UserPayload,
)
from sannong.types.common import UserErrorCode, UserErrors, object_key
from sannong.types.regions import RegionLevel
from sannong.validation import Checks

NAME_MAX = 20


def _ttl(context: Context) -> timedelta:
    return timedelta(hours=context.settings.token_ttl_hours)


async def _check_login_allowed(context: Context, phone: str) -> None:
    settings = context.settings
    window = settings.login_window_seconds
    attempts = await throttle.hit(context.db, "login-address", context.client_address, window)
    if attempts > settings.login_max_attempts_per_address:
        raise RateLimited("登录尝试过于频繁，请稍后再试")
    if await throttle.count(context.db, "login-phone", phone, window) >= (
        settings.login_max_failures_per_phone
    ):
        raise RateLimited(f"该手机号登录失败次数过多，请 {window // 60} 分钟后再试")


@strawberry.type
class AccountQuery:
    @strawberry.field(description="The signed-in person, or null")
    async def me(self, info: strawberry.Info[Context]) -> User | None:
        viewer = await info.context.viewer()
        if viewer is None:
            return None
        doc = await UserById.of(info.context).load(viewer.id)
        return User.from_doc(doc) if doc else None


@strawberry.type
class AccountMutation:
    @strawberry.mutation(description="Create a farmer account and sign in")
    async def register(self, info: strawberry.Info[Context], input: RegisterInput) -> AuthPayload:
        context = info.context
        window = context.settings.login_window_seconds
        registered = await throttle.hit(
            context.db, "register-address", context.client_address, window
        )
        if registered > context.settings.register_max_per_address:
            raise RateLimited("注册过于频繁，请稍后再试")
        checks = Checks()
        phone = checks.phone("phone", input.phone)
        password = checks.password("password", input.password)
        name = checks.text("name", input.name, label="姓名", max_length=NAME_MAX)
        village = await load_region(
            info, input.village_id, checks, "villageId", level=RegionLevel.VILLAGE
        )
        try:
            checks.raise_if_any()
            assert name is not None and village is not None
            user = await create_user(
                context.db,
                context.services.passwords,
                phone=phone,
                password=password,
                name=name,
                village=village,
            )
        except UserErrors as failed:
            return AuthPayload(user_errors=failed.errors)
        token, session = await open_session(context.db, user["_id"], _ttl(context))
        context.sign_in(user, session)
        return AuthPayload(token=token, user=User.from_doc(user))

    @strawberry.mutation(description="Sign in with phone and password")
    async def login(self, info: strawberry.Info[Context], input: LoginInput) -> AuthPayload:
        context = info.context
        checks = Checks()
        phone = checks.phone("phone", input.phone)
        if checks.errors:
            return AuthPayload(user_errors=checks.errors)
        await _check_login_allowed(context, phone)
        user = await context.db.users.find_one({"phone": phone})
        # The decoy hash is verified for an unknown phone: same answer, same time.
        valid = await context.services.passwords.verify(
            user["passwordHash"] if user else None, input.password
        )
        if user is None or not valid:
            await throttle.hit(
                context.db, "login-phone", phone, context.settings.login_window_seconds
            )
            return AuthPayload(
                user_errors=UserErrors.one(
                    None, "手机号或密码错误", UserErrorCode.INVALID_CREDENTIALS
                ).errors
            )
        token, session = await open_session(context.db, user["_id"], _ttl(context))
        context.sign_in(user, session)
        return AuthPayload(token=token, user=User.from_doc(user))

    @strawberry.mutation(description="Revoke the token of this request")
    async def logout(self, info: strawberry.Info[Context]) -> bool:
        viewer = await info.context.require_viewer()
        await info.context.db.sessions.delete_one({"_id": viewer.session_id})
        return True

    @strawberry.mutation(
        description="Change name, village or password (password needs the old one)"
    )
    async def update_profile(
        self, info: strawberry.Info[Context], input: UpdateProfileInput
    ) -> UserPayload:
        context = info.context
        viewer = await context.require_viewer()
        checks = Checks()
        changes: dict[str, Any] = {}
        if input.name is not None:
            changes["name"] = checks.text("name", input.name, label="姓名", max_length=NAME_MAX)
        if input.village_id is not None:
            village = await load_region(
                info, input.village_id, checks, "villageId", level=RegionLevel.VILLAGE
            )
            if village is not None:
                changes |= {"regionId": village["_id"], "path": village["path"]}
        if input.new_password is not None:
            new_password = checks.password("newPassword", input.new_password)
            stored = await context.db.users.find_one({"_id": viewer.id}, {"passwordHash": 1})
            if not await context.services.passwords.verify(
                stored["passwordHash"] if stored else None, input.current_password or ""
            ):
                checks.fail("currentPassword", "原密码不正确", UserErrorCode.INVALID_CREDENTIALS)
            elif not checks.errors:
                changes["passwordHash"] = await context.services.passwords.hash(new_password)
        if checks.errors:
            return UserPayload(user_errors=checks.errors)
        user = await _update_user(context.db, viewer.id, changes)
        if "passwordHash" in changes:
            # Every other device must sign in again with the new password.
            await revoke_sessions(context.db, viewer.id, keep=viewer.session_id)
        return UserPayload(user=User.from_doc(user))

    @strawberry.mutation(description="Platform admins: make someone a farmer, expert or admin")
    async def grant_role(
        self, info: strawberry.Info[Context], input: GrantRoleInput
    ) -> UserPayload:
        context = info.context
        viewer = require_role(await context.viewer(), Role.PLATFORM_ADMIN)
        target = await context.db.users.find_one(
            {"_id": object_key(input.user_id, "User", "userId")}, {"passwordHash": 0}
        )
        if target is None:
            return UserPayload(
                user_errors=UserErrors.one("userId", "用户不存在", UserErrorCode.NOT_FOUND).errors
            )
        require_admin_of(viewer, target["path"])
        if target["_id"] == viewer.id:
            return UserPayload(
                user_errors=UserErrors.one(
                    "userId", "不能修改自己的角色", UserErrorCode.INVALID
                ).errors
            )
        checks = Checks()
        scope = await _grant_scope(info, input, checks)
        if checks.errors:
            return UserPayload(user_errors=checks.errors)
        if scope is not None:
            require_admin_of(viewer, scope["path"])
        user = await _update_user(
            context.db,
            target["_id"],
            {
                "role": input.role.value,
                "scopeRegionId": scope["_id"] if scope else None,
                "scopePath": scope["path"] if scope else [],
            },
        )
        if input.role.value != target["role"]:
            await revoke_sessions(context.db, target["_id"])  # powers change: sign in anew
        return UserPayload(user=User.from_doc(user))


async def _grant_scope(
    info: strawberry.Info[Context], input: GrantRoleInput, checks: Checks
) -> dict[str, Any] | None:
    if input.role not in (Role.TOWNSHIP_ADMIN, Role.PLATFORM_ADMIN):
        return None
    if input.region_id is None:
        checks.fail("regionId", "请选择管理的地区", UserErrorCode.REQUIRED)
        return None
    region = await load_region(info, input.region_id, checks, "regionId")
    problem = scope_problem(input.role, region) if region is not None else None
    if problem is not None:
        checks.fail("regionId", problem, UserErrorCode.INVALID)
    return region


async def _update_user(
    db: AsyncDatabase, user_id: ObjectId, changes: dict[str, Any]
) -> dict[str, Any]:
    doc = (
        await db.users.find_one_and_update(
            {"_id": user_id},
            {"$set": changes},
            projection={"passwordHash": 0},
            return_document=ReturnDocument.AFTER,
        )
        if changes
        else await db.users.find_one({"_id": user_id}, {"passwordHash": 0})
    )
    assert doc is not None
    return doc
