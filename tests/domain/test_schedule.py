"""The calendar of digests, rankings and self-checks: keys, instants, the official calendar, expiry."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from domain.org import Organisation, Unit, UnitKind
from domain.periods import week_of
from domain.schedule import ItemKind, Schedule, scheduled_between, selfcheck_times, selfcheck_week
from domain.workcalendar import WorkCalendar

ZONE = ZoneInfo("Asia/Shanghai")
CALENDAR = WorkCalendar()
ORG = Organisation(
    county="示范县",
    units={u.id: u for u in (Unit("awb", "县安委办", UnitKind.OFFICE), Unit("cgz", "城关镇", UnitKind.TOWNSHIP))},
    categories={},
    enterprises={},
)


def local(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=ZONE).astimezone(dt.UTC)


def test_a_week_of_items() -> None:
    items = scheduled_between(local(2026, 11, 23), local(2026, 12, 2), ORG, Schedule(), CALENDAR, ZONE)
    keys = [i.key for i in items]
    assert keys == [
        "digest:2026-W47:awb", "digest:2026-W47:cgz", "selfcheck_missing:2026-W47:cgz",
        "digest:2026-W48:awb", "digest:2026-W48:cgz", "selfcheck_missing:2026-W48:cgz", "ranking:2026-11",
    ]  # fmt: skip
    digest = items[0]
    assert digest.due_at == local(2026, 11, 23, 9) and digest.expires_at == local(2026, 11, 30, 9)
    assert digest.period == week_of(dt.date(2026, 11, 16))


def test_the_same_window_plans_the_same_keys() -> None:
    whole = scheduled_between(local(2026, 11, 1), local(2026, 12, 31), ORG, Schedule(), CALENDAR, ZONE)
    halves = (scheduled_between(local(2026, 11, 1), local(2026, 12, 1), ORG, Schedule(), CALENDAR, ZONE)
              + scheduled_between(local(2026, 12, 1), local(2026, 12, 31), ORG, Schedule(), CALENDAR, ZONE))
    assert [i.key for i in whole] == [i.key for i in halves]
    assert len({i.key for i in whole}) == len(whole)


def test_a_ranking_on_national_day_waits_for_the_next_working_day() -> None:
    # October 2026: 1–7 are the National Day holiday
    items = scheduled_between(local(2026, 9, 30), local(2026, 10, 10), ORG, Schedule(), CALENDAR, ZONE)
    ranking = next(i for i in items if i.kind is ItemKind.RANKING)
    assert ranking.key == "ranking:2026-09" and ranking.due_at == local(2026, 10, 8, 9)
    assert ranking.expires_at == local(2026, 11, 2, 9)  # 1 November 2026 is a Sunday


def test_selfcheck_prompt_and_deadline_follow_the_calendar() -> None:
    prompt, deadline = selfcheck_times(week_of(dt.date(2026, 11, 23)), Schedule(), CALENDAR, ZONE)
    assert (prompt, deadline) == (local(2026, 11, 27, 9), local(2026, 11, 30, 12))
    # the week of 28 September 2026: Thursday 1 October starts the holiday; the prompt comes on Wednesday,
    # the deadline waits for Thursday 8 October (Monday 5th is a holiday too)
    prompt, deadline = selfcheck_times(week_of(dt.date(2026, 9, 28)), Schedule(), CALENDAR, ZONE)
    assert (prompt, deadline) == (local(2026, 9, 30, 9), local(2026, 10, 8, 12))


def test_which_week_a_selfcheck_is_for() -> None:
    schedule = Schedule()
    assert selfcheck_week(local(2026, 11, 30, 11), schedule, CALENDAR, ZONE).start == dt.date(2026, 11, 23)
    assert selfcheck_week(local(2026, 11, 30, 12), schedule, CALENDAR, ZONE).start == dt.date(2026, 11, 30)
    assert selfcheck_week(local(2026, 11, 27, 9), schedule, CALENDAR, ZONE).start == dt.date(2026, 11, 23)
