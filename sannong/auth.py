"""Who is asking, and what they may do.

An admin's power is limited to its region subtree: a township admin to its
township, a platform admin to the region it was granted (a county or a province).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any

import strawberry
from bson import ObjectId
from pymongo.asynchronous.database import AsyncDatabase

from sannong.errors import Forbidden, Unauthenticated
from sannong.integrations.events import Topic, publish
from sannong.security import hash_token, new_token


@strawberry.enum(description="What a person may do on the platform")
class Role(Enum):
    FARMER = "FARMER"
    EXPERT = "EXPERT"
    TOWNSHIP_ADMIN = "TOWNSHIP_ADMIN"
    PLATFORM_ADMIN = "PLATFORM_ADMIN"


ADMIN_ROLES = frozenset({Role.TOWNSHIP_ADMIN, Role.PLATFORM_ADMIN})


@dataclass(frozen=True)
class Viewer:
    id: ObjectId
    role: Role
    session_id: ObjectId
    region_path: tuple[str, ...]  # the village the person lives in, root first
    scope_path: tuple[str, ...]  # the region an admin administers, root first; empty otherwise

    @classmethod
    def from_docs(cls, user: dict[str, Any], session: dict[str, Any]) -> "Viewer":
        return cls(
            id=user["_id"],
            role=Role(user["role"]),
            session_id=session["_id"],
            region_path=tuple(user.get("path", ())),
            scope_path=tuple(user.get("scopePath", ())),
        )

    @property
    def is_admin(self) -> bool:
        return self.role in ADMIN_ROLES and bool(self.scope_path)

    def administers(self, region_path: list[str] | tuple[str, ...]) -> bool:
        """True when the region (given by its root-first path) lies in this admin's subtree."""
        return self.is_admin and self.scope_path[-1] in region_path


def require_role(viewer: Viewer | None, *roles: Role) -> Viewer:
    if viewer is None:
        raise Unauthenticated()
    if viewer.role not in roles:
        raise Forbidden()
    return viewer


def require_admin_of(viewer: Viewer | None, region_path: list[str] | tuple[str, ...]) -> Viewer:
    viewer = require_role(viewer, *ADMIN_ROLES)
    if not viewer.administers(region_path):
        raise Forbidden("该地区不在您的管理范围内")
    return viewer


async def open_session(
    db: AsyncDatabase, user_id: ObjectId, ttl: timedelta
) -> tuple[str, dict[str, Any]]:
    """A new bearer token and its session; only the hash is stored, expiring by the TTL index."""
    token = new_token()
    now = datetime.now(UTC)
    session = {
        "tokenHash": hash_token(token),
        "userId": user_id,
        "createdAt": now,
        "expiresAt": now + ttl,
    }
    await db.sessions.insert_one(session)
    return token, session


async def resolve_token(db: AsyncDatabase, token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The session and user of a bearer token; expired or revoked tokens are refused."""
    session = await db.sessions.find_one(
        {"tokenHash": hash_token(token), "expiresAt": {"$gt": datetime.now(UTC)}}
    )
    user = session and await db.users.find_one({"_id": session["userId"]}, {"passwordHash": 0})
    if session is None or user is None:
        raise Unauthenticated("登录已失效，请重新登录")
    return session, user


async def close_session(db: AsyncDatabase, session_id: ObjectId) -> None:
    """Logout: the token stops working, and its open subscriptions end now."""
    await db.sessions.delete_one({"_id": session_id})
    await publish(db, Topic.SESSIONS, [session_id])


async def revoke_sessions(
    db: AsyncDatabase, user_id: ObjectId, *, keep: ObjectId | None = None
) -> None:
    """Every token of a user but `keep` stops working; their open subscriptions end now."""
    query: dict[str, Any] = {"userId": user_id}
    if keep is not None:
        query["_id"] = {"$ne": keep}
    await db.sessions.delete_many(query)
    await publish(db, Topic.SESSIONS, [user_id])
