"""The one clock: times are stored in UTC and shown in China's time zone."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    return datetime.now(UTC)


def today_in_china() -> date:
    return datetime.now(CHINA).date()


def as_utc(moment: datetime) -> datetime:
    """A time without a zone is what a person in China means by it."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=CHINA)).astimezone(UTC)
