"""Figures of a region subtree for the console's charts."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Self

import strawberry

from sannong.auth import Role
from sannong.money import fen_to_yuan
from sannong.rules.consultations import ConsultationStatus
from sannong.rules.feedback import FeedbackOutcome, FeedbackStatus
from sannong.rules.market import OrderStatus
from sannong.rules.questions import QuestionStatus
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


@strawberry.type
class FeedbackStatusCount:
    status: FeedbackStatus
    count: int


@strawberry.type(description="How villagers rated closed tickets with one outcome")
class FeedbackRatingFigures:
    outcome: FeedbackOutcome
    count: int
    average_stars: float


@strawberry.type(description="Consultations of one month (by their start, China's calendar)")
class ConsultationMonthFigures:
    month: str = strawberry.field(description="2026-05")
    held: int = strawberry.field(description="Completed with advice")
    cancelled: int
    no_show: int = strawberry.field(description="The farmer did not come")
    booked: int = strawberry.field(description="Booked, not yet held")


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
    notices_published: int = strawberry.field(description="Notices addressed inside it")
    notice_reads: int = strawberry.field(description="Notices opened by its residents")
    notice_acknowledgements: int
    feedback_by_status: list[FeedbackStatusCount]
    feedback_mean_hours_to_close: float | None = strawberry.field(
        description="Mean time from a ticket's submission to its resolution or rejection"
    )
    feedback_ratings: list[FeedbackRatingFigures]
    questions_asked: int
    questions_answered: int
    consultations_held: int = strawberry.field(
        description="Consultations of its farmers completed with advice"
    )
    consultations_cancelled: int
    consultations_no_show: int
    consultations_by_month: list[ConsultationMonthFigures] = strawberry.field(
        description="Oldest month first; months without consultations left out"
    )
    computed_at: datetime

    @classmethod
    def of(cls, region: Region, figures: dict[str, Any]) -> Self:
        people, orders = figures["people"], figures["orders"]
        feedback, questions = figures["feedback"], figures["questions"]
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
            notices_published=figures["notices"]["published"],
            notice_reads=figures["notices"]["receipts"]["read"],
            notice_acknowledgements=figures["notices"]["receipts"]["acknowledged"],
            feedback_by_status=[
                FeedbackStatusCount(status=FeedbackStatus(s), count=n)
                for s, n in sorted(feedback["byStatus"].items())
            ],
            feedback_mean_hours_to_close=feedback["meanHoursToClose"],
            feedback_ratings=[
                FeedbackRatingFigures(
                    outcome=FeedbackOutcome(o), count=n, average_stars=round(stars, 2)
                )
                for o, (n, stars) in sorted(feedback["ratings"].items())
            ],
            questions_asked=sum(questions.values()),
            questions_answered=questions.get(QuestionStatus.ANSWERED.value, 0),
            **_consultation_figures(figures["consultations"]),
            computed_at=datetime.fromtimestamp(figures["computedAt"], UTC),
        )


def _consultation_figures(by_month: dict[str, dict[str, int]]) -> dict[str, Any]:
    months = [
        ConsultationMonthFigures(
            month=month,
            held=counts.get(ConsultationStatus.COMPLETED.value, 0),
            cancelled=counts.get(ConsultationStatus.CANCELLED.value, 0),
            no_show=counts.get(ConsultationStatus.NO_SHOW.value, 0),
            booked=counts.get(ConsultationStatus.BOOKED.value, 0),
        )
        for month, counts in sorted(by_month.items())
    ]
    return {
        "consultations_held": sum(m.held for m in months),
        "consultations_cancelled": sum(m.cancelled for m in months),
        "consultations_no_show": sum(m.no_show for m in months),
        "consultations_by_month": months,
    }
