"""Who is asking, and what they may do.

An admin's power is limited to its region subtree: a township admin to its
township, a platform admin to the region it was granted (a county or a province).
"""

from dataclasses import dataclass
from enum import Enum
from typing import Any

from bson import ObjectId

from sannong.errors import Forbidden, Unauthenticated


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
