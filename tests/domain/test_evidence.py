"""domain.evidence: days overdue, the next step on a card, and which new photos repeat photos on file."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from domain.evidence import Match, NextStep, StoredPhoto, days_overdue, find_reuse, next_step
from domain.hazards import Grade, State
from domain.lifecycle import Action, Actor, Audience, HazardFacts, Payload, PlanPart, Transition, decide
from domain.members import Role
from domain.org import UnitKind

ZONE = ZoneInfo("Asia/Shanghai")
DEADLINE = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)  # Thursday 18:00 in Shanghai


@pytest.mark.parametrize(
    ("now", "state", "days"),
    [
        (DEADLINE - dt.timedelta(hours=1), State.RECTIFYING, 0),
        (DEADLINE + dt.timedelta(hours=1), State.RECTIFYING, 1),  # 19:00 the same day: late, counted as 1
        (DEADLINE + dt.timedelta(days=3), State.RECTIFYING, 3),
        (DEADLINE + dt.timedelta(days=3), State.AWAITING_VERIFICATION, 0),  # submitted: nothing is owed
        (DEADLINE + dt.timedelta(days=3), State.CLOSED, 0),
    ],
)
def test_days_overdue(now: dt.datetime, state: State, days: int) -> None:
    assert days_overdue(DEADLINE, state, now, ZONE) == days


def facts(state: State, grade: Grade = Grade.GENERAL, parts: frozenset[PlanPart] = frozenset()) -> HazardFacts:
    return HazardFacts(1, state, grade, "e01", "yjj", "cgz", 101, deadline=DEADLINE, plan_parts=parts)


@pytest.mark.parametrize(
    ("hazard", "step"),
    [
        (facts(State.REPORTED), NextStep.ACCEPT),
        (facts(State.RECTIFYING), NextStep.RECTIFY),
        (facts(State.AWAITING_VERIFICATION), NextStep.VERIFY),
        (facts(State.AWAITING_VERIFICATION, Grade.MAJOR), NextStep.PLAN_THEN_VERIFY),
        (facts(State.AWAITING_VERIFICATION, Grade.MAJOR, frozenset(PlanPart)), NextStep.VERIFY),
        (facts(State.CLOSED), NextStep.RECHECK_DUE),
        (facts(State.RECHECK), NextStep.RECHECK),
        (facts(State.ARCHIVED), NextStep.NONE),
    ],
)
def test_next_step(hazard: HazardFacts, step: NextStep) -> None:
    assert next_step(hazard) is step


A, B = "a" * 64, "b" * 64
PHASH = 0x8F3C_71E0_55AA_0F0F


def test_an_identical_photo_of_another_hazard_and_of_the_same_hazards_report_is_found() -> None:
    stored = [StoredPhoto(1, "YH-1", "report", A, PHASH), StoredPhoto(2, "YH-2", "report", B, None)]
    found = find_reuse(2, [(A, PHASH), (B, None)], stored)
    assert [(r.n, r.code, r.same_hazard, r.match) for r in found] == [(1, "YH-1", False, Match.EXACT),
                                                                      (2, "YH-2", True, Match.EXACT)]


def test_a_near_duplicate_within_the_distance_and_not_beyond() -> None:
    stored = [StoredPhoto(1, "YH-1", "report", A, PHASH)]
    near = PHASH ^ 0b1011  # three bits differ
    far = PHASH ^ 0xFFFF  # sixteen
    found = find_reuse(2, [("c" * 64, near), ("d" * 64, far), ("e" * 64, None)], stored)
    assert [(r.n, r.match, r.distance) for r in found] == [(1, Match.NEAR, 3)]


def test_an_earlier_rectification_photo_of_the_same_hazard_is_not_reuse_but_anothers_is() -> None:
    stored = [StoredPhoto(2, "YH-2", "submit:7", A, PHASH), StoredPhoto(1, "YH-1", "submit:3", B, PHASH)]
    found = find_reuse(2, [(A, PHASH)], stored)
    assert [(r.code, r.match) for r in found] == [("YH-1", Match.NEAR)]


def test_the_closest_match_is_reported() -> None:
    stored = [StoredPhoto(1, "YH-1", "report", B, PHASH ^ 0b11), StoredPhoto(3, "YH-3", "report", A, PHASH ^ 1)]
    [found] = find_reuse(2, [(A, PHASH)], stored)
    assert (found.code, found.match, found.distance) == ("YH-3", Match.EXACT, 0)


def test_grading_major_tells_the_office_and_the_departments_leads_at_once() -> None:
    dept = Actor(5, Role.MEMBER, "yjj", UnitKind.DEPARTMENT)
    later = DEADLINE + dt.timedelta(days=10)
    now = DEADLINE - dt.timedelta(days=3)
    major = decide(facts(State.REPORTED), dept, Action.ACCEPT, Payload(Grade.MAJOR, later, "王五"), now)
    general = decide(facts(State.REPORTED), dept, Action.ACCEPT, Payload(Grade.GENERAL, later, "王五"), now)
    assert isinstance(major, Transition) and isinstance(general, Transition)
    assert {Audience.OFFICE_GROUP, Audience.DEPARTMENT_LEADS} <= set(major.notify)
    assert not {Audience.OFFICE_GROUP, Audience.DEPARTMENT_LEADS} & set(general.notify)
