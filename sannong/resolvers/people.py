"""Admins' views of their subtree: `users(filter)` and `listingReports`."""

import strawberry

from sannong.context import Context
from sannong.loaders.accounts import UserById
from sannong.rules import people as rules
from sannong.types.accounts import User
from sannong.types.common import Connection, node_key
from sannong.types.people import ReportedListing, UserFilter


@strawberry.type
class PeopleQuery:
    @strawberry.field(
        description="People of my subtree, newest first (admins; phones shown unmasked)"
    )
    async def users(
        self,
        info: strawberry.Info[Context],
        filter: UserFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[User]:
        context = info.context
        filter = filter or UserFilter()
        region = filter.region_id
        query = await rules.people_query(
            context,
            await context.viewer(),
            region_code=None if region is None else node_key(region, "Region", "regionId"),
            role=filter.role,
            text=filter.text,
        )
        return await Connection[User].find(
            context.db.users,
            query,
            User.from_doc,
            first=first,
            after=after,
            projection=UserById.projection,
        )

    @strawberry.field(description="Listings of my subtree that people reported (admins)")
    async def listing_reports(
        self, info: strawberry.Info[Context], first: int | None = None, after: str | None = None
    ) -> Connection[ReportedListing]:
        context = info.context
        return await Connection[ReportedListing].find(
            context.db.listings,
            rules.reported_listings_query(await context.viewer()),
            ReportedListing.from_doc,
            sort_key="lastReportedAt",
            first=first,
            after=after,
            projection={"searchTokens": 0},
        )
