"""The reminder planner: before the deadline, overdue nudges, the ladder, 回头看, quiet hours, lateness."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest

from domain.hazards import Grade, State
from domain.lifecycle import Audience, HazardFacts
from domain.reminders import (
    Dispatch,
    EscalationStep,
    GradePolicy,
    Kind,
    PlannedNotification,
    Policy,
    Reminder,
    dispatch,
    due_notifications,
    hold,
    plan_notifications,
)
from domain.workcalendar import WorkCalendar

ZONE = ZoneInfo("Asia/Shanghai")
POLICY = Policy()
OFFICIAL = WorkCalendar()  # 2026 from the official data, 2027 Monday–Friday only
# 2027 as an organisation file would describe it (the official data stops at 2026).
CONFIGURED = WorkCalendar(
    holidays=["2027-01-01", *(f"2027-10-0{day}" for day in range(1, 8))],
    workdays=["2027-09-26", "2027-10-09"],
)

ENTERPRISE_AND_THREADS = (Audience.ENTERPRISE_OFFICERS, Audience.UNIT_THREADS)


def at(text: str) -> dt.datetime:
    """A local instant written as 'YYYY-MM-DD HH:MM'."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=ZONE)


def local(instant: dt.datetime | None) -> str | None:
    """An instant as the local 'YYYY-MM-DD HH:MM' the tables use."""
    return instant.astimezone(ZONE).strftime("%Y-%m-%d %H:%M") if instant is not None else None


def rectifying(deadline: str, *, grade: Grade = Grade.GENERAL, set_at: str | None = None) -> HazardFacts:
    """Hazard 42 in 整改中 with a deadline."""
    return HazardFacts(
        hazard_id=42,
        state=State.RECTIFYING,
        grade=grade,
        enterprise_id="e01",
        department_id="yjj",
        township_id="cgz",
        reporter_id=101,
        deadline=at(deadline),
        original_deadline=at(deadline),
        deadline_set_at=at(set_at) if set_at else None,
    )


def plan(
    facts: HazardFacts, now: str, *, calendar: WorkCalendar = OFFICIAL, policy: Policy = POLICY
) -> list[PlannedNotification]:
    """The plan at a local instant."""
    return plan_notifications(facts, policy, calendar, ZONE, at(now))


def of_kind(planned: list[PlannedNotification], kind: Kind) -> list[tuple[str, str | None]]:
    """(key suffix after the hazard id, local due) of one kind, in plan order."""
    return [(n.key.removeprefix("42:"), local(n.due_at)) for n in planned if n.kind is kind]


# --- before the deadline ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("grade", "deadline", "set_at", "calendar", "expected"),
    [
        pytest.param(Grade.GENERAL, "2026-11-27 18:00", "2026-11-16 10:00", OFFICIAL, [
            ("3d", "2026-11-24 09:00"), ("1d", "2026-11-26 09:00"), ("0d", "2026-11-27 08:30"),
        ], id="general-plain-week"),
        pytest.param(Grade.MAJOR, "2026-11-27 18:00", "2026-11-16 10:00", OFFICIAL, [
            ("7d", "2026-11-20 09:00"), ("3d", "2026-11-24 09:00"), ("1d", "2026-11-26 09:00"),
            ("0d", "2026-11-27 08:30"),
        ], id="major-also-a-week-before"),
        pytest.param(Grade.GENERAL, "2026-11-27 18:00", "2026-11-25 10:00", OFFICIAL, [
            ("1d", "2026-11-26 09:00"), ("0d", "2026-11-27 08:30"),
        ], id="reminders-before-the-deadline-was-set-are-not-planned"),
        pytest.param(Grade.GENERAL, "2026-11-27 08:00", "2026-11-16 10:00", OFFICIAL, [
            ("3d", "2026-11-24 09:00"), ("1d", "2026-11-26 09:00"),
        ], id="morning-reminder-after-an-early-deadline-dropped"),
        pytest.param(Grade.GENERAL, "2026-09-30 18:00", "2026-09-16 10:00", OFFICIAL, [
            ("3d", "2026-09-28 08:00"), ("1d", "2026-09-29 09:00"), ("0d", "2026-09-30 08:30"),
        ], id="general-held-from-mid-autumn-sunday"),
        pytest.param(Grade.MAJOR, "2026-09-30 18:00", "2026-09-16 10:00", OFFICIAL, [
            ("7d", "2026-09-23 09:00"), ("3d", "2026-09-27 09:00"), ("1d", "2026-09-29 09:00"),
            ("0d", "2026-09-30 08:30"),
        ], id="major-not-held-on-a-holiday"),
        pytest.param(Grade.GENERAL, "2026-10-13 18:00", "2026-09-16 10:00", OFFICIAL, [
            ("3d", "2026-10-10 09:00"), ("1d", "2026-10-12 09:00"), ("0d", "2026-10-13 08:30"),
        ], id="tiaoxiu-saturday-is-not-held"),
        pytest.param(Grade.GENERAL, "2026-10-12 18:00", "2026-09-16 10:00", OFFICIAL, [
            ("3d", "2026-10-09 09:00"), ("0d", "2026-10-12 08:30"),
        ], id="held-sunday-reminder-gives-way-to-mondays"),
        pytest.param(Grade.GENERAL, "2026-10-05 18:00", "2026-09-16 10:00", OFFICIAL, [],
                     id="deadline-in-national-day-held-past-it"),
        pytest.param(Grade.GENERAL, "2027-10-08 18:00", "2027-09-16 10:00", OFFICIAL, [
            ("3d", "2027-10-05 09:00"), ("1d", "2027-10-07 09:00"), ("0d", "2027-10-08 08:30"),
        ], id="2027-fallback-monday-to-friday"),
        pytest.param(Grade.GENERAL, "2027-10-08 18:00", "2027-09-16 10:00", CONFIGURED, [
            ("0d", "2027-10-08 08:30"),
        ], id="2027-national-day-from-the-org-file"),
    ],
)  # fmt: skip
def test_before_deadline_reminders(
    grade: Grade, deadline: str, set_at: str, calendar: WorkCalendar, expected: list[tuple[str, str]]
) -> None:
    planned = plan(rectifying(deadline, grade=grade, set_at=set_at), set_at, calendar=calendar)
    anchor = at(deadline).astimezone(dt.UTC).strftime("%Y%m%dT%H%MZ")
    assert of_kind(planned, Kind.BEFORE) == [(f"before:{offset}:{anchor}", due) for offset, due in expected]


def test_before_reminders_go_to_the_enterprise_and_the_threads() -> None:
    planned = plan(rectifying("2026-11-27 18:00"), "2026-11-16 10:00")
    assert {n.audiences for n in planned if n.kind is Kind.BEFORE} == {ENTERPRISE_AND_THREADS}


def test_before_reminder_expires_at_the_next_one_and_the_last_at_the_deadline() -> None:
    planned = [n for n in plan(rectifying("2026-11-27 18:00"), "2026-11-16 10:00") if n.kind is Kind.BEFORE]
    assert [local(n.expires_at) for n in planned] == ["2026-11-26 09:00", "2026-11-27 08:30", "2026-11-27 18:00"]


def test_held_reminder_keeps_its_nominal_instant() -> None:
    held = plan(rectifying("2026-09-30 18:00", set_at="2026-09-16 10:00"), "2026-09-16 10:00")[0]
    assert (held.held, local(held.nominal_at), local(held.due_at)) == (True, "2026-09-27 09:00", "2026-09-28 08:00")


# --- quiet hours and days off -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instant", "calendar", "expected"),
    [
        pytest.param("2026-11-24 12:00", OFFICIAL, "2026-11-24 12:00", id="workday-noon"),
        pytest.param("2026-11-24 08:00", OFFICIAL, "2026-11-24 08:00", id="quiet-ends-at-eight"),
        pytest.param("2026-11-24 20:59", OFFICIAL, "2026-11-24 20:59", id="last-minute-before-quiet"),
        pytest.param("2026-11-24 21:00", OFFICIAL, "2026-11-25 08:00", id="quiet-starts-at-nine"),
        pytest.param("2026-11-24 06:30", OFFICIAL, "2026-11-24 08:00", id="early-morning"),
        pytest.param("2026-11-27 22:00", OFFICIAL, "2026-11-30 08:00", id="friday-night-to-monday"),
        pytest.param("2026-11-28 12:00", OFFICIAL, "2026-11-30 08:00", id="saturday"),
        pytest.param("2026-09-20 10:00", OFFICIAL, "2026-09-20 10:00", id="tiaoxiu-sunday-is-a-workday"),
        pytest.param("2026-09-30 22:00", OFFICIAL, "2026-10-08 08:00", id="national-day-eve"),
        pytest.param("2026-10-03 10:00", OFFICIAL, "2026-10-08 08:00", id="national-day"),
        pytest.param("2026-10-09 22:00", OFFICIAL, "2026-10-10 08:00", id="to-tiaoxiu-saturday"),
        pytest.param("2027-09-30 22:00", OFFICIAL, "2027-10-01 08:00", id="2027-fallback-without-lists"),
        pytest.param("2027-09-30 22:00", CONFIGURED, "2027-10-08 08:00", id="2027-national-day-from-org-file"),
        pytest.param("2027-09-25 10:00", CONFIGURED, "2027-09-26 08:00", id="2027-tiaoxiu-from-org-file"),
        pytest.param("2026-12-31 22:00", CONFIGURED, "2027-01-04 08:00", id="new-year-across-the-data-edge"),
    ],
)
def test_hold(instant: str, calendar: WorkCalendar, expected: str) -> None:
    assert local(hold(at(instant), POLICY, calendar, ZONE)) == expected


def test_hold_returns_utc() -> None:
    assert hold(at("2026-11-24 12:00"), POLICY, OFFICIAL, ZONE).tzinfo is dt.UTC


def test_no_quiet_hours_when_start_equals_end() -> None:
    policy = Policy(quiet_start=dt.time(0, 0), quiet_end=dt.time(0, 0))
    assert local(hold(at("2026-11-24 23:30"), policy, OFFICIAL, ZONE)) == "2026-11-24 23:30"
    assert local(hold(at("2026-11-28 23:30"), policy, OFFICIAL, ZONE)) == "2026-11-30 00:00"


def test_escalations_ignore_quiet_hours() -> None:
    policy = Policy(escalation_at=dt.time(7, 0))
    planned = plan(rectifying("2026-11-20 18:00"), "2026-11-16 10:00", policy=policy)
    assert of_kind(planned, Kind.ESCALATION)[0][1] == "2026-11-23 07:00"


def test_major_overdue_nudges_go_out_on_a_holiday() -> None:
    planned = plan(rectifying("2026-09-30 18:00", grade=Grade.MAJOR), "2026-09-30 19:00")
    assert of_kind(planned, Kind.OVERDUE)[:1] == [("overdue:2026-10-01", "2026-10-01 09:00")]


# --- overdue: nudges and the ladder -------------------------------------------------------------


@pytest.mark.parametrize(
    ("grade", "deadline", "now", "calendar", "expected"),
    [
        pytest.param(Grade.GENERAL, "2026-11-20 18:00", "2026-11-16 10:00", OFFICIAL,
                     [("township", 1, "2026-11-23 09:00"), ("department", 3, "2026-11-25 09:00"),
                      ("office", 7, "2026-12-01 09:00")], id="general-plain-weeks"),
        pytest.param(Grade.MAJOR, "2026-11-20 18:00", "2026-11-16 10:00", OFFICIAL,
                     [("township", 0, "2026-11-20 18:00"), ("department", 1, "2026-11-23 09:00"),
                      ("office", 3, "2026-11-25 09:00")], id="major-one-step-earlier"),
        pytest.param(Grade.MAJOR, "2026-11-20 23:59", "2026-11-16 10:00", OFFICIAL,
                     [("township", 0, "2026-11-20 23:59"), ("department", 1, "2026-11-23 09:00"),
                      ("office", 3, "2026-11-25 09:00")], id="major-first-rung-in-quiet-hours"),
        pytest.param(Grade.GENERAL, "2026-09-30 18:00", "2026-09-16 10:00", OFFICIAL,
                     [("township", 1, "2026-10-08 09:00"), ("department", 3, "2026-10-10 09:00"),
                      ("office", 7, "2026-10-15 09:00")], id="general-across-national-day-and-tiaoxiu"),
        pytest.param(Grade.MAJOR, "2026-09-30 18:00", "2026-09-16 10:00", OFFICIAL,
                     [("township", 0, "2026-09-30 18:00"), ("department", 1, "2026-10-08 09:00"),
                      ("office", 3, "2026-10-10 09:00")], id="major-across-national-day"),
        pytest.param(Grade.GENERAL, "2026-10-05 18:00", "2026-09-16 10:00", OFFICIAL,
                     [("township", 1, "2026-10-08 09:00"), ("department", 3, "2026-10-10 09:00"),
                      ("office", 7, "2026-10-15 09:00")], id="deadline-on-a-holiday"),
        pytest.param(Grade.GENERAL, "2027-09-30 18:00", "2027-09-16 10:00", CONFIGURED,
                     [("township", 1, "2027-10-08 09:00"), ("department", 3, "2027-10-11 09:00"),
                      ("office", 7, "2027-10-15 09:00")], id="2027-from-the-org-file"),
        pytest.param(Grade.GENERAL, "2027-09-30 18:00", "2027-09-16 10:00", OFFICIAL,
                     [("township", 1, "2027-10-01 09:00"), ("department", 3, "2027-10-05 09:00"),
                      ("office", 7, "2027-10-11 09:00")], id="2027-monday-to-friday"),
        pytest.param(Grade.GENERAL, "2026-12-31 18:00", "2026-12-16 10:00", CONFIGURED,
                     [("township", 1, "2027-01-04 09:00"), ("department", 3, "2027-01-06 09:00"),
                      ("office", 7, "2027-01-12 09:00")], id="across-the-data-edge"),
    ],
)  # fmt: skip
def test_escalation_ladder_in_working_days(
    grade: Grade, deadline: str, now: str, calendar: WorkCalendar, expected: list[tuple[str, int, str]]
) -> None:
    planned = [n for n in plan(rectifying(deadline, grade=grade), now, calendar=calendar) if n.kind is Kind.ESCALATION]
    anchor = at(deadline).astimezone(dt.UTC).strftime("%Y%m%dT%H%MZ")
    assert [(n.key, n.working_days_overdue, local(n.due_at)) for n in planned] == [
        (f"42:escalate:{rung}:{anchor}", days, due) for rung, days, due in expected
    ]


def test_each_rung_says_who_was_told_before() -> None:
    planned = [n for n in plan(rectifying("2026-11-20 18:00"), "2026-11-16 10:00") if n.kind is Kind.ESCALATION]
    assert [(n.audiences, n.already_told) for n in planned] == [
        ((Audience.TOWNSHIP_LEADS,), ENTERPRISE_AND_THREADS),
        ((Audience.DEPARTMENT_LEADS,), (*ENTERPRISE_AND_THREADS, Audience.TOWNSHIP_LEADS)),
        ((Audience.OFFICE_GROUP,), (*ENTERPRISE_AND_THREADS, Audience.TOWNSHIP_LEADS, Audience.DEPARTMENT_LEADS)),
    ]


def test_escalations_never_expire() -> None:
    planned = plan(rectifying("2026-11-20 18:00"), "2026-11-16 10:00")
    assert all(n.expires_at is None for n in planned if n.kind is Kind.ESCALATION)


def test_ladder_is_configurable_per_grade() -> None:
    general = GradePolicy(reminders=(), ladder=(EscalationStep(2, Audience.OFFICE_GROUP),))
    planned = plan(rectifying("2026-11-20 18:00"), "2026-11-16 10:00", policy=Policy(general=general))
    assert [(n.kind, n.key) for n in planned if n.kind is not Kind.OVERDUE] == [
        (Kind.ESCALATION, "42:escalate:office:20261120T1000Z")
    ]


@pytest.mark.parametrize(
    ("grade", "deadline", "now", "expected"),
    [
        pytest.param(Grade.GENERAL, "2026-11-20 18:00", "2026-11-16 10:00",
                     [("2026-11-23", "2026-11-24 09:00"), ("2026-11-24", "2026-11-25 09:00")],
                     id="general-first-two-working-days-planned-ahead"),
        pytest.param(Grade.MAJOR, "2026-11-20 18:00", "2026-11-16 10:00",
                     [("2026-11-21", "2026-11-22 09:00"), ("2026-11-22", "2026-11-23 09:00")],
                     id="major-every-calendar-day"),
        pytest.param(Grade.GENERAL, "2026-11-20 18:00", "2026-11-25 10:00",
                     [("2026-11-25", "2026-11-26 09:00"), ("2026-11-26", "2026-11-27 09:00"),
                      ("2026-11-27", "2026-11-30 09:00")], id="general-current-and-two-ahead-over-a-weekend"),
        pytest.param(Grade.GENERAL, "2026-11-20 18:00", "2026-11-25 08:59",
                     [("2026-11-24", "2026-11-25 09:00"), ("2026-11-25", "2026-11-26 09:00"),
                      ("2026-11-26", "2026-11-27 09:00")], id="before-todays-nudge-yesterdays-is-current"),
        pytest.param(Grade.GENERAL, "2026-09-29 18:00", "2026-09-30 10:00",
                     [("2026-09-30", "2026-10-08 09:00"), ("2026-10-08", "2026-10-09 09:00"),
                      ("2026-10-09", "2026-10-10 09:00")], id="general-skips-national-day"),
        pytest.param(Grade.GENERAL, "2025-11-20 18:00", "2026-11-25 10:00",
                     [("2026-11-25", "2026-11-26 09:00"), ("2026-11-26", "2026-11-27 09:00"),
                      ("2026-11-27", "2026-11-30 09:00")], id="overdue-a-year-still-three-rows"),
    ],
)  # fmt: skip
def test_overdue_nudges_roll(grade: Grade, deadline: str, now: str, expected: list[tuple[str, str]]) -> None:
    nudges = [n for n in plan(rectifying(deadline, grade=grade), now) if n.kind is Kind.OVERDUE]
    assert [(f"42:overdue:{day}", f"{day} 09:00", expires) for day, expires in expected] == [
        (n.key, local(n.due_at), local(n.expires_at)) for n in nudges
    ]
    assert all(n.audiences == ENTERPRISE_AND_THREADS for n in nudges)


def test_the_plan_stays_small_for_an_old_hazard() -> None:
    planned = plan(rectifying("2024-01-10 18:00"), "2026-11-25 10:00")
    # Three before-reminders (long expired: the sweep drops them), the ladder and three nudges.
    assert [n.kind for n in planned].count(Kind.OVERDUE) == 3 and len(planned) == 3 + 3 + 3
    assert all(
        n.expires_at is not None and n.expires_at < at("2026-11-25 10:00") for n in planned if n.kind is Kind.BEFORE
    )


# --- 回头看 -------------------------------------------------------------------------------------


def closed(closed_at: str, grade: Grade = Grade.GENERAL) -> HazardFacts:
    """Hazard 42, 已销号 at a local instant."""
    return replace(rectifying("2026-01-10 18:00", grade=grade), state=State.CLOSED, closed_at=at(closed_at))


@pytest.mark.parametrize(
    ("closed_at", "grade", "calendar", "due"),
    [
        pytest.param("2026-10-20 15:00", Grade.GENERAL, OFFICIAL, "2026-11-19 09:00", id="thirty-days-later"),
        pytest.param("2026-09-01 10:00", Grade.GENERAL, OFFICIAL, "2026-10-08 08:00", id="held-past-national-day"),
        pytest.param("2026-09-01 10:00", Grade.MAJOR, OFFICIAL, "2026-10-01 09:00", id="major-not-held"),
        pytest.param("2026-12-02 10:00", Grade.GENERAL, CONFIGURED, "2027-01-04 08:00", id="2027-new-year-held"),
        pytest.param("2026-12-02 10:00", Grade.GENERAL, OFFICIAL, "2027-01-01 09:00", id="2027-fallback-friday"),
    ],
)
def test_recheck_falls_due_n_days_after_closing(closed_at: str, grade: Grade, calendar: WorkCalendar, due: str) -> None:
    (recheck,) = plan(closed(closed_at, grade), closed_at, calendar=calendar)
    anchor = at(closed_at).astimezone(dt.UTC).strftime("%Y%m%dT%H%MZ")
    assert (recheck.kind, recheck.key, local(recheck.due_at)) == (Kind.RECHECK_DUE, f"42:recheck:{anchor}", due)
    assert (recheck.audiences, recheck.expires_at) == ((Audience.UNIT_THREADS,), None)


def test_recheck_delay_is_configurable() -> None:
    (recheck,) = plan(closed("2026-10-20 15:00"), "2026-10-20 15:00", policy=Policy(recheck_after_days=60))
    assert local(recheck.due_at) == "2026-12-21 08:00"  # 60 days on is a Saturday: held to Monday


def test_unanswered_recheck_is_nudged_and_escalates_in_the_threads() -> None:
    started = replace(closed("2026-10-20 15:00"), state=State.RECHECK, recheck_started_at=at("2026-11-19 09:00"))
    planned = plan(started, "2026-11-19 09:00")
    # Answerable for 3 working days (to 11-24 18:00); then nudged and escalated like an overdue hazard.
    assert of_kind(planned, Kind.RECHECK_OVERDUE) == [
        ("recheck_overdue:2026-11-25", "2026-11-25 09:00"),
        ("recheck_overdue:2026-11-26", "2026-11-26 09:00"),
    ]
    assert of_kind(planned, Kind.RECHECK_ESCALATION) == [
        ("recheck_escalate:township:20261124T1000Z", "2026-11-25 09:00"),
        ("recheck_escalate:department:20261124T1000Z", "2026-11-27 09:00"),
        ("recheck_escalate:office:20261124T1000Z", "2026-12-03 09:00"),
    ]
    assert {n.audiences for n in planned if n.kind is Kind.RECHECK_OVERDUE} == {(Audience.UNIT_THREADS,)}
    assert next(n.already_told for n in planned if n.kind is Kind.RECHECK_ESCALATION) == (Audience.UNIT_THREADS,)


# --- nothing to plan ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "facts",
    [
        pytest.param(replace(rectifying("2026-11-27 18:00"), state=State.REPORTED), id="reported"),
        pytest.param(replace(rectifying("2026-11-27 18:00"), state=State.AWAITING_VERIFICATION), id="awaiting"),
        pytest.param(replace(rectifying("2026-11-27 18:00"), state=State.ARCHIVED), id="archived"),
        pytest.param(replace(rectifying("2026-11-27 18:00"), deadline=None), id="rectifying-without-deadline"),
        pytest.param(replace(rectifying("2026-11-27 18:00"), state=State.CLOSED), id="closed-without-instant"),
    ],
)
def test_nothing_is_planned(facts: HazardFacts) -> None:
    assert plan(facts, "2026-11-20 10:00") == []


# --- keys ---------------------------------------------------------------------------------------


def test_the_plan_is_deterministic() -> None:
    facts = rectifying("2026-11-27 18:00", grade=Grade.MAJOR, set_at="2026-11-16 10:00")
    assert plan(facts, "2026-11-28 10:00") == plan(facts, "2026-11-28 10:00")


def test_keys_are_unique_within_a_plan() -> None:
    planned = plan(rectifying("2026-11-27 18:00", grade=Grade.MAJOR), "2026-11-28 10:00")
    assert len({n.key for n in planned}) == len(planned)


def test_keys_do_not_depend_on_when_the_plan_is_made() -> None:
    facts = rectifying("2026-11-20 18:00", set_at="2026-11-16 10:00")
    first = {n.key: n for n in plan(facts, "2026-11-16 10:00")}
    later = {n.key: n for n in plan(facts, "2026-11-24 10:00")}
    shared = first.keys() & later.keys()
    assert "42:overdue:2026-11-24" in shared and "42:escalate:township:20261120T1000Z" in shared
    assert all(first[key] == later[key] for key in shared)


def test_keys_use_the_utc_deadline_whatever_the_zone() -> None:
    facts = rectifying("2026-11-27 18:00", set_at="2026-11-16 10:00")
    moved = replace(facts, deadline=at("2026-11-27 18:00").astimezone(dt.UTC))
    assert [n.key for n in plan(facts, "2026-11-16 10:00")] == [n.key for n in plan(moved, "2026-11-16 10:00")]


def test_an_extension_gets_its_own_reminders_and_ladder() -> None:
    """Each step goes out once per deadline: an approved extension starts a fresh set of keys."""
    first = plan(rectifying("2026-11-20 18:00", set_at="2026-11-16 10:00"), "2026-11-16 10:00")
    extended = plan(rectifying("2026-11-27 18:00", set_at="2026-11-19 10:00"), "2026-11-19 10:00")
    assert {n.key for n in extended if n.kind is Kind.ESCALATION} == {
        "42:escalate:township:20261127T1000Z",
        "42:escalate:department:20261127T1000Z",
        "42:escalate:office:20261127T1000Z",
    }
    assert not {n.key for n in first} & {n.key for n in extended if n.kind in (Kind.BEFORE, Kind.ESCALATION)}


def test_a_rebound_starts_a_new_ladder() -> None:
    first = {n.key for n in plan(rectifying("2026-09-10 18:00"), "2026-09-01 10:00")}
    rebound = replace(rectifying("2026-12-10 18:00", set_at="2026-11-20 10:00"), rebounds=1)
    second = {n.key for n in plan(rebound, "2026-11-20 10:00")}
    assert not first & second


# --- what is due --------------------------------------------------------------------------------

LATE = POLICY.late_after


@pytest.mark.parametrize(
    ("due", "expires", "now", "verdict"),
    [
        pytest.param("2026-11-24 09:00", None, "2026-11-24 08:59", Dispatch.WAIT, id="not-yet"),
        pytest.param("2026-11-24 09:00", None, "2026-11-24 09:00", Dispatch.SEND, id="on-time"),
        pytest.param("2026-11-24 09:00", None, "2026-11-24 09:10", Dispatch.SEND, id="within-grace"),
        pytest.param("2026-11-24 09:00", None, "2026-11-24 09:11", Dispatch.SEND_LATE, id="late"),
        pytest.param("2026-11-24 09:00", None, "2026-12-24 09:00", Dispatch.SEND_LATE, id="escalation-a-month-late"),
        pytest.param("2026-11-24 09:00", "2026-11-25 09:00", "2026-11-25 08:59", Dispatch.SEND_LATE,
                     id="late-before-expiry"),
        pytest.param("2026-11-24 09:00", "2026-11-25 09:00", "2026-11-25 09:00", Dispatch.EXPIRED, id="expired"),
    ],
)  # fmt: skip
def test_dispatch(due: str, expires: str | None, now: str, verdict: Dispatch) -> None:
    assert dispatch(at(due), at(expires) if expires else None, at(now), late_after=LATE) is verdict


def outbox(sent: set[str], *plans: list[PlannedNotification]) -> list[PlannedNotification]:
    """The pending rows after inserting plans keyed by dedupe key (insert or ignore), without those sent."""
    rows: dict[str, PlannedNotification] = {}
    for planned in plans:
        for notification in planned:
            rows.setdefault(notification.key, notification)
    return [n for key, n in rows.items() if key not in sent]


def test_after_downtime_what_fell_due_goes_once_marked_late_and_the_stale_expire() -> None:
    """Planned at acceptance; the 3-day reminder went out; then the bot was down from 11-25 to Monday noon."""
    stored = plan(rectifying("2026-11-27 18:00", set_at="2026-11-16 10:00"), "2026-11-16 10:00")
    result = due_notifications(outbox({"42:before:3d:20261127T1000Z"}, stored), at("2026-11-30 12:00"), POLICY)
    assert [(n.notification.key, n.late) for n in result.send] == [
        ("42:escalate:township:20261127T1000Z", True),
        ("42:overdue:2026-11-30", True),
    ]
    assert [n.key for n in result.expired] == ["42:before:1d:20261127T1000Z", "42:before:0d:20261127T1000Z"]


def test_a_week_down_sends_one_nudge_and_each_missed_rung_once() -> None:
    facts = rectifying("2026-11-20 18:00", set_at="2026-11-16 10:00")
    before_outage = plan(facts, "2026-11-23 10:00")
    sent = {n.key for n in before_outage if n.due_at <= at("2026-11-23 10:00")}  # all on time, before going down
    now = at("2026-12-02 10:00")
    pending = outbox(sent, before_outage, plan_notifications(facts, POLICY, OFFICIAL, ZONE, now))
    result = due_notifications(pending, now, POLICY)
    assert [(n.notification.key, n.late) for n in result.send] == [
        ("42:escalate:department:20261120T1000Z", True),
        ("42:escalate:office:20261120T1000Z", True),
        ("42:overdue:2026-12-02", True),
    ]
    assert [n.key for n in result.expired] == ["42:overdue:2026-11-24", "42:overdue:2026-11-25"]


def test_due_notifications_on_time_are_not_late() -> None:
    stored = plan(rectifying("2026-11-27 18:00", set_at="2026-11-16 10:00"), "2026-11-16 10:00")
    result = due_notifications(stored, at("2026-11-24 09:01"), POLICY)
    assert [(n.notification.key, n.late) for n in result.send] == [("42:before:3d:20261127T1000Z", False)]
    assert result.expired == ()


# --- policy and inputs --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"recheck_after_days": -1}, id="negative-recheck"),
        pytest.param({"nudges_ahead": 0}, id="no-next-nudge"),
        pytest.param({"general": GradePolicy(reminders=(Reminder(-1, dt.time(9, 0)),), ladder=())},
                     id="negative-offset"),
        pytest.param({"major": GradePolicy(reminders=(), ladder=(EscalationStep(-2, Audience.OFFICE_GROUP),))},
                     id="negative-step"),
    ],
)  # fmt: skip
def test_policy_refuses_nonsense(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Policy(**changes)  # type: ignore[arg-type]


def test_policy_for_grade() -> None:
    assert POLICY.for_grade(Grade.MAJOR) is POLICY.major and POLICY.for_grade(Grade.GENERAL) is POLICY.general


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="aware"):
        plan_notifications(rectifying("2026-11-27 18:00"), POLICY, OFFICIAL, ZONE, dt.datetime(2026, 11, 20))  # noqa: DTZ001


def test_all_instants_are_utc() -> None:
    planned = plan(rectifying("2026-11-27 18:00", grade=Grade.MAJOR), "2026-11-28 10:00")
    assert {n.due_at.tzinfo for n in planned} == {dt.UTC}
