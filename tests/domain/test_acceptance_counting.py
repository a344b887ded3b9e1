"""未按时受理 in the counting and the ranking (issue 12 §2): ignoring a report must cost a unit, never pay."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.hazards import Grade, State
from domain.ranking import UnitInput, rank_units
from domain.reminders import Policy, acceptance_due
from domain.statistics import Compliance, EventRecord, HazardRecord, acceptance_at, figures
from domain.workcalendar import WorkCalendar
from tests.domain.test_statistics import ZONE, at, ev, hazard

R, F, W, C = State.REPORTED, State.RECTIFYING, State.AWAITING_VERIFICATION, State.CLOSED
POLICY, CALENDAR = Policy(), WorkCalendar()


def due(start: dt.datetime, grade: Grade) -> dt.datetime:
    """The bot's own 受理 limit: one office day for 一般, four office hours for 重大."""
    return acceptance_due(start, grade, POLICY, CALENDAR, ZONE)


NOVEMBER, DECEMBER = at(11, 1, 0), at(12, 1, 0)
ON_TIME = hazard(1, at(11, 23), [ev(at(11, 23, 11), "accept", F, at(11, 26, 18))])
LATE = hazard(2, at(11, 23), [ev(at(11, 25, 11), "accept", F, at(11, 30, 18))])  # limit: the 24th 10:00
IGNORED = hazard(3, at(11, 23), [])
IGNORED_MAJOR_FOR_AN_HOUR = hazard(4, at(11, 30, 15), [], grade=Grade.MAJOR)  # limit: 1 December 10:00
# reported 重大, re-graded 一般 at 受理: judged by the 4 office hours it was reported with
REGRADED = HazardRecord(5, "YH-2026-000005", "e01", "cgz", "xfdd", "xfaq", Grade.GENERAL, F, at(11, 23),
                        events=(ev(at(11, 23), "report", R),
                                EventRecord(at(11, 23, 16), "accept", F, 7, at(11, 30, 18), grade_from="major")))
# moved to another department on the 24th at 16:00: the new unit's day runs to the 25th 16:00
MOVED = hazard(6, at(11, 23), [EventRecord(at(11, 24, 16), "transfer", R, 7, moved="department"),
                               ev(at(11, 25, 15), "accept", F, at(11, 30, 18))])


def test_acceptance_is_judged_by_the_limit_of_the_grade_reported_and_of_the_unit_that_had_it() -> None:
    assert acceptance_at(ON_TIME, DECEMBER, due) is not None
    assert not acceptance_at(ON_TIME, DECEMBER, due).late  # type: ignore[union-attr]
    assert acceptance_at(LATE, DECEMBER, due).late  # type: ignore[union-attr]
    assert acceptance_at(REGRADED, DECEMBER, due).late  # type: ignore[union-attr]  # 16:00 > 14:00
    moved = acceptance_at(MOVED, DECEMBER, due)
    assert moved is not None and moved.due == at(11, 25, 16) and not moved.late
    assert acceptance_at(IGNORED, at(11, 20), due) is None  # not filed yet


@pytest.mark.parametrize(
    ("records", "snapshot_end", "accepted_late", "unaccepted_overdue"),
    [
        ([ON_TIME], DECEMBER, 0, 0),
        ([LATE], DECEMBER, 1, 0),
        ([IGNORED], DECEMBER, 0, 1),
        ([IGNORED], at(11, 24, 9), 0, 0),  # the limit has not passed yet at the snapshot
        ([IGNORED_MAJOR_FOR_AN_HOUR], DECEMBER, 0, 0),  # filed late in the month; its limit is in December
        ([REGRADED, MOVED], DECEMBER, 1, 0),
        ([ON_TIME, LATE, IGNORED, IGNORED_MAJOR_FOR_AN_HOUR, REGRADED, MOVED], DECEMBER, 2, 1),
    ],
)
def test_not_accepted_in_time_is_its_own_figure(records: list[HazardRecord], snapshot_end: dt.datetime,
                                                accepted_late: int, unaccepted_overdue: int) -> None:
    got = figures(records, NOVEMBER, snapshot_end, at(12, 10), ZONE, due)
    assert (got.accepted_late, got.unaccepted_overdue) == (accepted_late, unaccepted_overdue)
    assert got.not_accepted_in_time == accepted_late + unaccepted_overdue
    assert figures(records, NOVEMBER, snapshot_end, at(12, 10), ZONE).not_accepted_in_time == 0  # no limit given


def test_the_hazard_ignored_in_november_is_counted_in_december_too_until_accepted() -> None:
    december = figures([IGNORED], DECEMBER, at(12, 31, 0), at(12, 10), ZONE, due)
    assert december.unaccepted_overdue == 1
    accepted = hazard(3, at(11, 23), [ev(at(12, 3), "accept", F, at(12, 20, 18))])
    later = figures([accepted], DECEMBER, at(12, 31, 0), at(12, 10), ZONE, due)
    assert (later.accepted_late, later.unaccepted_overdue) == (1, 0)


def ranking(worker: list[HazardRecord], ignorer: list[HazardRecord]) -> list[str]:
    """Two departments of one enterprise each, equal self-checks: their order for November."""
    def unit(unit_id: str, records: list[HazardRecord]) -> UnitInput:
        return UnitInput(unit_id, 1, figures(records, NOVEMBER, DECEMBER, at(12, 1, 9), ZONE, due),
                         Compliance(4, 4, 0))
    # the ignorer is listed first: the org file's order must not be what puts it below
    return [s.unit_id for s in rank_units([unit("ignorer", ignorer), unit("worker", worker)])]


@pytest.mark.parametrize(
    "worked",
    [
        pytest.param(hazard(1, at(11, 23), [ev(at(11, 23, 11), "accept", F, at(11, 26, 18)),
                                            ev(at(11, 25), "submit", W), ev(at(11, 26), "verify_pass", C)]),
                     id="accepted-and-closed-on-time"),
        pytest.param(hazard(1, at(11, 23), [ev(at(11, 23, 11), "accept", F, at(11, 26, 18)),
                                            ev(at(11, 29), "submit", W), ev(at(11, 30), "verify_pass", C)]),
                     id="accepted-rectified-late"),
        pytest.param(hazard(1, at(11, 23), [ev(at(11, 23, 11), "accept", F, at(11, 26, 18))]),
                     id="accepted-then-overdue-at-month-end"),
        pytest.param(hazard(1, at(11, 23), [ev(at(11, 26, 11), "accept", F, at(12, 26, 18))]),
                     id="accepted-late"),
    ],
)
def test_a_department_cannot_raise_its_rank_by_leaving_reports_alone(worked: HazardRecord) -> None:
    """However the worker's hazard went, the department that left the same report alone ranks below it."""
    ignored = hazard(2, at(11, 23), [], department="ignorer")
    ranked = ranking([worked], [ignored])
    assert ranked == ["worker", "ignorer"]
    scores = {s.unit_id: s for s in rank_units([
        UnitInput("worker", 1, figures([worked], NOVEMBER, DECEMBER, at(12, 1, 9), ZONE, due), Compliance(4, 4, 0)),
        UnitInput("ignorer", 1, figures([ignored], NOVEMBER, DECEMBER, at(12, 1, 9), ZONE, due), Compliance(4, 4, 0)),
    ])}
    assert scores["worker"].rank < scores["ignorer"].rank  # strictly: not a shared place either
    assert scores["ignorer"].not_accepted_in_time == 1 and scores["ignorer"].components["acceptance"] == 0


def test_an_ignored_report_weighs_at_least_as_much_as_an_overdue_rectification() -> None:
    """Same unit size, same everything else: one overdue rectification vs one report never accepted."""
    overdue = hazard(1, at(11, 2), [ev(at(11, 2, 11), "accept", F, at(11, 6, 18))])
    ignored = hazard(2, at(11, 2), [])
    a = UnitInput("overdue", 3, figures([overdue], NOVEMBER, DECEMBER, at(12, 1, 9), ZONE, due), Compliance())
    b = UnitInput("ignored", 3, figures([ignored], NOVEMBER, DECEMBER, at(12, 1, 9), ZONE, due), Compliance())
    scores = {s.unit_id: s.score for s in rank_units([a, b])}
    assert scores["ignored"] is not None and scores["overdue"] is not None
    assert scores["ignored"] < scores["overdue"]
