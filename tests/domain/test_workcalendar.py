"""WorkCalendar: official data within its range, Monday–Friday plus the organisation's lists beyond."""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from domain.workcalendar import WorkCalendar, add_office_time_many, official_data_years

D = dt.date.fromisoformat

# A fallback year as an organisation file would describe it: National Day 2027 with two make-up days.
NATIONAL_DAY_2027 = [f"2027-10-0{day}" for day in range(1, 8)]
MAKEUP_2027 = ["2027-09-26", "2027-10-09"]


@pytest.fixture(scope="module")
def official() -> WorkCalendar:
    """A calendar with no organisation lists."""
    return WorkCalendar()


@pytest.fixture(scope="module")
def configured() -> WorkCalendar:
    """A calendar with the organisation's 2027 National Day."""
    return WorkCalendar(holidays=NATIONAL_DAY_2027, workdays=MAKEUP_2027)


def test_official_range_is_read_from_the_package() -> None:
    """The supported years come from the package's own table, not from a number in our code."""
    years = official_data_years()
    assert years.start == min(chinese_calendar.holidays).year
    assert years.stop - 1 == max(chinese_calendar.holidays).year
    assert 2026 in years
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(dt.date(years.stop, 1, 4))


@pytest.mark.parametrize(
    ("day", "workday"),
    [
        ("2026-01-01", False),  # 元旦
        ("2026-01-04", True),  # Sunday worked (调休)
        ("2026-02-14", True),  # Saturday worked before Spring Festival
        ("2026-02-15", False),
        ("2026-02-17", False),  # 春节
        ("2026-02-23", False),  # Monday, still the holiday
        ("2026-02-24", True),
        ("2026-02-28", True),  # Saturday worked after Spring Festival
        ("2026-05-01", False),
        ("2026-05-09", True),  # Saturday worked
        ("2026-09-20", True),  # Sunday worked
        ("2026-09-30", True),
        ("2026-10-01", False),
        ("2026-10-07", False),
        ("2026-10-08", True),
        ("2026-10-10", True),  # Saturday worked after National Day
        ("2026-11-21", False),  # plain Saturday
        ("2026-11-23", True),  # plain Monday
    ],
)
def test_official_days(official: WorkCalendar, day: str, workday: bool) -> None:
    """Within the package's range its holidays and make-up days decide."""
    assert official.is_workday(D(day)) is workday
    assert official.is_holiday(D(day)) is not workday
    assert official.is_official(D(day))


@pytest.mark.parametrize(
    ("day", "workday"),
    [
        ("2027-01-01", True),  # a Friday: no official data, no organisation list
        ("2027-01-02", False),  # Saturday
        ("2027-02-08", True),
        ("2031-06-15", False),  # Sunday, far beyond the data
        ("2000-01-03", True),  # Monday before the data starts
    ],
)
def test_beyond_the_data_falls_back_to_monday_to_friday(official: WorkCalendar, day: str, workday: bool) -> None:
    """A date outside the package's years never raises: Monday–Friday answers."""
    assert official.is_workday(D(day)) is workday
    assert not official.is_official(D(day))


@pytest.mark.parametrize(
    ("day", "workday"),
    [
        ("2027-09-24", True),
        ("2027-09-26", True),  # Sunday made a working day by the organisation
        ("2027-10-01", False),
        ("2027-10-04", False),  # a Monday inside the listed holiday
        ("2027-10-07", False),
        ("2027-10-08", True),
        ("2027-10-09", True),  # Saturday made a working day
        ("2027-10-10", False),
    ],
)
def test_beyond_the_data_uses_the_organisation_lists(configured: WorkCalendar, day: str, workday: bool) -> None:
    """The organisation's holidays and make-up days adjust the fallback."""
    assert configured.is_workday(D(day)) is workday


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("2026-11-23", 3, "2026-11-26"),
        ("2026-11-27", 1, "2026-11-30"),  # Friday + 1 → Monday
        ("2026-11-28", 1, "2026-11-30"),  # from a Saturday, the first working day after it
        ("2026-09-29", 4, "2026-10-10"),  # across National Day onto the make-up Saturday
        ("2026-02-12", 2, "2026-02-14"),  # Spring Festival: the make-up Saturday counts
        ("2026-02-12", 3, "2026-02-24"),  # ...then nine days off
        ("2026-02-13", 5, "2026-02-27"),
        ("2026-12-30", 2, "2027-01-01"),  # into the fallback year: 2027-01-01 is a plain Friday
        ("2026-11-23", 0, "2026-11-23"),
        ("2026-11-23", -1, "2026-11-20"),
        ("2026-10-08", -1, "2026-09-30"),
    ],
)
def test_add_workdays_official(official: WorkCalendar, start: str, n: int, expected: str) -> None:
    """``add_workdays(start, n)`` is the n-th working day after start; start never counts."""
    assert official.add_workdays(D(start), n) == D(expected)


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("2027-09-24", 1, "2027-09-26"),  # Friday → the make-up Sunday
        ("2027-09-29", 2, "2027-10-08"),  # across the listed National Day
        ("2027-09-29", 3, "2027-10-09"),
        ("2027-09-29", 4, "2027-10-11"),
        ("2027-10-11", -3, "2027-09-30"),
    ],
)
def test_add_workdays_fallback_year(configured: WorkCalendar, start: str, n: int, expected: str) -> None:
    """Working days in a year without official data count the organisation's lists."""
    assert configured.add_workdays(D(start), n) == D(expected)


def test_next_and_previous_workday(official: WorkCalendar) -> None:
    """next/previous skip days off; ``include_self`` keeps a working day as it is."""
    assert official.next_workday(D("2026-09-30")) == D("2026-10-08")
    assert official.next_workday(D("2026-09-30"), include_self=True) == D("2026-09-30")
    assert official.next_workday(D("2026-10-03"), include_self=True) == D("2026-10-08")
    assert official.previous_workday(D("2026-10-08")) == D("2026-09-30")
    assert official.previous_workday(D("2026-10-05"), include_self=True) == D("2026-09-30")


def test_workdays_between(official: WorkCalendar) -> None:
    """Counts working days after the start up to and including the end, signed."""
    assert official.workdays_between(D("2026-09-29"), D("2026-10-10")) == 4
    assert official.workdays_between(D("2026-10-10"), D("2026-09-29")) == -4
    assert official.workdays_between(D("2026-11-23"), D("2026-11-23")) == 0


def test_organisation_lists_take_precedence_inside_the_official_range() -> None:
    """A date the organisation lists is its explicit, later word, even inside the package's years."""
    calendar = WorkCalendar(holidays=["2026-11-23"], workdays=[D("2026-12-26")])
    assert calendar.is_holiday(D("2026-11-23"))
    assert calendar.is_workday(D("2026-12-26"))


def test_a_date_listed_twice_is_rejected() -> None:
    """The same date cannot be both a holiday and a working day."""
    with pytest.raises(ValueError, match="2027-10-01"):
        WorkCalendar(holidays=["2027-10-01"], workdays=["2027-10-01"])


def test_accepts_datetimes_and_iso_strings() -> None:
    """TOML dates, ISO strings and aware datetimes all mean their date."""
    calendar = WorkCalendar(holidays=[" 2027-01-04 "], workdays=[dt.date(2027, 1, 9)])
    assert calendar.is_holiday(dt.datetime(2027, 1, 4, 9, tzinfo=ZoneInfo("Asia/Shanghai")))
    assert calendar.is_workday(D("2027-01-09"))
    assert calendar.extra_holidays == frozenset({D("2027-01-04")})
    assert calendar.extra_workdays == frozenset({D("2027-01-09")})


def test_without_official_data_only_monday_to_friday() -> None:
    """``use_official_data=False`` ignores the package entirely."""
    calendar = WorkCalendar(use_official_data=False)
    assert calendar.is_workday(D("2026-10-01"))
    assert calendar.is_holiday(D("2026-10-10"))
    assert len(calendar.official_years) == 0


def test_long_spans_do_not_crash(official: WorkCalendar) -> None:
    """Ten years of working days run through the data's end without raising."""
    end = official.add_workdays(D("2025-01-01"), 2500)
    assert end.year >= 2034
    assert official.is_workday(end)


@pytest.mark.parametrize("amount", [dt.timedelta(hours=4), dt.timedelta(hours=8), dt.timedelta(hours=24),
                                    dt.timedelta(minutes=1), dt.timedelta(hours=7, microseconds=1)])
def test_add_office_time_many_is_add_office_time_for_each_start(official: WorkCalendar, amount: dt.timedelta) -> None:
    zone = ZoneInfo("Asia/Shanghai")
    nine, five = dt.time(9), dt.time(17)
    chance = random.Random(amount.total_seconds())
    around = dt.datetime(2026, 9, 20, tzinfo=dt.UTC)  # 国庆 and 中秋 ahead, a make-up Sunday among them
    starts = [around + dt.timedelta(seconds=chance.uniform(0, 50 * 86400)) for _ in range(400)]
    edges = [dt.datetime.combine(dt.date(2026, 9, 30), t, tzinfo=zone) for t in (nine, five, dt.time(16, 59, 59))]
    edges += [edge - amount for edge in edges] + [dt.datetime(2026, 10, 3, 12, tzinfo=zone)]  # a holiday
    edges.append(dt.datetime(2026, 9, 14, 8, tzinfo=zone))  # the earliest: a Monday before the office opens
    starts += [edge + dt.timedelta(microseconds=d) for edge in edges for d in (-1, 0, 1)]
    chance.shuffle(starts)
    expected = [official.add_office_time(s, amount, zone, nine, five) for s in starts]
    assert add_office_time_many(official, starts, amount, zone, nine, five) == expected
    assert add_office_time_many(official, [], amount, zone, nine, five) == []


def test_add_office_time_many_falls_back_where_the_offset_changes_at_work() -> None:
    zone = ZoneInfo("America/New_York")  # 2026-03-08: clocks go forward at 02:00, inside these office hours
    calendar = WorkCalendar(use_official_data=False, workdays=["2026-03-08"])
    starts = [dt.datetime(2026, 3, 7, 23, tzinfo=zone), dt.datetime(2026, 3, 9, 10, tzinfo=zone)]
    expected = [calendar.add_office_time(s, dt.timedelta(hours=3), zone, dt.time(0), dt.time(12)) for s in starts]
    assert add_office_time_many(calendar, starts, dt.timedelta(hours=3), zone, dt.time(0), dt.time(12)) == expected
