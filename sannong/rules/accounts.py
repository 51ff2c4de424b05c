"""Account rules shared by `register`, `sannong create-admin` and the demo seed."""

from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from sannong.auth import Role
from sannong.security import Passwords
from sannong.types.common import UserErrorCode, UserErrors


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
