"""Admins' views of their subtree: `users(filter)`, `listingReports`, `platformStats`."""

import strawberry
from strawberry import relay

from sannong.context import Context
from sannong.errors import NotFound
from sannong.loaders.regions import RegionById
from sannong.rules import people as rules
from sannong.rules import stats
from sannong.types.accounts import User
from sannong.types.common import Connection, node_key
from sannong.types.people import ReportedListing, UserFilter
from sannong.types.regions import Region
from sannong.types.stats import PlatformStats


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
        page = await rules.browse_people(
            context,
            await context.viewer(),
            region_code=None if region is None else node_key(region, "Region", "regionId"),
            role=filter.role,
            text=filter.text,
            first=first,
            after=after,
        )
        return Connection[User].from_page(page, User.from_doc)

    @strawberry.field(description="Listings of my subtree that people reported (admins)")
    async def listing_reports(
        self, info: strawberry.Info[Context], first: int | None = None, after: str | None = None
    ) -> Connection[ReportedListing]:
        context = info.context
        page = await rules.reported_listings(
            context.db, await context.viewer(), first=first, after=after
        )
        return Connection[ReportedListing].from_page(page, ReportedListing.from_doc)

    @strawberry.field(description="Figures of my subtree or a region in it (admins)")
    async def platform_stats(
        self, info: strawberry.Info[Context], region_id: relay.GlobalID | None = None
    ) -> PlatformStats:
        context = info.context
        viewer = await context.viewer()
        named = None
        if region_id is not None:
            named = await RegionById.of(context).load(node_key(region_id, "Region", "regionId"))
            if named is None:
                raise NotFound("地区不存在")
        code = stats.stats_region(viewer, named)
        region = await RegionById.of(context).load(code)
        assert region is not None  # an admin's own scope exists
        figures = await stats.platform_stats(context.db, region)
        return PlatformStats.of(Region.from_doc(region), figures)
