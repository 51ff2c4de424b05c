"""A ticket is due at the end of the fifth working day after the day it was submitted:
China's official calendar where it is known (holidays off, swapped weekends worked),
Monday to Friday beyond it."""

from datetime import datetime

from sannong.clock import CHINA
from sannong.rules.feedback import deadline_after, is_overdue


def china(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=CHINA)


def test_an_ordinary_week_counts_monday_to_friday() -> None:
    # submitted on a Saturday: Monday is the first working day after it
    assert deadline_after(china(2026, 11, 28)) == china(2026, 12, 4, 23).replace(
        minute=59, second=59
    )


def test_national_day_is_skipped_and_its_swapped_saturday_counted() -> None:
    # 1–7 October 2026 are off; Saturday 10 October is worked in their place
    due = deadline_after(china(2026, 9, 30))
    assert due.date() == datetime(2026, 10, 13).date()


def test_beyond_the_known_calendar_weekdays_count() -> None:
    assert deadline_after(china(2027, 1, 8)).date() == datetime(2027, 1, 15).date()


def test_overdue_means_open_past_the_deadline() -> None:
    due = china(2026, 12, 4, 23)
    late = china(2026, 12, 5)
    assert is_overdue({"status": "IN_PROGRESS", "deadline": due}, late)
    assert not is_overdue({"status": "RESOLVED", "deadline": due}, late)
    assert not is_overdue({"status": "ACCEPTED", "deadline": due}, china(2026, 12, 4))
