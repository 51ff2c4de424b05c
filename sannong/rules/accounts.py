"""Account rules shared by `register`, `sannong create-admin` and the demo seed."""

from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from sannong.auth import Role
from sannong.security import Passwords
from sannong.types.common import UserErrorCode, UserErrors

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
    db: AsyncDatabase,
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
    doc: dict[str, Any] = {
        "phone": phone,
        "passwordHash": await passwords.hash(password),
        "name": name,
        "role": role.value,
        "regionId": village["_id"],
        "path": village["path"],
        "scopeRegionId": scope["_id"] if scope else None,
        "scopePath": scope["path"] if scope else [],
        "createdAt": datetime.now(UTC),
    }
    try:
        result = await db.users.insert_one(doc)
    except DuplicateKeyError as error:
        raise UserErrors.one("phone", "该手机号已注册", UserErrorCode.PHONE_TAKEN) from error
    doc["_id"] = result.inserted_id
    return doc
