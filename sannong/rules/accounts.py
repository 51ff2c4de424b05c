"""Accounts: who may sign up and in, sessions, profiles and roles.

Used by the GraphQL mutations, `sannong create-admin` and the demo seed. Bearer
tokens are random and stored only as hashes; a session expires by a TTL index
and is deleted on logout, on a password change (other devices) and on a role change.
"""

import re
from datetime import timedelta
from enum import StrEnum
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from sannong import throttle
from sannong.auth import Role, Viewer, require_admin_of
from sannong.clock import now
from sannong.db import Database
from sannong.errors import InputErrorCode, RateLimited, RuleError, Unauthenticated
from sannong.integrations.events import Topic, publish
from sannong.loaders import HasLoaders
from sannong.loaders.accounts import UserById
from sannong.loaders.prices import CommodityById
from sannong.rules import audit
from sannong.rules.reference import changed
from sannong.rules.regions import RegionLevel, region_of_input
from sannong.security import Passwords, hash_token, new_token
from sannong.settings import Settings
from sannong.validation import Checks

NAME_MAX = 20
MAX_FOLLOWED = 30
_PUBLIC = {"passwordHash": 0}


class AccountErrorCode(StrEnum):
    INVALID_PHONE = "INVALID_PHONE"
    WEAK_PASSWORD = "WEAK_PASSWORD"
    PHONE_TAKEN = "PHONE_TAKEN"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    UNKNOWN_COMMODITY = "UNKNOWN_COMMODITY"


PHONE = re.compile(r"1[3-9]\d{9}")
_OPERATOR_LIKE = re.compile(r"^\s*\$")
COMMON_PASSWORDS = frozenset(
    {
        "12345678",
        "123456789",
        "password",
        "password1",
        "qwerty123",
        "11111111",
        "88888888",
        "abc12345",
        "a1234567",
        "iloveyou",
        "1qaz2wsx",
        "woaini1314",
        "aa123456",
        "qq123456",
    }
)


def check_phone(checks: Checks, field: str, value: str) -> str:
    value = value.strip().replace(" ", "").replace("-", "")
    if value.startswith("+86"):
        value = value[3:]
    if not PHONE.fullmatch(value):
        checks.fail(field, "请输入 11 位中国大陆手机号", AccountErrorCode.INVALID_PHONE)
    return value


def check_password(checks: Checks, field: str, value: str) -> str:
    if len(value) < 8:
        checks.fail(field, "密码至少 8 位", AccountErrorCode.WEAK_PASSWORD)
    elif len(value) > 64:
        checks.fail(field, "密码不能超过 64 位", InputErrorCode.TOO_LONG)
    elif not (re.search(r"[A-Za-z]", value) and re.search(r"\d", value)):
        checks.fail(field, "密码需同时包含字母和数字", AccountErrorCode.WEAK_PASSWORD)
    elif value.lower() in COMMON_PASSWORDS:
        checks.fail(field, "密码过于常见，请换一个", AccountErrorCode.WEAK_PASSWORD)
    return value


def phone_visible_to(viewer: Viewer | None, user: dict[str, Any]) -> bool:
    """A phone number is the person's own, and their region's admins'."""
    return viewer is not None and (viewer.id == user["_id"] or viewer.administers(user["path"]))


def user_document(
    *,
    phone: str,
    password_hash: str,
    name: str,
    village: dict[str, Any],
    role: Role = Role.FARMER,
    scope: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An account as stored (the demo seed builds its farmers with it too)."""
    return {
        "phone": phone,
        "passwordHash": password_hash,
        "name": name,
        "role": role.value,
        "regionId": village["_id"],
        "path": village["path"],
        "scopeRegionId": scope["_id"] if scope else None,
        "scopePath": scope["path"] if scope else [],
        "createdAt": now(),
    }


BELOW_COUNTY = ("TOWNSHIP", "VILLAGE")


def scope_problem(role: Role, scope: dict[str, Any] | None) -> str | None:
    """Why `scope` cannot be the region an account of `role` administers, or None
    (`grantRole` and `sannong create-admin`). A township admin administers one
    township, a platform admin a county or more; farmers and experts nothing."""
    if role not in (Role.TOWNSHIP_ADMIN, Role.PLATFORM_ADMIN):
        return None
    if scope is None:
        return "请选择管理的地区"
    if role is Role.TOWNSHIP_ADMIN and scope["level"] != "TOWNSHIP":
        return "乡镇管理员应管理乡镇（街道）一级的地区"
    if role is Role.PLATFORM_ADMIN and scope["level"] in BELOW_COUNTY:
        return "平台管理员应管理县级或以上地区"
    return None


async def create_user(
    db: Database,
    passwords: Passwords,
    *,
    phone: str,
    password: str,
    name: str,
    village: dict[str, Any],
    role: Role = Role.FARMER,
    scope: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Stores a new account (used by `register`, `create-admin` and the demo seed)."""
    doc = user_document(
        phone=phone,
        password_hash=await passwords.hash(password),
        name=name,
        village=village,
        role=role,
        scope=scope,
    )
    try:
        result = await db.users.insert_one(doc)
    except DuplicateKeyError as error:
        raise RuleError("phone", "该手机号已注册", AccountErrorCode.PHONE_TAKEN) from error
    doc["_id"] = result.inserted_id
    return doc


async def open_session(
    db: Database, user_id: ObjectId, ttl: timedelta
) -> tuple[str, dict[str, Any]]:
    """A new bearer token and its session; only the hash is stored, expiring by the TTL index."""
    token = new_token()
    at = now()
    session = {
        "tokenHash": hash_token(token),
        "userId": user_id,
        "createdAt": at,
        "expiresAt": at + ttl,
    }
    session["_id"] = (await db.sessions.insert_one(session)).inserted_id
    return token, session


async def resolve_token(context: HasLoaders, token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The session and user of a bearer token; expired or revoked tokens are refused.

    The session is read every time (a revocation counts at once); the person comes
    through the process's copies, which a change to them drops."""
    # One equality on the unique key: the embedded engine answers it from that index,
    # and scans the collection for the same lookup with an expiry range beside it.
    session = await context.db.sessions.find_one({"tokenHash": hash_token(token)})
    if session is not None and session["expiresAt"] <= now():
        session = None  # expired; the TTL index removes it soon
    user = session and await UserById.of(context).load(session["userId"])
    if session is None or user is None:
        raise Unauthenticated("登录已失效，请重新登录")
    return session, user


async def revoke_sessions(db: Database, user_id: ObjectId, *, keep: ObjectId | None = None) -> None:
    """Every token of a user but `keep` stops working; their open subscriptions end now."""
    query: dict[str, Any] = {"userId": user_id}
    if keep is not None:
        query["_id"] = {"$ne": keep}
    await db.sessions.delete_many(query)
    await publish(db, Topic.SESSIONS, [user_id])


async def logout(db: Database, viewer: Viewer) -> None:
    """The token stops working, and its open subscriptions end now."""
    await db.sessions.delete_one({"_id": viewer.session_id})
    await publish(db, Topic.SESSIONS, [viewer.session_id])


def _ttl(settings: Settings) -> timedelta:
    return timedelta(hours=settings.token_ttl_hours)


async def register(
    context: HasLoaders,
    passwords: Passwords,
    settings: Settings,
    *,
    address: str,
    phone: str,
    password: str,
    name: str,
    village_code: str,
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """A new farmer, signed in: (token, session, user)."""
    db = context.db
    window = settings.login_window_seconds
    if await throttle.hit(db, "register-address", address, window) > (
        settings.register_max_per_address
    ):
        raise RateLimited("注册过于频繁，请稍后再试")
    checks = Checks()
    phone = check_phone(checks, "phone", phone)
    password = check_password(checks, "password", password)
    checked_name = checks.text("name", name, label="姓名", max_length=NAME_MAX)
    village = await region_of_input(
        context, village_code, checks, "villageId", level=RegionLevel.VILLAGE
    )
    checks.raise_if_any()
    assert checked_name is not None and village is not None
    user = await create_user(
        db, passwords, phone=phone, password=password, name=checked_name, village=village
    )
    token, session = await open_session(db, user["_id"], _ttl(settings))
    return token, session, user


async def login(
    db: Database,
    passwords: Passwords,
    settings: Settings,
    *,
    address: str,
    phone: str,
    password: str,
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """Signs in: (token, session, user). Throttled per address and per phone.

    The attempt on a phone is claimed (counted) before the password is checked and
    given back on success, so concurrent wrong guesses cannot all pass the limit.
    """
    checks = Checks()
    phone = check_phone(checks, "phone", phone)
    checks.raise_if_any()
    window = settings.login_window_seconds
    if await throttle.hit(db, "login-address", address, window) > (
        settings.login_max_attempts_per_address
    ):
        raise RateLimited("登录尝试过于频繁，请稍后再试")
    if await throttle.hit(db, "login-phone", phone, window) > settings.login_max_failures_per_phone:
        raise RateLimited(f"该手机号登录失败次数过多，请 {window // 60} 分钟后再试")
    user = await db.users.find_one({"phone": phone})
    # The decoy hash is verified for an unknown phone: same answer, same time.
    valid = await passwords.verify(user["passwordHash"] if user else None, password)
    if user is None or not valid:
        raise RuleError(None, "手机号或密码错误", AccountErrorCode.INVALID_CREDENTIALS)
    await throttle.give_back(db, "login-phone", phone, window)  # only failures count
    token, session = await open_session(db, user["_id"], _ttl(settings))
    return token, session, user


async def _update_user(db: Database, user_id: ObjectId, changes: dict[str, Any]) -> dict[str, Any]:
    doc = (
        await db.users.find_one_and_update(
            {"_id": user_id},
            {"$set": changes},
            projection=_PUBLIC,
            return_document=ReturnDocument.AFTER,
        )
        if changes
        else await db.users.find_one({"_id": user_id}, _PUBLIC)
    )
    assert doc is not None
    if changes:
        await changed(db, "users", [user_id])
    return doc


async def update_profile(
    context: HasLoaders,
    passwords: Passwords,
    viewer: Viewer,
    *,
    name: str | None,
    village_code: str | None,
    current_password: str | None,
    new_password: str | None,
) -> dict[str, Any]:
    """Name, village or password (with the old one); a new password signs out other devices."""
    db = context.db
    checks = Checks()
    changes: dict[str, Any] = {}
    if name is not None:
        changes["name"] = checks.text("name", name, label="姓名", max_length=NAME_MAX)
    if village_code is not None:
        village = await region_of_input(
            context, village_code, checks, "villageId", level=RegionLevel.VILLAGE
        )
        if village is not None:
            changes |= {"regionId": village["_id"], "path": village["path"]}
    if new_password is not None:
        new_password = check_password(checks, "newPassword", new_password)
        stored = await db.users.find_one({"_id": viewer.id}, {"passwordHash": 1})
        if not await passwords.verify(
            stored["passwordHash"] if stored else None, current_password or ""
        ):
            checks.fail("currentPassword", "原密码不正确", AccountErrorCode.INVALID_CREDENTIALS)
        elif not checks.errors:
            changes["passwordHash"] = await passwords.hash(new_password)
    checks.raise_if_any()
    user = await _update_user(db, viewer.id, changes)
    if "passwordHash" in changes:
        # Every other device must sign in again with the new password.
        await revoke_sessions(db, viewer.id, keep=viewer.session_id)
    return user


async def _grant_scope(
    context: HasLoaders, role: Role, region_code: str | None, checks: Checks
) -> dict[str, Any] | None:
    if role not in (Role.TOWNSHIP_ADMIN, Role.PLATFORM_ADMIN):
        return None
    if region_code is None:
        checks.fail("regionId", "请选择管理的地区", InputErrorCode.REQUIRED)
        return None
    region = await region_of_input(context, region_code, checks, "regionId")
    if region is not None and (problem := scope_problem(role, region)):
        checks.fail("regionId", problem, InputErrorCode.INVALID)
    return region


async def grant_role(
    context: HasLoaders,
    admin: Viewer,
    *,
    user_id: ObjectId | None,
    role: Role,
    region_code: str | None,
) -> dict[str, Any]:
    """A platform admin makes someone of its region a farmer, expert or admin of a region in it."""
    db = context.db
    target = None if user_id is None else await db.users.find_one({"_id": user_id}, _PUBLIC)
    if target is None:
        raise RuleError("userId", "用户不存在", InputErrorCode.NOT_FOUND)
    audit.concerns(target["path"], "User", target["_id"], detail=role.value)
    require_admin_of(admin, target["path"])
    if target["_id"] == admin.id:
        raise RuleError("userId", "不能修改自己的角色", InputErrorCode.INVALID)
    checks = Checks()
    scope = await _grant_scope(context, role, region_code, checks)
    checks.raise_if_any()
    if scope is not None:
        require_admin_of(admin, scope["path"])
    user = await _update_user(
        db,
        target["_id"],
        {
            "role": role.value,
            "scopeRegionId": scope["_id"] if scope else None,
            "scopePath": scope["path"] if scope else [],
        },
    )
    if role.value != target["role"]:
        await revoke_sessions(db, target["_id"])  # powers change: sign in anew
    return user


async def follow_commodities(
    context: HasLoaders, viewer: Viewer, commodity_codes: list[str]
) -> dict[str, Any]:
    """Sets the commodities whose prices the person follows (the home screen shows them)."""
    db = context.db
    keys = list(dict.fromkeys(commodity_codes))
    if len(keys) > MAX_FOLLOWED:
        raise RuleError("commodityIds", f"最多关注 {MAX_FOLLOWED} 个品种", InputErrorCode.TOO_MANY)
    found = await CommodityById.of(context).load_many(keys)
    if any(doc is None for doc in found):
        raise RuleError("commodityIds", "有品种不存在", AccountErrorCode.UNKNOWN_COMMODITY)
    return await _update_user(db, viewer.id, {"followedCommodityIds": keys})
