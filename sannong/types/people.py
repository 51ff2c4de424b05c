"""What admins see of their subtree: people, and listings people reported."""

from datetime import datetime
from typing import Any, Self

import strawberry
from strawberry import relay

from sannong.auth import Role
from sannong.loaders.market import ReportsByListing
from sannong.types.accounts import User
from sannong.types.market import Listing


@strawberry.input(description="Whom to find; every part optional")
class UserFilter:
    region_id: relay.GlobalID | None = strawberry.field(
        default=None, description="A region of my subtree (default: all of it)"
    )
    role: Role | None = None
    text: str | None = strawberry.field(
        default=None, description="A whole phone number, or the start of a name"
    )


@strawberry.type(description="One person's report of a listing")
class ListingReport:
    reason: str
    created_at: datetime
    reporter_key: strawberry.Private[Any]

    @strawberry.field(description="Who reported it (admins of the region see this)")
    async def reporter(self, info: strawberry.Info) -> User | None:
        return await User.load(info, self.reporter_key)


@strawberry.type(description="A listing people reported, with their reasons")
class ReportedListing:
    listing: Listing
    report_count: int
    last_reported_at: datetime

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Self:
        return cls(
            listing=Listing.from_doc(doc),
            report_count=doc.get("reportCount", 0),
            last_reported_at=doc["lastReportedAt"],
        )

    @strawberry.field(description="The reports, newest first")
    async def reports(self, info: strawberry.Info) -> list[ListingReport]:
        docs = await ReportsByListing.of(info.context).load(self.listing.doc["_id"])
        return [
            ListingReport(
                reason=d["reason"], created_at=d["createdAt"], reporter_key=d["reporterId"]
            )
            for d in docs
        ]
