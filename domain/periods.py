"""Periods people count in: a week (Monday–Sunday), a month, a quarter, a date range — in the local zone.

``parse_period(text, today)`` reads what an official types after /export: 本周, 上周, 本月, 上月,
本季度, 上季度, 今年, 2026年11月, 2026-11, 11月, 2026年第四季度, 2026Q4, 2026年11月1日至11月15日,
2026-11-01~2026-11-15, 11月1日到15日 … It returns a ``Period`` (dates, end exclusive) or a
``PeriodProblem``; nothing here reads a clock.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "Period",
    "PeriodKind",
    "PeriodProblem",
    "iso_week_label",
    "month_of",
    "parse_period",
    "previous_month",
    "previous_week",
    "quarter_of",
    "week_of",
]

_DAY = dt.timedelta(days=1)
MAX_RANGE_DAYS = 3 * 366  # a longer range is a typo more often than a wish
# the years a period may fall in: the ledger holds nothing older, and 0000年 or 9999年 is a typo (and beyond what a
# date can hold once the period's end, or its start in UTC, is worked out)
FIRST_YEAR, LAST_YEAR = 2000, 2099


class PeriodKind(StrEnum):
    """What kind of period: its label is written differently."""

    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    RANGE = "range"


@dataclass(frozen=True, slots=True)
class Period:
    """Local calendar days ``start`` (inclusive) to ``end`` (exclusive)."""

    kind: PeriodKind
    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError("a period ends after it starts")

    @property
    def last_day(self) -> dt.date:
        """The period's last day (inclusive)."""
        return self.end - _DAY

    @property
    def days(self) -> int:
        """How many days it has."""
        return (self.end - self.start).days

    def start_at(self, zone: dt.tzinfo) -> dt.datetime:
        """The first instant (local midnight), as aware UTC."""
        return dt.datetime.combine(self.start, dt.time(0), tzinfo=zone).astimezone(dt.UTC)

    def end_at(self, zone: dt.tzinfo) -> dt.datetime:
        """The instant after the last (local midnight after the last day), as aware UTC."""
        return dt.datetime.combine(self.end, dt.time(0), tzinfo=zone).astimezone(dt.UTC)

    def contains(self, day: dt.date) -> bool:
        """Whether a local day is in the period."""
        return self.start <= day < self.end

    @property
    def key(self) -> str:
        """A stable short name: 2026-W48, 2026-11, 2026-Q4, 2026, 20261101-20261115."""
        if self.kind is PeriodKind.WEEK:
            return iso_week_label(self.start)
        if self.kind is PeriodKind.MONTH:
            return f"{self.start:%Y-%m}"
        if self.kind is PeriodKind.QUARTER:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind is PeriodKind.YEAR:
            return str(self.start.year)
        return f"{self.start:%Y%m%d}-{self.last_day:%Y%m%d}"


class PeriodProblem(StrEnum):
    """Why a period expression was not understood."""

    UNKNOWN = "unknown"  # nothing we read
    INVALID_DATE = "invalid_date"  # 2月30日, 13月
    REVERSED = "reversed"  # the range ends before it starts
    TOO_LONG = "too_long"  # more than three years
    OUT_OF_RANGE = "out_of_range"  # a year before FIRST_YEAR or after LAST_YEAR (0000年, 9999年)


def iso_week_label(monday: dt.date) -> str:
    """2026-W48: the ISO year and week of the week starting on ``monday``."""
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def week_of(day: dt.date) -> Period:
    """The week (Monday–Sunday) a day is in."""
    monday = day - day.weekday() * _DAY
    return Period(PeriodKind.WEEK, monday, monday + 7 * _DAY)


def previous_week(day: dt.date) -> Period:
    """The week before the one ``day`` is in."""
    return week_of(day - 7 * _DAY)


def month_of(day: dt.date) -> Period:
    """The calendar month a day is in."""
    return _month(day.year, day.month)


def previous_month(day: dt.date) -> Period:
    """The month before the one ``day`` is in."""
    return month_of(day.replace(day=1) - _DAY)


def quarter_of(day: dt.date) -> Period:
    """The calendar quarter a day is in."""
    return _quarter(day.year, (day.month - 1) // 3 + 1)


def _month(year: int, month: int) -> Period:
    start = dt.date(year, month, 1)
    end = dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)
    return Period(PeriodKind.MONTH, start, end)


def _quarter(year: int, quarter: int) -> Period:
    start = dt.date(year, 3 * quarter - 2, 1)
    end = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
    return Period(PeriodKind.QUARTER, start, end)


def _year(year: int) -> Period:
    return Period(PeriodKind.YEAR, dt.date(year, 1, 1), dt.date(year + 1, 1, 1))


_RELATIVE = {
    "本周": lambda d: week_of(d), "这周": lambda d: week_of(d), "本星期": lambda d: week_of(d),
    "上周": lambda d: previous_week(d), "上星期": lambda d: previous_week(d),
    "本月": lambda d: month_of(d), "这个月": lambda d: month_of(d), "当月": lambda d: month_of(d),
    "上月": lambda d: previous_month(d), "上个月": lambda d: previous_month(d),
    "本季度": lambda d: quarter_of(d), "本季": lambda d: quarter_of(d), "这个季度": lambda d: quarter_of(d),
    "上季度": lambda d: quarter_of(quarter_of(d).start - _DAY),
    "上个季度": lambda d: quarter_of(quarter_of(d).start - _DAY),
    "今年": lambda d: _year(d.year), "本年": lambda d: _year(d.year), "本年度": lambda d: _year(d.year),
    "去年": lambda d: _year(d.year - 1), "上年": lambda d: _year(d.year - 1),
}  # fmt: skip

_QUARTER_WORDS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_MONTH_RE = re.compile(r"^(?:(\d{4})\s*(?:年|[-./]))?\s*(\d{1,2})\s*月?$")
_QUARTER_RE = re.compile(r"^(?:(\d{4})\s*年?)?\s*(?:第\s*([一二三四1-4])\s*季度?|[Qq]\s*([1-4]))$")
_YEAR_RE = re.compile(r"^(\d{4})\s*年?(?:度)?$")
_DATE = r"(?:(\d{4})\s*[年./-]\s*)?(?:(\d{1,2})\s*[月./-]\s*)?(\d{1,2})\s*[日号]?"
_RANGE_RE = re.compile(rf"^{_DATE}\s*(?:至|到|~|～|—|–|-|－)\s*{_DATE}$")
_SINGLE_RE = re.compile(rf"^{_DATE}$")


def parse_period(text: str, today: dt.date) -> Period | PeriodProblem:
    """The period ``text`` names, read relative to ``today`` (local); see the module docstring."""
    try:
        period = _parse(text, today)
    except (ValueError, OverflowError):  # a year a date cannot hold (0000年, 9999年12月 whose end is in 10000)
        return PeriodProblem.OUT_OF_RANGE
    if isinstance(period, Period) and not (period.start.year >= FIRST_YEAR and period.last_day.year <= LAST_YEAR):
        return PeriodProblem.OUT_OF_RANGE
    return period


def _parse(text: str, today: dt.date) -> Period | PeriodProblem:
    cleaned = re.sub(r"\s+", "", text.strip()).replace("（", "(").replace("）", ")")
    cleaned = cleaned.removesuffix("的").removesuffix("份")
    if not cleaned:
        return PeriodProblem.UNKNOWN
    if cleaned in _RELATIVE:
        return _RELATIVE[cleaned](today)
    if match := _QUARTER_RE.match(cleaned):
        year = int(match.group(1)) if match.group(1) else today.year
        return _quarter(year, _QUARTER_WORDS[match.group(2) or match.group(3)])
    if (match := _YEAR_RE.match(cleaned)) and ("年" in cleaned or len(cleaned) == 4):
        return _year(int(match.group(1)))
    if (match := _MONTH_RE.match(cleaned)) and (match.group(1) or cleaned.endswith("月")):
        month = int(match.group(2))
        if not 1 <= month <= 12:
            return PeriodProblem.INVALID_DATE
        return _month(int(match.group(1)) if match.group(1) else today.year, month)
    if match := _RANGE_RE.match(cleaned):
        return _range(match.groups(), today)
    if (match := _SINGLE_RE.match(cleaned)) and match.group(2):
        day = _date(match.group(1), match.group(2), match.group(3), today.year)
        if day is None:
            return PeriodProblem.INVALID_DATE
        return Period(PeriodKind.RANGE, day, day + _DAY)
    return PeriodProblem.UNKNOWN


def _date(year: str | None, month: str | None, day: str, default_year: int,
          default_month: int | None = None) -> dt.date | None:
    try:
        month_number = int(month) if month else default_month
        if month_number is None:
            return None
        return dt.date(int(year) if year else default_year, month_number, int(day))
    except ValueError:
        return None


def _range(groups: tuple[str | None, ...], today: dt.date) -> Period | PeriodProblem:
    y1, m1, d1, y2, m2, d2 = groups
    assert d1 is not None and d2 is not None
    first = _date(y1, m1, d1, today.year)
    if first is None:
        return PeriodProblem.INVALID_DATE if m1 else PeriodProblem.UNKNOWN
    # the second date may leave out what it shares with the first: 11月1日至15日, 2026年11月1日至12月5日
    last = _date(y2, m2, d2, int(y2) if y2 else first.year, first.month)
    if last is None:
        return PeriodProblem.INVALID_DATE
    if last < first:
        return PeriodProblem.REVERSED
    if (last - first).days >= MAX_RANGE_DAYS:
        return PeriodProblem.TOO_LONG
    return Period(PeriodKind.RANGE, first, last + _DAY)
