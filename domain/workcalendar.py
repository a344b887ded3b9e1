"""The Chinese official working calendar, with a configurable fallback beyond the library's data.

Within the years the ``chinese_calendar`` package has data for, its holidays and make-up working
days (调休, tiaoxiu: a weekend day worked to bridge a holiday) decide. Beyond them (it has data
only up to the latest announced year) a day is a working day if it is Monday–Friday, adjusted by
the holidays and make-up days the organisation file lists under ``[calendar]``. The organisation's
lists also take precedence inside the library's range, because they are the deployment's later and
explicit word (a make-up Saturday in late December announced with the next year's schedule, a
local closure).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from functools import lru_cache

import chinese_calendar

__all__ = ["WorkCalendar", "add_office_time_many", "official_data_years"]


@lru_cache(maxsize=1)
def official_data_years() -> range:
    """Return the years ``chinese_calendar`` has data for, read from the package itself."""
    # The package validates against the years of its own holiday table; reading that table keeps
    # us right when a newer release adds a year, instead of trusting a number written here.
    years = {day.year for day in chinese_calendar.holidays} | {day.year for day in chinese_calendar.workdays}
    if not years:
        return range(0)
    first, last = min(years), max(years)
    # Confirm the edges by asking the package, in case its validation rule ever differs.
    while last >= first and not _official_answers(dt.date(last, 12, 31)):
        last -= 1
    while first <= last and not _official_answers(dt.date(first, 1, 1)):
        first += 1
    return range(first, last + 1)


def _official_answers(day: dt.date) -> bool:
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def _as_date(value: dt.date | str) -> dt.date:
    # TOML gives native dates; strings are accepted so that a hand-written "2027-01-01" works too.
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value.strip())


class WorkCalendar:
    """Answers which days are working days; immutable, cached, safe for any year."""

    __slots__ = ("_cache", "_extra_holidays", "_extra_workdays", "_official_years")

    def __init__(
        self,
        *,
        holidays: Iterable[dt.date | str] = (),
        workdays: Iterable[dt.date | str] = (),
        use_official_data: bool = True,
    ) -> None:
        """Build a calendar from the organisation's extra ``holidays`` and make-up ``workdays``."""
        self._extra_holidays = frozenset(_as_date(day) for day in holidays)
        self._extra_workdays = frozenset(_as_date(day) for day in workdays)
        clash = self._extra_holidays & self._extra_workdays
        if clash:
            listed = ", ".join(sorted(day.isoformat() for day in clash))
            raise ValueError(f"dates listed both as holidays and as working days: {listed}")
        self._official_years = official_data_years() if use_official_data else range(0)
        # The reminder planner asks about the same few hundred days over and over.
        self._cache: dict[dt.date, bool] = {}

    @property
    def official_years(self) -> range:
        """The years answered from the official data rather than the Monday–Friday fallback."""
        return self._official_years

    @property
    def extra_holidays(self) -> frozenset[dt.date]:
        """The holidays listed by the organisation."""
        return self._extra_holidays

    @property
    def extra_workdays(self) -> frozenset[dt.date]:
        """The make-up working days (调休) listed by the organisation."""
        return self._extra_workdays

    def is_official(self, day: dt.date) -> bool:
        """Whether ``day`` is answered from the official data (not the fallback)."""
        return _as_date(day).year in self._official_years

    def is_workday(self, day: dt.date) -> bool:
        """Whether ``day`` is a working day."""
        day = _as_date(day)
        cached = self._cache.get(day)
        if cached is None:
            cached = self._compute_is_workday(day)
            self._cache[day] = cached
        return cached

    def is_holiday(self, day: dt.date) -> bool:
        """Whether ``day`` is a day off: a weekend not worked, or a public or listed holiday."""
        return not self.is_workday(day)

    def next_workday(self, day: dt.date, *, include_self: bool = False) -> dt.date:
        """The first working day after ``day`` (or ``day`` itself if ``include_self`` and it works)."""
        day = _as_date(day)
        if include_self and self.is_workday(day):
            return day
        return self.add_workdays(day, 1)

    def previous_workday(self, day: dt.date, *, include_self: bool = False) -> dt.date:
        """The last working day before ``day`` (or ``day`` itself if ``include_self`` and it works)."""
        day = _as_date(day)
        if include_self and self.is_workday(day):
            return day
        return self.add_workdays(day, -1)

    def add_workdays(self, start_date: dt.date, n: int) -> dt.date:
        """The ``n``-th working day after ``start_date`` (before it if ``n`` < 0; ``n`` = 0 is the date).

        ``start_date`` itself never counts, whether it is a working day or not: on a Saturday,
        ``add_workdays(saturday, 1)`` is the following Monday (if that is a working day).
        """
        day = _as_date(start_date)
        step = dt.timedelta(days=1 if n >= 0 else -1)
        remaining = abs(n)
        while remaining:
            day += step
            if self.is_workday(day):
                remaining -= 1
        return day

    def workdays_between(self, start_date: dt.date, end_date: dt.date) -> int:
        """How many working days lie after ``start_date`` up to and including ``end_date``."""
        start, end = _as_date(start_date), _as_date(end_date)
        sign = 1
        if end < start:
            start, end, sign = end, start, -1
        count = 0
        day = start
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                count += 1
        return sign * count

    def add_office_time(
        self, start: dt.datetime, amount: dt.timedelta, zone: dt.tzinfo, office_start: dt.time, office_end: dt.time
    ) -> dt.datetime:
        """The instant (UTC) when ``amount`` of office time has passed since ``start``.

        Office time runs only from ``office_start`` to ``office_end`` (local) on working days: reported on a
        Friday evening, a limit of 4 working hours ends on Monday at ``office_start`` + 4 h; reported at
        10:00 on a working day, a limit of one office day ends at 10:00 on the next working day.
        """
        if start.tzinfo is None or start.utcoffset() is None:
            raise ValueError("start must be an aware datetime")
        if office_end <= office_start:
            raise ValueError("office hours must end after they start")
        remaining = amount
        local = start.astimezone(zone)
        day, cursor = local.date(), local
        while True:
            if self.is_workday(day):
                opens = dt.datetime.combine(day, office_start, tzinfo=zone)
                closes = dt.datetime.combine(day, office_end, tzinfo=zone)
                begin = max(cursor, opens)
                if begin < closes:
                    if remaining <= closes - begin:
                        return (begin + remaining).astimezone(dt.UTC)
                    remaining -= closes - begin
            day += dt.timedelta(days=1)
            cursor = dt.datetime.combine(day, office_start, tzinfo=zone)

    def _compute_is_workday(self, day: dt.date) -> bool:
        if day in self._extra_workdays:
            return True
        if day in self._extra_holidays:
            return False
        if day.year in self._official_years:
            try:
                return bool(chinese_calendar.is_workday(day))
            except NotImplementedError:
                # The range was read from the package, so this should not happen; falling back
                # beats crashing a reminder sweep.
                pass
        return day.weekday() < 5


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)


def _micros(instant: dt.datetime) -> int:
    """An aware instant as whole microseconds since the epoch (exact, unlike a float timestamp)."""
    return (instant - _EPOCH) // _MICROSECOND


def add_office_time_many(calendar: WorkCalendar, starts: Sequence[dt.datetime], amount: dt.timedelta,
                         zone: dt.tzinfo, office_start: dt.time, office_end: dt.time) -> list[dt.datetime]:  # fmt: skip
    """``calendar.add_office_time`` for many starts at once, to the microsecond the same instants.

    The office periods from the day before the earliest start until the latest could need are laid out once as
    arrays (opening, length, office time before it); each start's office time so far is read off them, the amount
    added, and the period it ends in found by a binary search. Where the zone's offset changes inside an office
    period (a daylight-saving change at work), the one-at-a-time path answers, which adds wall-clock time there.
    """
    if not starts:
        return []

    def one_at_a_time() -> list[dt.datetime]:
        return [calendar.add_office_time(start, amount, zone, office_start, office_end) for start in starts]

    first = min(starts).astimezone(zone).date() - dt.timedelta(days=1)
    # an office hour never takes more than a working day; and room for every day off a calendar puts between them
    last = max(starts).astimezone(zone).date() + dt.timedelta(days=amount // dt.timedelta(hours=1) + 61)
    opens: list[int] = []
    lengths: list[int] = []
    day = first
    while day <= last:
        if calendar.is_workday(day):
            opening = dt.datetime.combine(day, office_start, tzinfo=zone)
            closing = dt.datetime.combine(day, office_end, tzinfo=zone)
            if opening.utcoffset() != closing.utcoffset():
                return one_at_a_time()
            opens.append(_micros(opening))
            lengths.append(_micros(closing) - opens[-1])
        day += dt.timedelta(days=1)
    import numpy as np  # here, not above: the export worker needs the calendar but not numpy (reports.ledger_export)

    open_at = np.asarray(opens, dtype=np.int64)
    length = np.asarray(lengths, dtype=np.int64)
    before = np.concatenate(([0], np.cumsum(length)[:-1])).astype(np.int64)
    at = np.asarray([_micros(s) for s in starts], dtype=np.int64)
    if not len(open_at):  # not one working day in reach
        return one_at_a_time()
    # the last period opened by each start (before the first one: the first, with no office time spent yet)
    period = np.maximum(np.searchsorted(open_at, at, side="right") - 1, 0)
    spent = before[period] + np.clip(at - open_at[period], 0, length[period])
    target = spent + amount // _MICROSECOND
    ends = np.searchsorted(before + length, target, side="left")  # the first period that holds the target
    if (ends >= len(open_at)).any():  # an end beyond the periods laid out
        return one_at_a_time()
    due = open_at[ends] + (target - before[ends])
    return [_EPOCH + dt.timedelta(microseconds=int(micros)) for micros in due.tolist()]
