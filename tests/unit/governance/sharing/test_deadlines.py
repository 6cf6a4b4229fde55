"""Working-day deadlines across Chinese holidays with 调休 make-up working days.

The expectations are worked out by hand from the State Council's holiday notices, written down here, and
checked against chinese-calendar first so that a wrong calendar and a wrong count cannot hide each other:
* 2025 National Day + Mid-Autumn (国办发明电〔2024〕12号): 1–8 October off; Sunday 28 September and
  Saturday 11 October are working days.
* 2025 Spring Festival: 28 January – 4 February off; Sunday 26 January and Saturday 8 February are working
  days.
Counting rule: the day of submission is not counted; the Nth working day after it is the last day.
"""

from datetime import UTC, date, datetime

import chinese_calendar
import pytest

from governance.sharing.deadlines import (
    Deadline,
    add_working_days,
    answer_deadline,
    compliance_deadline,
    is_working_day,
)

NATIONAL_DAY_2025_OFF = [date(2025, 10, d) for d in range(1, 9)]
NATIONAL_DAY_2025_MAKE_UP = [date(2025, 9, 28), date(2025, 10, 11)]  # a Sunday and a Saturday
SPRING_2025_OFF = [date(2025, 1, 28), date(2025, 1, 29), date(2025, 1, 30), date(2025, 1, 31)] + [
    date(2025, 2, d) for d in range(1, 5)
]
SPRING_2025_MAKE_UP = [date(2025, 1, 26), date(2025, 2, 8)]


def test_the_calendar_knows_the_holidays_and_make_up_days_we_rely_on():
    for day in NATIONAL_DAY_2025_OFF + SPRING_2025_OFF:
        assert not chinese_calendar.is_workday(day), day
    for day in NATIONAL_DAY_2025_MAKE_UP + SPRING_2025_MAKE_UP:
        assert day.weekday() >= 5, day  # a weekend day …
        assert chinese_calendar.is_workday(day), day  # … that is a working day (调休)


def test_national_day_2025_from_friday_26_september():
    submitted = datetime(2025, 9, 26, 16, 30)  # Friday afternoon
    # Working days after the 26th: Sun 28 Sep (make-up), Mon 29, Tue 30, [1–8 Oct off], Thu 9, Fri 10,
    # Sat 11 (make-up), Mon 13, Tue 14, Wed 15, Thu 16.
    assert compliance_deadline(submitted) == Deadline(date(2025, 9, 29), provisional=False)
    assert answer_deadline(submitted, published=True).due == date(2025, 10, 10)
    assert answer_deadline(submitted, published=False).due == date(2025, 10, 16)


def test_national_day_2025_submitted_during_the_holiday():
    # Submitted on 3 October: the first working day is 9 October.
    assert compliance_deadline(datetime(2025, 10, 3, 9)).due == date(2025, 10, 10)
    # 9, 10, 11 (Saturday make-up), 13, 14.
    assert answer_deadline(datetime(2025, 10, 3, 9), published=True).due == date(2025, 10, 14)


def test_spring_festival_2025_from_friday_24_january():
    submitted = datetime(2025, 1, 24, 10)
    # Working days after the 24th: Sun 26 Jan (make-up), Mon 27, [28 Jan – 4 Feb off], Wed 5, Thu 6, Fri 7,
    # Sat 8 (make-up), Mon 10, Tue 11, Wed 12, Thu 13.
    assert compliance_deadline(submitted).due == date(2025, 1, 27)
    assert answer_deadline(submitted, published=True).due == date(2025, 2, 7)
    assert answer_deadline(submitted, published=False).due == date(2025, 2, 13)


def test_a_plain_week_counts_weekdays_only():
    # Monday 10 March 2025: no holiday nearby.
    assert add_working_days(date(2025, 3, 10), 5).due == date(2025, 3, 17)


def test_an_aware_time_is_counted_on_the_china_date():
    from datetime import timedelta, timezone

    # 17:00 UTC on Friday 26 September is already Saturday 27 September 01:00 in Beijing; the count starts
    # after the 27th, but the 28th is still day one.
    late_friday_utc = datetime(2025, 9, 26, 17, 0, tzinfo=UTC)
    assert compliance_deadline(late_friday_utc).due == date(2025, 9, 29)
    # 15:59 UTC on 30 September is 23:59 in Beijing on the 30th: day one is 9 October.
    assert compliance_deadline(datetime(2025, 9, 30, 15, 59, tzinfo=timezone(timedelta(0)))).due == date(
        2025, 10, 10
    )


def test_overdue_is_after_the_end_of_the_last_day():
    deadline = Deadline(date(2025, 9, 29), provisional=False)
    assert not deadline.overdue(datetime(2025, 9, 29, 23, 59, 59))
    assert deadline.overdue(datetime(2025, 9, 30, 0, 0))


def test_a_year_the_calendar_does_not_know_falls_back_to_weekdays_and_says_so():
    beyond = date(2100, 1, 1)
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(beyond)
    assert is_working_day(beyond) == (beyond.weekday() < 5, False)
    deadline = add_working_days(beyond, 2)
    assert deadline.provisional
    assert deadline.due == date(2100, 1, 5)  # Fri 1 Jan 2100 → Mon 4, Tue 5


def test_at_least_one_day_is_counted():
    with pytest.raises(ValueError):
        add_working_days(date(2025, 3, 10), 0)
