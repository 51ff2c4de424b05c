"""Admins find the people of their subtree, and the listings people reported to them."""

import re
from typing import Any

from sannong.auth import ADMIN_ROLES, Role, Viewer, require_role
from sannong.db import Database
from sannong.db.pagination import Page, paginate
from sannong.errors import BadUserInput, Forbidden
from sannong.loaders import HasLoaders
from sannong.loaders.accounts import UserById
from sannong.rules.regions import region_of_input
from sannong.validation import Checks

PHONE = re.compile(r"1\d{10}")
MAX_SEARCH = 20


async def people_query(
    context: HasLoaders,
    viewer: Viewer | None,
    *,
    region_code: str | None,
    role: Role | None,
    text: str | None,
) -> dict[str, Any]:
    """The filter of `users(filter)`: inside the admin's subtree (or the part of it named),
    by role, and by a whole phone number or the start of a name."""
    admin = require_role(viewer, *ADMIN_ROLES)
    checks = Checks()
    text = checks.text("text", text, label="姓名或手机号", max_length=MAX_SEARCH, min_length=0)
    region = None
    if region_code is not None:
        region = await region_of_input(context, region_code, checks, "regionId")
    if checks.errors:  # a query has no payload: the first failure is a coded error
        failure = checks.errors[0]
        raise BadUserInput(failure.message, field=failure.field)
    if region is not None and not admin.administers(region["path"]):
        raise Forbidden("该地区不在您的管理范围内")
    # index users(path, _id) and users(path, role, _id); a phone is unique, indexed alone
    query: dict[str, Any] = {"path": region["_id"] if region else admin.scope_path[-1]}
    if role is not None:
        query["role"] = role.value
    if text:
        if PHONE.fullmatch(text):
            query["phone"] = text
        else:  # a prefix, escaped: the text is never a pattern of its own
            query["name"] = {"$regex": "^" + re.escape(text)}
    return query


def reported_listings_query(viewer: Viewer | None) -> dict[str, Any]:
    """Listings of the admin's subtree that someone reported, newest report first."""
    admin = require_role(viewer, *ADMIN_ROLES)
    # index listings(path, lastReportedAt, _id)
    return {"path": admin.scope_path[-1], "reportCount": {"$gt": 0}}


async def browse_people(
    context: HasLoaders,
    viewer: Viewer | None,
    *,
    region_code: str | None,
    role: Role | None,
    text: str | None,
    first: int | None,
    after: str | None,
) -> Page:
    """One page of `users(filter)`, newest first, as the user loader reads people."""
    query = await people_query(context, viewer, region_code=region_code, role=role, text=text)
    return await paginate(
        context.db.users, query, first=first, after=after, projection=UserById.projection
    )


async def reported_listings(
    db: Database, viewer: Viewer | None, *, first: int | None, after: str | None
) -> Page:
    """One page of the listings of the admin's subtree that someone reported."""
    return await paginate(
        db.listings,
        reported_listings_query(viewer),
        sort_key="lastReportedAt",
        first=first,
        after=after,
        projection={"searchTokens": 0},
    )
