"""Platform statistics of a region subtree, for its admins: one aggregate per domain.

Figures are counted from the documents themselves (no counters to drift) and kept by
the process for a minute, so a console refreshing its charts costs the database one
aggregate per domain per minute, however many admins look.
"""

import time
from typing import Any

from sannong.auth import ADMIN_ROLES, Viewer, require_role
from sannong.db import Database
from sannong.errors import Forbidden

KEPT_SECONDS = 60.0
_kept: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}


def stats_region(viewer: Viewer | None, region: dict[str, Any] | None) -> str:
    """The region whose figures an admin may see: its own subtree or a region inside it."""
    admin = require_role(viewer, *ADMIN_ROLES)
    if region is None:
        return admin.scope_path[-1]
    if not admin.administers(region["path"]):
        raise Forbidden("该地区不在您的管理范围内")
    return str(region["_id"])


async def platform_stats(db: Database, region: dict[str, Any]) -> dict[str, Any]:
    key = (db.name, str(region["_id"]))
    kept = _kept.get(key)
    if kept is not None and time.monotonic() - kept[0] < KEPT_SECONDS:
        return kept[1]
    code, below = region["_id"], len(region["path"])  # `path[below]`: the level under it
    figures = {
        "people": await _people(db, code, below),
        "orders": await _orders(db, code),
        "activeListings": await db.listings.count_documents(
            {"path": code, "status": "ACTIVE"}  # index listings(path, status, …)
        ),
        "computedAt": time.time(),
    }
    _kept[key] = (time.monotonic(), figures)
    return figures


async def _people(db: Database, code: str, below: int) -> dict[str, Any]:
    pipeline: list[dict[str, Any]] = [
        {"$match": {"path": code}},  # index users(path, _id)
        {
            "$facet": {
                "bySubregion": [
                    {"$group": {"_id": {"$arrayElemAt": ["$path", below]}, "count": {"$sum": 1}}}
                ],
                "byRole": [{"$group": {"_id": "$role", "count": {"$sum": 1}}}],
            }
        },
    ]
    (result,) = await (await db.users.aggregate(pipeline)).to_list()
    return {
        "bySubregion": {g["_id"]: g["count"] for g in result["bySubregion"] if g["_id"]},
        "byRole": {g["_id"]: g["count"] for g in result["byRole"]},
    }


async def _orders(db: Database, code: str) -> dict[str, dict[str, int]]:
    """Count and amount (fen) per status."""
    groups = await (
        await db.orders.aggregate(
            [
                {"$match": {"path": code}},  # index orders(path, status)
                {
                    "$group": {
                        "_id": "$status",
                        "count": {"$sum": 1},
                        "amountFen": {"$sum": "$totalFen"},
                    }
                },
            ]
        )
    ).to_list()
    return {g["_id"]: {"count": g["count"], "amountFen": g["amountFen"]} for g in groups}
