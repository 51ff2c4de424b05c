"""Figures of a region subtree for the console's charts."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Self

import strawberry

from sannong.auth import Role
from sannong.money import fen_to_yuan
from sannong.rules.market import OrderStatus
from sannong.types.regions import Region


@strawberry.type(description="How many people live in one region under the one asked about")
class RegionCount:
    count: int
    region_code: strawberry.Private[str]

    @strawberry.field
    async def region(self, info: strawberry.Info) -> Region | None:
        return await Region.load(info, self.region_code)


@strawberry.type
class RoleCount:
    role: Role
    count: int


@strawberry.type(description="Orders in one state and what they are worth")
class OrderStatusFigures:
    status: OrderStatus
    count: int
    amount: Decimal = strawberry.field(description="Sum of the orders' totals in yuan")


@strawberry.type(description="Figures of a region subtree, at most a minute old")
class PlatformStats:
    region: Region
    residents_by_subregion: list[RegionCount] = strawberry.field(
        description="People per township (of a county) or village (of a township)"
    )
    people_by_role: list[RoleCount]
    orders_by_status: list[OrderStatusFigures]
    turnover: Decimal = strawberry.field(description="Total of completed orders in yuan")
    active_listings: int
    computed_at: datetime

    @classmethod
    def of(cls, region: Region, figures: dict[str, Any]) -> Self:
        people, orders = figures["people"], figures["orders"]
        completed = orders.get(OrderStatus.COMPLETED.value, {}).get("amountFen", 0)
        return cls(
            region=region,
            residents_by_subregion=[
                RegionCount(count=n, region_code=code)
                for code, n in sorted(people["bySubregion"].items())
            ],
            people_by_role=[RoleCount(role=Role(r), count=n) for r, n in people["byRole"].items()],
            orders_by_status=[
                OrderStatusFigures(
                    status=OrderStatus(s), count=f["count"], amount=fen_to_yuan(f["amountFen"])
                )
                for s, f in sorted(orders.items())
            ],
            turnover=fen_to_yuan(completed),
            active_listings=figures["activeListings"],
            computed_at=datetime.fromtimestamp(figures["computedAt"], UTC),
        )
