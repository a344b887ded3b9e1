"""Counting: a hand-built week of hazards and the figures worked out by hand; ranking; periods."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from domain.hazards import Grade, State
from domain.periods import Period, PeriodKind, PeriodProblem, parse_period, week_of
from domain.ranking import UnitInput, rank_units
from domain.statistics import (
    MICROS_A_DAY,
    Compliance,
    EventRecord,
    Figures,
    HazardRecord,
    RecheckResult,
    SelfCheckRecord,
    compliance,
    figures,
    ledger_rows,
    state_rows,
)

ZONE = ZoneInfo("Asia/Shanghai")


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    """A local instant in 2026, as UTC."""
    return dt.datetime(2026, month, day, hour, minute, tzinfo=ZONE).astimezone(dt.UTC)


def ev(when: dt.datetime, action: str, to: State, deadline: dt.datetime | None = None, actor: int = 7) -> EventRecord:
    return EventRecord(when, action, to, actor, deadline)


R, F, W, C, K, A = (State.REPORTED, State.RECTIFYING, State.AWAITING_VERIFICATION, State.CLOSED, State.RECHECK,
                    State.ARCHIVED)


def hazard(n: int, reported: dt.datetime, events: list[EventRecord], *, grade: Grade = Grade.GENERAL,
           enterprise: str = "e01", township: str = "cgz", department: str = "xfdd") -> HazardRecord:
    state = events[-1].to_state if events else R
    return HazardRecord(n, f"YH-2026-{n:06d}", enterprise, township, department, "xfaq", grade, state, reported,
                        events=(ev(reported, "report", R), *events))


# The week of Monday 23 November 2026 (local), and seven hazards worked through by hand.
A_ON_TIME = hazard(1, at(11, 23), [ev(at(11, 23, 11), "accept", F, at(11, 26, 18)), ev(at(11, 25), "submit", W),
                                   ev(at(11, 26), "verify_pass", C)])
B_LATE = hazard(2, at(11, 16), [ev(at(11, 16, 11), "accept", F, at(11, 20, 18)), ev(at(11, 24), "submit", W),
                                ev(at(11, 25), "verify_pass", C)], township="hsx", enterprise="e02")
C_OVERDUE = hazard(3, at(11, 24), [ev(at(11, 24, 11), "accept", F, at(11, 25, 18))])
D_MAJOR_OPEN = hazard(4, at(11, 27), [], grade=Grade.MAJOR)
E_REBOUND = hazard(5, at(10, 5), [ev(at(10, 5, 11), "accept", F, at(10, 9, 18)), ev(at(10, 8), "submit", W),
                                  ev(at(10, 9), "verify_pass", C), ev(at(11, 8, 9), "recheck_start", K),
                                  ev(at(11, 26), "rebound", F, at(12, 5, 18))])
F_EXTENDED = hazard(6, at(11, 23, 9), [ev(at(11, 23, 9, 30), "accept", F, at(11, 24, 18)),
                                       ev(at(11, 23, 15), "ext_approve", F, at(11, 28, 18)),
                                       ev(at(11, 27, 9), "submit", W), ev(at(11, 28, 9), "verify_pass", C)])
G_RECHECK_DUE = hazard(7, at(10, 1), [ev(at(10, 1, 11), "accept", F, at(10, 20, 18)), ev(at(10, 20), "submit", W),
                                      ev(at(10, 26), "verify_pass", C), ev(at(11, 25, 9), "recheck_start", K)],
                       department="yjj")
WEEK = [A_ON_TIME, B_LATE, C_OVERDUE, D_MAJOR_OPEN, E_REBOUND, F_EXTENDED, G_RECHECK_DUE]
START, END = at(11, 23, 0), at(11, 30, 0)


def test_a_week_counted_by_hand() -> None:
    got = figures(WEEK, START, END, at(12, 10), ZONE)
    assert got == Figures(
        reported=4,  # A, C, D, F
        accepted=3,  # A, C, F
        rectified_on_time=2,  # A (by its deadline), F (by its extended deadline)
        rectified_late=1,  # B: submitted the 24th, deadline the 20th
        rebounds=1, rechecks_done=1,  # E
        micros_to_close=17 * MICROS_A_DAY,  # A 23→26, B 16→25, F 23 09:00→28 09:00: 3 + 9 + 5 days
        overdue=1, overdue_days=(5,),  # C: deadline the 25th, snapshot at the week's end (the 30th, 00:00)
        major_open=1,  # D
        rechecks_due=1,  # G
        open=3,  # C, D, E (reopened by its rebound)
    )  # fmt: skip
    assert got.on_time_rate == pytest.approx(2 / 3)
    assert got.average_days_to_close == pytest.approx(17 / 3)
    assert got.rebound_rate == 1.0


def test_a_period_still_running_is_seen_as_of_now() -> None:
    # Wednesday 25th 20:00: A is submitted, not yet verified, B verified; C passed its deadline two hours ago
    got = figures(WEEK, START, END, at(11, 25, 20), ZONE)
    assert got.rectified == got.rectified_late == 1 and got.overdue_days == (1,) and got.accepted == 3
    assert got.rechecks_due == 2  # E (its rebound comes tomorrow) and G


def test_later_events_do_not_change_a_past_period() -> None:
    fixed = hazard(3, at(11, 24), [*C_OVERDUE.events[1:], ev(at(12, 2), "submit", W), ev(at(12, 3), "verify_pass", C)])
    before = figures([C_OVERDUE], START, END, at(12, 10), ZONE)
    after = figures([fixed], START, END, at(12, 10), ZONE)
    assert before == after
    december = figures([fixed], at(12, 1, 0), at(12, 8, 0), at(12, 10), ZONE)
    assert (december.rectified_late, december.overdue) == (1, 0)


def test_compliance_counts_weeks_whose_deadline_passed() -> None:
    weeks = [(dt.date(2026, 11, 16), at(11, 23, 12)), (dt.date(2026, 11, 23), at(11, 30, 12))]
    checks = [
        SelfCheckRecord("e01", dt.date(2026, 11, 16), at(11, 20, 10), zero=True),
        SelfCheckRecord("e02", dt.date(2026, 11, 16), at(11, 23, 15), zero=False, hazards=1),  # late
        SelfCheckRecord("e01", dt.date(2026, 11, 23), at(11, 27, 10), zero=True),
        SelfCheckRecord("e09", dt.date(2026, 11, 16), at(11, 20, 10), zero=True),  # not one of ours
    ]
    assert compliance(["e01", "e02", "e03"], weeks, checks, at(11, 25)) == Compliance(3, 1, 1)
    full = compliance(["e01", "e02", "e03"], weeks, checks, at(12, 1))
    assert full == Compliance(6, 2, 1) and full.rate == pytest.approx(1 / 3) and full.missing == 3


def test_ranking_by_the_formula() -> None:
    x = UnitInput("x", 4, Figures(rectified_on_time=3, rectified_late=1, overdue=2, overdue_days=(3, 1), rebounds=1,
                                  rechecks_done=4, micros_to_close=4 * 15 * MICROS_A_DAY), Compliance(8, 6, 1))
    y = UnitInput("y", 1, Figures(), Compliance(2, 2, 0))
    z = UnitInput("z", 0, Figures(), Compliance())
    ranked = rank_units([x, y, z])
    assert [(s.unit_id, s.rank) for s in ranked] == [("y", 1), ("x", 2), ("z", 3)]
    # (0.25×0.75 + 0.20×(1 − 2/4) + 0.10×(1 − 1/4) + 0.05×(1 − 15/30) + 0.20×0.75) / 0.80: no 受理 fell due
    assert ranked[1].score == pytest.approx(67.1875)
    assert ranked[0].score == pytest.approx(100.0)  # overdue and self-check only, both perfect
    assert ranked[2].score is None


def test_big_units_are_not_punished_for_size() -> None:
    big = UnitInput("big", 40, Figures(overdue=4, overdue_days=(1,) * 4), Compliance())
    small = UnitInput("small", 2, Figures(overdue=1, overdue_days=(1,)), Compliance())
    ranked = rank_units([small, big])
    assert [s.unit_id for s in ranked] == ["big", "small"]
    assert ranked[0].score == pytest.approx(90.0) and ranked[1].score == pytest.approx(50.0)


def test_equal_scores_share_a_rank_and_fewer_overdue_goes_first() -> None:
    a = UnitInput("a", 1, Figures(rectified_on_time=1), Compliance())
    b = UnitInput("b", 1, Figures(rectified_on_time=2), Compliance())
    ranked = rank_units([a, b])
    assert [(s.unit_id, s.rank) for s in ranked] == [("a", 1), ("b", 1)]


def test_ledger_rows() -> None:
    rows = {r.record.code: r for r in ledger_rows(WEEK, at(12, 1), ZONE)}
    b = rows["YH-2026-000002"]
    assert b.days_overdue == 4 and b.closed_at == at(11, 25) and b.verified_by == 7  # 20th → 24th
    assert b.recheck is RecheckResult.WAITING
    assert rows["YH-2026-000003"].days_overdue == 6  # still open on 1 December
    assert rows["YH-2026-000005"].recheck is RecheckResult.REBOUND
    assert rows["YH-2026-000007"].recheck is RecheckResult.DUE
    assert rows["YH-2026-000004"].rectified_at is None and rows["YH-2026-000004"].recheck is RecheckResult.NONE
    assert [r.record.id for r in ledger_rows(WEEK, at(12, 1), ZONE)] == [7, 5, 2, 6, 1, 3, 4]


def test_ledger_rows_say_whether_the_acceptance_limit_was_met() -> None:
    """With a 受理 limit of 2 hours from filing (the caller's office-time rule, here plain hours)."""
    due = lambda start, grade: start + dt.timedelta(hours=2)  # noqa: E731
    late = hazard(8, at(11, 23), [ev(at(11, 23, 13), "accept", F, at(11, 26, 18))])
    rows = {r.record.id: r for r in ledger_rows([A_ON_TIME, late, D_MAJOR_OPEN], at(11, 27, 13), ZONE, due)}
    assert rows[1].acceptance is not None and not rows[1].acceptance.late  # accepted after 1 hour
    assert rows[8].acceptance is not None and rows[8].acceptance.late  # after 3 hours
    assert rows[4].acceptance is not None and rows[4].acceptance.accepted_at is None and rows[4].accept_overdue
    assert not ledger_rows([D_MAJOR_OPEN], at(11, 27, 11), ZONE, due)[0].accept_overdue  # 11:00: limit at 12:00
    assert not ledger_rows([D_MAJOR_OPEN], at(11, 27, 11, 30), ZONE, lambda s, g: s + dt.timedelta(days=1))[
        0].accept_overdue  # its limit still ahead: 待受理
    assert ledger_rows(WEEK, at(12, 1), ZONE)[0].acceptance is None  # no limit given: nothing said


def test_state_rows_per_unit() -> None:
    groups = {"xfdd": lambda r: "xfdd" in r.unit_ids, "yjj": lambda r: "yjj" in r.unit_ids, "all": lambda r: True}
    table = state_rows(WEEK, groups, at(10, 1, 0), at(12, 1, 0), at(12, 20), ZONE)
    every = table["all"]
    assert every.total == 7 and every.by_grade[Grade.MAJOR] == 1
    assert every.by_state[C] == 3 and every.by_state[K] == 1 and every.by_state[F] == 2 and every.by_state[R] == 1
    assert every.overdue == 1 and every.rectified == 4 and every.rectification_rate == pytest.approx(4 / 7)
    assert table["yjj"].total == 1 and table["xfdd"].total == 6


PERIODS = [
    ("本周", Period(PeriodKind.WEEK, dt.date(2026, 11, 23), dt.date(2026, 11, 30))),
    ("上周", Period(PeriodKind.WEEK, dt.date(2026, 11, 16), dt.date(2026, 11, 23))),
    ("本月", Period(PeriodKind.MONTH, dt.date(2026, 11, 1), dt.date(2026, 12, 1))),
    ("上月", Period(PeriodKind.MONTH, dt.date(2026, 10, 1), dt.date(2026, 11, 1))),
    ("本季度", Period(PeriodKind.QUARTER, dt.date(2026, 10, 1), dt.date(2027, 1, 1))),
    ("上季度", Period(PeriodKind.QUARTER, dt.date(2026, 7, 1), dt.date(2026, 10, 1))),
    ("2026年11月", Period(PeriodKind.MONTH, dt.date(2026, 11, 1), dt.date(2026, 12, 1))),
    ("2025年12月", Period(PeriodKind.MONTH, dt.date(2025, 12, 1), dt.date(2026, 1, 1))),
    ("2026-02", Period(PeriodKind.MONTH, dt.date(2026, 2, 1), dt.date(2026, 3, 1))),
    ("3月", Period(PeriodKind.MONTH, dt.date(2026, 3, 1), dt.date(2026, 4, 1))),
    ("2026年第一季度", Period(PeriodKind.QUARTER, dt.date(2026, 1, 1), dt.date(2026, 4, 1))),
    ("2026Q4", Period(PeriodKind.QUARTER, dt.date(2026, 10, 1), dt.date(2027, 1, 1))),
    ("今年", Period(PeriodKind.YEAR, dt.date(2026, 1, 1), dt.date(2027, 1, 1))),
    ("2026年11月1日至11月15日", Period(PeriodKind.RANGE, dt.date(2026, 11, 1), dt.date(2026, 11, 16))),
    ("2026-11-01~2026-11-15", Period(PeriodKind.RANGE, dt.date(2026, 11, 1), dt.date(2026, 11, 16))),
    ("11月1日到15日", Period(PeriodKind.RANGE, dt.date(2026, 11, 1), dt.date(2026, 11, 16))),
    ("2025年12月20日至2026年1月5日", Period(PeriodKind.RANGE, dt.date(2025, 12, 20), dt.date(2026, 1, 6))),
    ("11月5日", Period(PeriodKind.RANGE, dt.date(2026, 11, 5), dt.date(2026, 11, 6))),
    ("2月30日", PeriodProblem.INVALID_DATE),
    ("13月", PeriodProblem.INVALID_DATE),
    ("11月15日至11月1日", PeriodProblem.REVERSED),
    ("2020-01-01至2026-01-01", PeriodProblem.TOO_LONG),
    ("随便", PeriodProblem.UNKNOWN),
    ("0000年", PeriodProblem.OUT_OF_RANGE),  # a date cannot hold year 0
    ("9999年12月", PeriodProblem.OUT_OF_RANGE),  # its end would be in 10000
    ("9999年", PeriodProblem.OUT_OF_RANGE),
    ("1999年", PeriodProblem.OUT_OF_RANGE),
    ("2100年第一季度", PeriodProblem.OUT_OF_RANGE),
    ("", PeriodProblem.UNKNOWN),
]


@pytest.mark.parametrize(("text", "expected"), PERIODS)
def test_parse_period(text: str, expected: Period | PeriodProblem) -> None:
    assert parse_period(text, dt.date(2026, 11, 25)) == expected


def test_period_instants_and_keys() -> None:
    week = week_of(dt.date(2026, 11, 25))
    assert week.start_at(ZONE) == dt.datetime(2026, 11, 22, 16, 0, tzinfo=dt.UTC)
    assert week.key == "2026-W48" and week.last_day == dt.date(2026, 11, 29)
    assert parse_period("2026Q4", dt.date(2026, 1, 1)).key == "2026-Q4"  # type: ignore[union-attr]
