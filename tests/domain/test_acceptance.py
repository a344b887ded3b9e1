"""The 受理 clock (issue 12 §2): office time on the official calendar, reminders, nudges and the ladder."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from domain.hazards import Grade, State
from domain.lifecycle import Action, Actor, Audience, HazardFacts, Payload, Transition, decide
from domain.members import Role
from domain.org import UnitKind
from domain.reminders import Kind, Policy, acceptance_due, plan_notifications
from tests.domain.test_reminders import OFFICIAL, ZONE, at, local

POLICY = Policy()
NINE, FIVE = dt.time(9, 0), dt.time(17, 0)


@pytest.mark.parametrize(
    ("start", "amount", "expected"),
    [
        ("2026-11-23 10:00", dt.timedelta(hours=8), "2026-11-24 10:00"),  # Monday: one office day → Tuesday
        ("2026-11-23 10:00", dt.timedelta(hours=4), "2026-11-23 14:00"),
        ("2026-11-23 15:00", dt.timedelta(hours=4), "2026-11-24 11:00"),  # over the evening
        ("2026-11-23 09:00", dt.timedelta(hours=8), "2026-11-23 17:00"),  # exactly one day's office hours
        ("2026-11-23 07:00", dt.timedelta(hours=1), "2026-11-23 10:00"),  # before the office opens
        ("2026-11-27 20:00", dt.timedelta(hours=4), "2026-11-30 13:00"),  # Friday evening → Monday
        ("2026-11-28 11:00", dt.timedelta(hours=8), "2026-11-30 17:00"),  # Saturday: the clock waits
        ("2026-09-30 16:00", dt.timedelta(hours=8), "2026-10-08 16:00"),  # National Day: Oct 1–7 off
    ],
)
def test_office_time_runs_only_in_office_hours_of_working_days(start: str, amount: dt.timedelta,
                                                               expected: str) -> None:
    assert local(OFFICIAL.add_office_time(at(start), amount, ZONE, NINE, FIVE)) == expected


def reported(at_text: str, grade: Grade = Grade.GENERAL) -> HazardFacts:
    """Hazard 42, 已上报 at a local instant, not yet accepted."""
    return HazardFacts(hazard_id=42, state=State.REPORTED, grade=grade, enterprise_id="e01", department_id="yjj",
                       township_id="cgz", reporter_id=101, accept_clock_from=at(at_text))


def table(facts: HazardFacts, now: str) -> list[tuple[str, str, str | None, tuple[Audience, ...]]]:
    return [(n.kind.value, local(n.due_at) or "", local(n.expires_at), n.audiences)
            for n in plan_notifications(facts, POLICY, OFFICIAL, ZONE, at(now))]


DEPARTMENT = (Audience.DEPARTMENT_THREAD,)


def test_a_general_report_must_be_accepted_within_one_office_day_and_escalates_like_an_overdue_one() -> None:
    facts = reported("2026-11-23 10:00")  # Monday
    assert local(acceptance_due(at("2026-11-23 10:00"), Grade.GENERAL, POLICY, OFFICIAL, ZONE)) == "2026-11-24 10:00"
    assert table(facts, "2026-11-23 10:00") == [
        ("accept_before", "2026-11-23 16:00", "2026-11-24 10:00", DEPARTMENT),  # two office hours before
        ("accept_escalate", "2026-11-25 09:00", None, (Audience.TOWNSHIP_LEADS,)),  # 1 working day late
        ("accept_overdue", "2026-11-25 09:00", "2026-11-26 09:00", DEPARTMENT),  # daily nudges from then on
        ("accept_overdue", "2026-11-26 09:00", "2026-11-27 09:00", DEPARTMENT),
        ("accept_escalate", "2026-11-27 09:00", None, (Audience.DEPARTMENT_LEADS,)),  # 3
        ("accept_escalate", "2026-12-03 09:00", None, (Audience.OFFICE_GROUP,)),  # 7
    ]
    ladder = [n for n in plan_notifications(facts, POLICY, OFFICIAL, ZONE, at("2026-11-23 10:00"))
              if n.kind is Kind.ACCEPT_ESCALATION]
    assert [n.already_told for n in ladder] == [
        DEPARTMENT, (*DEPARTMENT, Audience.TOWNSHIP_LEADS),
        (*DEPARTMENT, Audience.TOWNSHIP_LEADS, Audience.DEPARTMENT_LEADS)]


def test_a_major_report_has_four_office_hours_and_the_ladder_starts_at_the_limit() -> None:
    rows = table(reported("2026-11-23 10:00", Grade.MAJOR), "2026-11-23 10:00")
    assert ("accept_before", "2026-11-23 13:00", "2026-11-23 14:00", DEPARTMENT) in rows
    escalations = [(due, audiences) for kind, due, _, audiences in rows if kind == "accept_escalate"]
    assert escalations == [("2026-11-23 14:00", (Audience.TOWNSHIP_LEADS,)),
                           ("2026-11-24 09:00", (Audience.DEPARTMENT_LEADS,)),
                           ("2026-11-26 09:00", (Audience.OFFICE_GROUP,))]


def test_a_report_filed_on_friday_night_is_due_on_monday() -> None:
    rows = table(reported("2026-11-27 22:00", Grade.MAJOR), "2026-11-27 22:00")
    assert rows[0] == ("accept_before", "2026-11-30 12:00", "2026-11-30 13:00", DEPARTMENT)


def department_member(unit: str = "yjj") -> Actor:
    return Actor(555, Role.MEMBER, unit, UnitKind.DEPARTMENT)


def test_accepting_ends_the_clock() -> None:
    facts = reported("2026-11-23 10:00")
    accepted = decide(facts, department_member(), Action.ACCEPT,
                      Payload(grade=Grade.GENERAL, deadline=at("2026-11-30 18:00"), responsible_person="李四"),
                      at("2026-11-23 11:00"))
    assert isinstance(accepted, Transition)
    kinds = {n.kind for n in plan_notifications(accepted.after, POLICY, OFFICIAL, ZONE, at("2026-11-23 11:00"))}
    assert kinds and not kinds & {Kind.ACCEPT_BEFORE, Kind.ACCEPT_OVERDUE, Kind.ACCEPT_ESCALATION}


def test_a_transfer_to_another_department_restarts_the_clock_a_township_transfer_does_not() -> None:
    facts = reported("2026-11-23 10:00")
    moved = decide(facts, department_member(), Action.TRANSFER,
                   Payload(to_unit_id="zjj", to_unit_kind=UnitKind.DEPARTMENT, reason="属建筑施工"),
                   at("2026-11-24 16:00"))
    assert isinstance(moved, Transition) and moved.after.accept_clock_from == at("2026-11-24 16:00")
    before = {n.key for n in plan_notifications(facts, POLICY, OFFICIAL, ZONE, at("2026-11-24 16:00"))}
    after = plan_notifications(moved.after, POLICY, OFFICIAL, ZONE, at("2026-11-24 16:00"))
    assert not before & {n.key for n in after}  # new keys: the old unit's rows are dropped by the replan
    assert local(after[0].due_at) == "2026-11-25 14:00" and local(after[0].about) == "2026-11-25 16:00"

    township = decide(facts, Actor(556, Role.MEMBER, "cgz", UnitKind.TOWNSHIP), Action.TRANSFER,
                      Payload(to_unit_id="hsx", to_unit_kind=UnitKind.TOWNSHIP, reason="企业在河山乡"),
                      at("2026-11-24 16:00"))
    assert isinstance(township, Transition) and township.after.accept_clock_from == facts.accept_clock_from


def test_a_transfer_after_acceptance_leaves_no_clock() -> None:
    facts = replace(reported("2026-11-23 10:00"), state=State.RECTIFYING, deadline=at("2026-11-30 18:00"))
    moved = decide(facts, department_member(), Action.TRANSFER,
                   Payload(to_unit_id="zjj", to_unit_kind=UnitKind.DEPARTMENT, reason="属建筑施工"),
                   at("2026-11-24 16:00"))
    assert isinstance(moved, Transition) and moved.after.accept_clock_from == facts.accept_clock_from
    kinds = {n.kind for n in plan_notifications(moved.after, POLICY, OFFICIAL, ZONE, at("2026-11-24 16:00"))}
    assert Kind.ACCEPT_ESCALATION not in kinds


def test_the_policy_refuses_a_limit_that_is_not_positive() -> None:
    with pytest.raises(ValueError, match="受理"):
        Policy(general=replace(POLICY.general, accept_limit=dt.timedelta(0)))
