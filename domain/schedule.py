"""What goes out on the calendar: the weekly digest, the monthly ranking, the weekly self-check.

``scheduled_between(start, end, …)`` lists every item due in [start, end), each with a key that is
a function of what it is about (``digest:2026-W48:cgz``, ``ranking:2026-11``,
``selfcheck_prompt:2026-W48:e01``), so planning the same window twice, or overlapping windows after
a restart, writes each item once. Storage keeps the instant planning has reached; the sweep plans
from there to a little ahead of now and sends what is due. Each item also says when it stops
making sense (the next one of its kind is due), so after a long downtime the latest of each goes
out once, marked late, and the older ones expire unsent.

Times follow the official calendar: a digest or ranking falling on a day off waits for the next
working day (at the same time); the self-check prompt comes on the week's Friday, or the last
working day before it in that week (a Friday off for a holiday); the deadline is the following
Monday 12:00, or the next working day after it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from domain.org import Organisation, UnitKind
from domain.periods import Period, month_of, week_of
from domain.workcalendar import WorkCalendar

__all__ = [
    "ItemKind",
    "Schedule",
    "ScheduledItem",
    "scheduled_between",
    "selfcheck_times",
    "selfcheck_week",
]

_DAY = dt.timedelta(days=1)
_WEEK = 7 * _DAY


class ItemKind(StrEnum):
    """What a scheduled item is."""

    DIGEST = "digest"  # a unit's (or, for the 安委办, the county's) statistics of last week
    RANKING = "ranking"  # last month's ranking of departments and of townships
    SELFCHECK_PROMPT = "selfcheck_prompt"  # an enterprise's officers: time for the weekly self-check
    SELFCHECK_NUDGE = "selfcheck_nudge"  # an enterprise's officers: the deadline passed without one
    SELFCHECK_MISSING = "selfcheck_missing"  # a township's group: its enterprises without one


@dataclass(frozen=True, slots=True)
class Schedule:
    """When each item is due; the defaults are the issue's."""

    digest_weekday: int = 0  # Monday after the week
    digest_at: dt.time = dt.time(9, 0)
    ranking_day: int = 1  # of the month after
    ranking_at: dt.time = dt.time(9, 0)
    prompt_weekday: int = 4  # Friday of the week
    prompt_at: dt.time = dt.time(9, 0)
    deadline_weekday: int = 0  # of the week after: Monday
    deadline_at: dt.time = dt.time(12, 0)
    lookahead: dt.timedelta = dt.timedelta(days=8)  # how far ahead of now items are planned

    def __post_init__(self) -> None:
        if not all(0 <= d <= 6 for d in (self.digest_weekday, self.prompt_weekday, self.deadline_weekday)):
            raise ValueError("weekdays are 0 (Monday) to 6 (Sunday)")
        if not 1 <= self.ranking_day <= 28:
            raise ValueError("the ranking day is 1 to 28 (every month has it)")


@dataclass(frozen=True, slots=True)
class ScheduledItem:
    """One item to send; ``due_at`` and ``expires_at`` are aware UTC."""

    key: str
    kind: ItemKind
    target: str  # a unit id (digest, missing list), an enterprise id (prompt, nudge), "" (ranking)
    period: Period  # the week or month it is about
    due_at: dt.datetime
    expires_at: dt.datetime


def _at(day: dt.date, time: dt.time, zone: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=zone).astimezone(dt.UTC)


def _digest_due(week: Period, schedule: Schedule, calendar: WorkCalendar, zone: dt.tzinfo) -> dt.datetime:
    day = calendar.next_workday(week.end + schedule.digest_weekday * _DAY, include_self=True)
    return _at(day, schedule.digest_at, zone)


def _ranking_due(month: Period, schedule: Schedule, calendar: WorkCalendar, zone: dt.tzinfo) -> dt.datetime:
    day = calendar.next_workday(month.end + (schedule.ranking_day - 1) * _DAY, include_self=True)
    return _at(day, schedule.ranking_at, zone)


def selfcheck_times(week: Period, schedule: Schedule, calendar: WorkCalendar,
                    zone: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """The week's self-check prompt and deadline (aware UTC)."""
    nominal = week.start + schedule.prompt_weekday * _DAY
    prompt_day = next((d for d in (nominal - i * _DAY for i in range(schedule.prompt_weekday + 1))
                       if calendar.is_workday(d)), nominal)  # fmt: skip
    deadline_day = calendar.next_workday(week.end + schedule.deadline_weekday * _DAY, include_self=True)
    return _at(prompt_day, schedule.prompt_at, zone), _at(deadline_day, schedule.deadline_at, zone)


def selfcheck_week(now: dt.datetime, schedule: Schedule, calendar: WorkCalendar, zone: dt.tzinfo) -> Period:
    """The week a self-check made now is for: last week until its deadline has passed, then this week."""
    this_week = week_of(now.astimezone(zone).date())
    last_week = week_of(this_week.start - _DAY)
    _, deadline = selfcheck_times(last_week, schedule, calendar, zone)
    return last_week if now < deadline else this_week


def scheduled_between(start: dt.datetime, end: dt.datetime, org: Organisation, schedule: Schedule,
                      calendar: WorkCalendar, zone: dt.tzinfo) -> list[ScheduledItem]:
    """Every item due in [start, end), by due instant then key."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("aware instants only")
    items: list[ScheduledItem] = []
    first_day, last_day = start.astimezone(zone).date(), end.astimezone(zone).date()
    week = week_of(first_day - 3 * _WEEK)  # a digest or deadline is due at most two weeks after its week
    while week.start <= last_day:
        items += _weekly(week, org, schedule, calendar, zone)
        week = week_of(week.end)
    month = month_of(first_day.replace(day=1) - 40 * _DAY)
    while month.start <= last_day:
        due = _ranking_due(month, schedule, calendar, zone)
        following = month_of(month.end)
        items.append(ScheduledItem(f"{ItemKind.RANKING}:{month.key}", ItemKind.RANKING, "", month, due,
                                   _ranking_due(following, schedule, calendar, zone)))
        month = following
    return sorted((i for i in items if start <= i.due_at < end), key=lambda i: (i.due_at, i.key))


def _weekly(week: Period, org: Organisation, schedule: Schedule, calendar: WorkCalendar,
            zone: dt.tzinfo) -> list[ScheduledItem]:
    following = week_of(week.end)
    digest_due = _digest_due(week, schedule, calendar, zone)
    digest_expires = _digest_due(following, schedule, calendar, zone)
    prompt, deadline = selfcheck_times(week, schedule, calendar, zone)
    next_prompt, _ = selfcheck_times(following, schedule, calendar, zone)
    items = [
        ScheduledItem(f"{ItemKind.DIGEST}:{week.key}:{unit.id}", ItemKind.DIGEST, unit.id, week, digest_due,
                      digest_expires)
        for unit in org.units.values()
    ]
    for enterprise in org.enterprises.values():
        items.append(ScheduledItem(f"{ItemKind.SELFCHECK_PROMPT}:{week.key}:{enterprise.id}",
                                   ItemKind.SELFCHECK_PROMPT, enterprise.id, week, prompt, deadline))
        items.append(ScheduledItem(f"{ItemKind.SELFCHECK_NUDGE}:{week.key}:{enterprise.id}",
                                   ItemKind.SELFCHECK_NUDGE, enterprise.id, week, deadline, next_prompt))
    for township in org.units_of_kind(UnitKind.TOWNSHIP):
        items.append(ScheduledItem(f"{ItemKind.SELFCHECK_MISSING}:{week.key}:{township.id}",
                                   ItemKind.SELFCHECK_MISSING, township.id, week, deadline, next_prompt))
    return items
