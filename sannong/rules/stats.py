"""Platform statistics of a region subtree, for its admins: one aggregate per domain.

Figures are counted from the documents themselves (no counters to drift) and kept by
the process for a minute, so a console refreshing its charts costs the database one
aggregate per domain per minute, however many admins look.
"""

import time
from typing import Any

from sannong.auth import ADMIN_ROLES, Viewer, require_role
from sannong.db import Collection, Database
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
        "feedback": await _feedback(db, code),
        "questions": await _by_status(db.questions, code),  # index questions(path)
        "consultations": await _consultations(db, code),
        "notices": {
            "published": await db.notices.count_documents({"path": code}),
            "receipts": await _receipts(db, code),
        },
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


async def _by_status(collection: Collection, code: str) -> dict[str, int]:
    groups = await (
        await collection.aggregate(
            [{"$match": {"path": code}}, {"$group": {"_id": "$status", "count": {"$sum": 1}}}]
        )
    ).to_list()
    return {g["_id"]: g["count"] for g in groups}


async def _receipts(db: Database, code: str) -> dict[str, int]:
    """Reads and acknowledgements by residents of the subtree (receipts carry the
    reader's village path)."""
    groups = await (
        await db.notice_reads.aggregate(
            [
                {"$match": {"path": code}},
                {
                    "$group": {
                        "_id": None,
                        "read": {"$sum": 1},
                        "acknowledged": {
                            "$sum": {"$cond": [{"$ne": ["$acknowledgedAt", None]}, 1, 0]}
                        },
                    }
                },
            ]
        )
    ).to_list()
    return (
        {"read": groups[0]["read"], "acknowledged": groups[0]["acknowledged"]}
        if groups
        else {
            "read": 0,
            "acknowledged": 0,
        }
    )


async def _feedback(db: Database, code: str) -> dict[str, Any]:
    """Tickets per state, the mean time to close one, and the ratings given."""
    pipeline: list[dict[str, Any]] = [
        {"$match": {"path": code}},  # index feedback(path, status, …)
        {
            "$facet": {
                "byStatus": [{"$group": {"_id": "$status", "count": {"$sum": 1}}}],
                "closed": [
                    {"$match": {"closedAt": {"$ne": None}}},
                    {
                        "$group": {
                            "_id": None,
                            "ms": {"$avg": {"$subtract": ["$closedAt", "$createdAt"]}},
                        }
                    },
                ],
                "ratings": [
                    {"$match": {"rating": {"$ne": None}}},
                    {
                        "$group": {
                            "_id": "$rating.outcome",
                            "count": {"$sum": 1},
                            "stars": {"$avg": "$rating.stars"},
                        }
                    },
                ],
            }
        },
    ]
    (result,) = await (await db.feedback.aggregate(pipeline)).to_list()
    closed = result["closed"]
    return {
        "byStatus": {g["_id"]: g["count"] for g in result["byStatus"]},
        "meanHoursToClose": closed[0]["ms"] / 3_600_000 if closed else None,
        "ratings": {g["_id"]: (g["count"], g["stars"]) for g in result["ratings"]},
    }


async def _consultations(db: Database, code: str) -> dict[str, dict[str, int]]:
    """Bookings of the subtree's farmers per month of their start (China's calendar) and
    state: {"2026-05": {"COMPLETED": 3, "NO_SHOW": 1}}."""
    month = {"$dateToString": {"format": "%Y-%m", "date": "$startsAt", "timezone": "Asia/Shanghai"}}
    groups = await (
        await db.consultations.aggregate(
            [
                {"$match": {"path": code}},  # index consultations(path, status)
                {"$group": {"_id": {"month": month, "status": "$status"}, "count": {"$sum": 1}}},
            ]
        )
    ).to_list()
    by_month: dict[str, dict[str, int]] = {}
    for g in groups:
        by_month.setdefault(g["_id"]["month"], {})[g["_id"]["status"]] = g["count"]
    return by_month
