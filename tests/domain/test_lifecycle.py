"""The hazard lifecycle: every transition, every refusal, who may do what, one behaviour per test."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest

from config.org import load_org
from config.settings import PROJECT_ROOT
from domain.hazards import Grade, State
from domain.lifecycle import (
    OPEN_STATES,
    SYSTEM_ACTOR_ID,
    Action,
    Actor,
    Audience,
    ExtensionRequest,
    Field,
    HazardFacts,
    Payload,
    PlanPart,
    Refusal,
    RefusalCode,
    Transition,
    available_actions,
    decide,
    missing_fields,
    required_fields,
)
from domain.members import Member, Role
from domain.org import UnitKind

ZONE = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=ZONE)  # a Friday
DEADLINE = dt.datetime(2026, 11, 27, 18, 0, tzinfo=ZONE)
LATER = dt.datetime(2026, 12, 4, 18, 0, tzinfo=ZONE)
ORG = load_org(PROJECT_ROOT / "config" / "org.example.toml")

# The hazard: enterprise e01, industry department yjj (应急管理局), township cgz (城关镇).
OFFICER = Actor(101, Role.OFFICER, enterprise_id="e01")
OFFICER_2 = Actor(102, Role.OFFICER, enterprise_id="e01")
OTHER_OFFICER = Actor(103, Role.OFFICER, enterprise_id="e02")
DEPT = Actor(201, Role.MEMBER, "yjj", UnitKind.DEPARTMENT)
DEPT_2 = Actor(203, Role.MEMBER, "yjj", UnitKind.DEPARTMENT)
DEPT_LEAD = Actor(202, Role.LEAD, "yjj", UnitKind.DEPARTMENT)
OTHER_DEPT = Actor(211, Role.MEMBER, "zjj", UnitKind.DEPARTMENT)
TOWN = Actor(301, Role.MEMBER, "cgz", UnitKind.TOWNSHIP)
TOWN_LEAD = Actor(302, Role.LEAD, "cgz", UnitKind.TOWNSHIP)
OTHER_TOWN = Actor(311, Role.MEMBER, "hsx", UnitKind.TOWNSHIP)
OFFICE = Actor(401, Role.MEMBER, "awb", UnitKind.OFFICE)
OFFICE_LEAD = Actor(402, Role.LEAD, "awb", UnitKind.OFFICE)
ADMIN = Actor(501, Role.ADMIN)
SYSTEM = Actor.system()

ALL_PARTS = frozenset(PlanPart)
PENDING = ExtensionRequest(requested_by=101, requested_at=NOW - dt.timedelta(hours=2), until=LATER, reason="设备到货晚")


def facts(state: State = State.REPORTED, **changes: object) -> HazardFacts:
    """A hazard of e01/yjj/cgz in ``state``, with what that state implies already filled in."""
    base = HazardFacts(
        hazard_id=42,
        state=state,
        grade=Grade.GENERAL,
        enterprise_id="e01",
        department_id="yjj",
        township_id="cgz",
        reporter_id=101,
    )
    if state is not State.REPORTED:
        base = replace(base, deadline=DEADLINE, original_deadline=DEADLINE, responsible_person="张三")
    if state in (State.AWAITING_VERIFICATION, State.CLOSED, State.RECHECK, State.ARCHIVED):
        base = replace(base, rectification_submitter_id=OFFICER.telegram_id)
    if state in (State.CLOSED, State.RECHECK, State.ARCHIVED):
        base = replace(base, closed_at=NOW - dt.timedelta(days=30))
    if state in (State.RECHECK, State.ARCHIVED):
        base = replace(base, recheck_started_at=NOW - dt.timedelta(days=1))
    return replace(base, **changes)  # type: ignore[arg-type]


ACCEPT = Payload(grade=Grade.GENERAL, deadline=DEADLINE, responsible_person="张三")
SUBMIT = Payload(measures="已更换灭火器", photo_count=2)
REASON = Payload(reason="照片不清楚", confirmed=True)
VERIFY = Payload(opinion="", confirmed=True)
RECHECKED = Payload(note="复查到位", photos_done=True)
REBOUND = Payload(reason="灭火器又被挪走", photo_count=1, deadline=LATER)
TO_ZJJ = Payload(to_unit_id="zjj", to_unit_kind=UnitKind.DEPARTMENT, reason="属建筑施工")
TO_HSX = Payload(to_unit_id="hsx", to_unit_kind=UnitKind.TOWNSHIP, reason="企业在河西乡")
EXTEND = Payload(reason="设备到货晚", deadline=LATER)
PLAN = Payload(plan_part=PlanPart.GOAL, plan_text="三个月内完成储罐区改造")


def transition(result: Transition | Refusal) -> Transition:
    """The result, which the test expects to be a transition."""
    assert isinstance(result, Transition), result
    return result


def refusal(result: Transition | Refusal) -> Refusal:
    """The result, which the test expects to be a refusal."""
    assert isinstance(result, Refusal), result
    return result


# --- every allowed transition -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hazard", "actor", "action", "payload", "to_state"),
    [
        pytest.param(facts(), DEPT, Action.ACCEPT, ACCEPT, State.RECTIFYING, id="accept-dept-member"),
        pytest.param(facts(), DEPT_LEAD, Action.ACCEPT, ACCEPT, State.RECTIFYING, id="accept-dept-lead"),
        pytest.param(facts(), OFFICE, Action.ACCEPT, ACCEPT, State.RECTIFYING, id="accept-office"),
        pytest.param(facts(State.RECTIFYING), OFFICER, Action.SUBMIT_RECTIFICATION, SUBMIT, State.AWAITING_VERIFICATION,
                     id="submit-officer"),
        pytest.param(facts(State.AWAITING_VERIFICATION), DEPT, Action.VERIFY_PASS, VERIFY, State.CLOSED,
                     id="verify-pass-dept"),
        pytest.param(facts(State.AWAITING_VERIFICATION), OFFICE_LEAD, Action.VERIFY_PASS, VERIFY, State.CLOSED,
                     id="verify-pass-office"),
        pytest.param(facts(State.AWAITING_VERIFICATION, grade=Grade.MAJOR, plan_parts=ALL_PARTS), DEPT_LEAD,
                     Action.VERIFY_PASS, VERIFY, State.CLOSED, id="verify-pass-major-with-plan"),
        pytest.param(facts(State.AWAITING_VERIFICATION), DEPT, Action.VERIFY_REFUSE, REASON, State.RECTIFYING,
                     id="verify-refuse"),
        pytest.param(facts(State.CLOSED), SYSTEM, Action.START_RECHECK, None, State.RECHECK, id="start-recheck"),
        pytest.param(facts(State.RECHECK), DEPT, Action.RECHECK_PASS, RECHECKED, State.ARCHIVED,
                     id="recheck-pass-dept"),
        pytest.param(facts(State.RECHECK), TOWN, Action.RECHECK_PASS, RECHECKED, State.ARCHIVED,
                     id="recheck-pass-town"),
        pytest.param(facts(State.RECHECK), TOWN_LEAD, Action.RECHECK_REBOUND, REBOUND, State.RECTIFYING,
                     id="rebound-town"),
        pytest.param(facts(State.RECHECK), DEPT, Action.RECHECK_REBOUND, REBOUND, State.RECTIFYING,
                     id="rebound-dept"),
        pytest.param(facts(State.RECTIFYING), OFFICER, Action.REQUEST_EXTENSION, EXTEND, State.RECTIFYING,
                     id="request-extension"),
        pytest.param(facts(State.RECTIFYING, pending_extension=PENDING), DEPT, Action.APPROVE_EXTENSION, None,
                     State.RECTIFYING, id="approve-extension"),
        pytest.param(facts(State.RECTIFYING, pending_extension=PENDING), DEPT_LEAD, Action.REFUSE_EXTENSION, REASON,
                     State.RECTIFYING, id="refuse-extension"),
        pytest.param(facts(grade=Grade.MAJOR), OFFICER, Action.FILL_PLAN, PLAN, State.REPORTED, id="plan-officer"),
        pytest.param(facts(State.RECTIFYING, grade=Grade.MAJOR), DEPT, Action.FILL_PLAN, PLAN, State.RECTIFYING,
                     id="plan-dept"),
        pytest.param(facts(State.AWAITING_VERIFICATION, grade=Grade.MAJOR), OFFICE, Action.FILL_PLAN, PLAN,
                     State.AWAITING_VERIFICATION, id="plan-office"),
        pytest.param(facts(), DEPT, Action.TRANSFER, TO_ZJJ, State.REPORTED, id="transfer-dept-by-dept"),
        pytest.param(facts(State.RECTIFYING), TOWN, Action.TRANSFER, TO_HSX, State.RECTIFYING,
                     id="transfer-town-by-town"),
        pytest.param(facts(State.AWAITING_VERIFICATION), OFFICE, Action.TRANSFER, TO_HSX, State.AWAITING_VERIFICATION,
                     id="transfer-by-office"),
        pytest.param(facts(State.RECHECK), ADMIN, Action.TRANSFER, TO_ZJJ, State.RECHECK, id="transfer-by-admin"),
    ],
)  # fmt: skip
def test_allowed_transition(
    hazard: HazardFacts, actor: Actor, action: Action, payload: Payload | None, to_state: State
) -> None:
    result = transition(decide(hazard, actor, action, payload, NOW))
    assert (result.from_state, result.to_state, result.after.state) == (hazard.state, to_state, to_state)
    assert (result.action, result.actor_id, result.at, result.hazard_id) == (action, actor.telegram_id, NOW, 42)


@pytest.mark.parametrize("state", sorted(OPEN_STATES))
def test_transfer_works_in_every_open_state_and_keeps_it(state: State) -> None:
    result = transition(decide(facts(state), DEPT, Action.TRANSFER, TO_ZJJ, NOW))
    assert result.to_state is state
    assert result.after.department_id == "zjj" and result.after.township_id == "cgz"
    restarted = dict(result.data).pop("accept_clock_from", None)  # the new department's 受理 clock, while 已上报
    assert {k: v for k, v in result.data.items() if k != "accept_clock_from"} == {
        "role": "department", "from_unit": "yjj", "to_unit": "zjj"}
    assert (restarted is not None) is (state is State.REPORTED)
    assert result.reason == "属建筑施工"


def test_transfer_of_the_township_moves_only_the_township() -> None:
    result = transition(decide(facts(), TOWN, Action.TRANSFER, TO_HSX, NOW))
    assert (result.after.department_id, result.after.township_id) == ("yjj", "hsx")
    assert result.data["role"] == "township"


def test_transfer_tells_the_unit_it_left() -> None:
    result = transition(decide(facts(), DEPT, Action.TRANSFER, TO_ZJJ, NOW))
    assert Audience.PREVIOUS_UNIT_THREAD in result.notify and Audience.UNIT_THREADS in result.notify


# --- every refusal ------------------------------------------------------------------------------

NA, WS = RefusalCode.NOT_ALLOWED, RefusalCode.WRONG_STATE


@pytest.mark.parametrize(
    ("hazard", "actor", "action", "payload", "code", "field"),
    [
        # Who may do what.
        pytest.param(facts(), OFFICER, Action.ACCEPT, ACCEPT, NA, None, id="officer-accepts"),
        pytest.param(facts(), TOWN_LEAD, Action.ACCEPT, ACCEPT, NA, None, id="township-accepts"),
        pytest.param(facts(), OTHER_DEPT, Action.ACCEPT, ACCEPT, NA, None, id="other-department-accepts"),
        pytest.param(facts(), ADMIN, Action.ACCEPT, ACCEPT, NA, None, id="admin-accepts"),
        pytest.param(facts(), SYSTEM, Action.ACCEPT, ACCEPT, NA, None, id="system-accepts"),
        pytest.param(facts(State.RECTIFYING), OTHER_OFFICER, Action.SUBMIT_RECTIFICATION, SUBMIT, NA, None,
                     id="other-enterprise-submits"),
        pytest.param(facts(State.RECTIFYING), DEPT, Action.SUBMIT_RECTIFICATION, SUBMIT, NA, None,
                     id="department-submits"),
        pytest.param(facts(State.AWAITING_VERIFICATION), TOWN, Action.VERIFY_PASS, None, NA, None,
                     id="township-verifies"),
        pytest.param(facts(State.AWAITING_VERIFICATION), OFFICER_2, Action.VERIFY_PASS, None, NA, None,
                     id="officer-verifies"),
        pytest.param(facts(State.AWAITING_VERIFICATION), ADMIN, Action.VERIFY_REFUSE, REASON, NA, None,
                     id="admin-refuses-verification"),
        pytest.param(facts(State.CLOSED), DEPT, Action.START_RECHECK, None, NA, None, id="person-starts-recheck"),
        pytest.param(facts(State.RECHECK), OFFICER, Action.RECHECK_PASS, None, NA, None, id="officer-rechecks"),
        pytest.param(facts(State.RECHECK), OTHER_TOWN, Action.RECHECK_REBOUND, REBOUND, NA, None,
                     id="other-township-rebound"),
        pytest.param(facts(), OFFICER, Action.TRANSFER, TO_ZJJ, NA, None, id="officer-transfers"),
        pytest.param(facts(), OTHER_DEPT, Action.TRANSFER, TO_ZJJ, NA, None, id="other-department-transfers"),
        pytest.param(facts(State.RECTIFYING), DEPT, Action.REQUEST_EXTENSION, EXTEND, NA, None,
                     id="department-requests-extension"),
        pytest.param(facts(State.RECTIFYING, pending_extension=PENDING), TOWN, Action.APPROVE_EXTENSION, None, NA,
                     None, id="township-approves-extension"),
        pytest.param(facts(State.RECTIFYING, pending_extension=PENDING), OFFICER, Action.APPROVE_EXTENSION, None, NA,
                     None, id="officer-approves-own-extension"),
        pytest.param(facts(grade=Grade.MAJOR), TOWN, Action.FILL_PLAN, PLAN, NA, None, id="township-fills-plan"),
        pytest.param(facts(grade=Grade.MAJOR), ADMIN, Action.FILL_PLAN, PLAN, NA, None, id="admin-fills-plan"),
        # The hazard has moved on (stale buttons, double presses).
        pytest.param(facts(State.RECTIFYING), DEPT, Action.ACCEPT, ACCEPT, WS, None, id="accept-twice"),
        pytest.param(facts(State.AWAITING_VERIFICATION), OFFICER, Action.SUBMIT_RECTIFICATION, SUBMIT, WS, None,
                     id="submit-twice"),
        pytest.param(facts(State.RECTIFYING), DEPT, Action.VERIFY_PASS, None, WS, None, id="verify-after-refusal"),
        pytest.param(facts(State.CLOSED), DEPT, Action.VERIFY_PASS, None, WS, None, id="verify-twice"),
        pytest.param(facts(State.CLOSED), DEPT, Action.VERIFY_REFUSE, REASON, WS, None, id="refuse-after-pass"),
        pytest.param(facts(State.RECHECK), SYSTEM, Action.START_RECHECK, None, WS, None, id="recheck-started-twice"),
        pytest.param(facts(State.CLOSED), DEPT, Action.RECHECK_PASS, None, WS, None, id="recheck-pass-too-early"),
        pytest.param(facts(State.ARCHIVED), TOWN, Action.RECHECK_REBOUND, REBOUND, WS, None, id="rebound-archived"),
        pytest.param(facts(State.CLOSED), DEPT, Action.TRANSFER, TO_ZJJ, WS, None, id="transfer-closed"),
        pytest.param(facts(State.ARCHIVED), ADMIN, Action.TRANSFER, TO_ZJJ, WS, None, id="transfer-archived"),
        pytest.param(facts(), OFFICER, Action.REQUEST_EXTENSION, EXTEND, WS, None, id="extension-before-accept"),
        pytest.param(facts(State.AWAITING_VERIFICATION), OFFICER, Action.REQUEST_EXTENSION, EXTEND, WS, None,
                     id="extension-after-submit"),
        pytest.param(facts(State.RECTIFYING), DEPT, Action.APPROVE_EXTENSION, None, WS, None,
                     id="approve-decided-extension"),
        pytest.param(facts(State.RECTIFYING), DEPT, Action.REFUSE_EXTENSION, REASON, WS, None,
                     id="refuse-decided-extension"),
        pytest.param(facts(State.CLOSED, grade=Grade.MAJOR), DEPT, Action.FILL_PLAN, PLAN, WS, None,
                     id="plan-after-close"),
        # The rules.
        pytest.param(facts(State.AWAITING_VERIFICATION, rectification_submitter_id=DEPT.telegram_id), DEPT,
                     Action.VERIFY_PASS, None, RefusalCode.SAME_PERSON, None, id="submitter-verifies"),
        pytest.param(facts(State.AWAITING_VERIFICATION, rectification_submitter_id=DEPT.telegram_id), DEPT,
                     Action.VERIFY_REFUSE, REASON, RefusalCode.SAME_PERSON, None, id="submitter-refuses"),
        pytest.param(facts(State.AWAITING_VERIFICATION, grade=Grade.MAJOR), DEPT, Action.VERIFY_PASS, None,
                     RefusalCode.PLAN_INCOMPLETE, None, id="major-without-plan"),
        pytest.param(facts(), OFFICER, Action.FILL_PLAN, PLAN, RefusalCode.NOT_MAJOR, None, id="plan-for-general"),
        pytest.param(facts(State.RECTIFYING, pending_extension=PENDING), OFFICER, Action.REQUEST_EXTENSION, EXTEND,
                     RefusalCode.EXTENSION_PENDING, None, id="second-extension-request"),
        # Missing and bad answers.
        pytest.param(facts(), DEPT, Action.ACCEPT, replace(ACCEPT, grade=None), RefusalCode.MISSING_FIELD,
                     Field.GRADE, id="accept-no-grade"),
        pytest.param(facts(), DEPT, Action.ACCEPT, replace(ACCEPT, deadline=None), RefusalCode.MISSING_FIELD,
                     Field.DEADLINE, id="accept-no-deadline"),
        pytest.param(facts(), DEPT, Action.ACCEPT, replace(ACCEPT, responsible_person=" \n"),
                     RefusalCode.MISSING_FIELD, Field.RESPONSIBLE_PERSON, id="accept-blank-person"),
        pytest.param(facts(), DEPT, Action.ACCEPT, None, RefusalCode.MISSING_FIELD, Field.GRADE,
                     id="accept-no-payload"),
        pytest.param(facts(), DEPT, Action.ACCEPT, replace(ACCEPT, deadline=NOW), RefusalCode.PAST_DATE,
                     Field.DEADLINE, id="accept-deadline-now"),
        pytest.param(facts(), DEPT, Action.ACCEPT, replace(ACCEPT, deadline=NOW - dt.timedelta(days=1)),
                     RefusalCode.PAST_DATE, Field.DEADLINE, id="accept-deadline-past"),
        pytest.param(facts(), DEPT, Action.ACCEPT, replace(ACCEPT, responsible_person="张" * 201),
                     RefusalCode.TOO_LONG, Field.RESPONSIBLE_PERSON, id="accept-person-too-long"),
        pytest.param(facts(State.RECTIFYING), OFFICER, Action.SUBMIT_RECTIFICATION, replace(SUBMIT, photo_count=0),
                     RefusalCode.MISSING_FIELD, Field.PHOTOS, id="submit-no-photos"),
        pytest.param(facts(State.RECTIFYING), OFFICER, Action.SUBMIT_RECTIFICATION, replace(SUBMIT, measures=""),
                     RefusalCode.MISSING_FIELD, Field.MEASURES, id="submit-no-measures"),
        pytest.param(facts(State.AWAITING_VERIFICATION), DEPT, Action.VERIFY_REFUSE, None,
                     RefusalCode.MISSING_FIELD, Field.REASON, id="refuse-no-reason"),
        pytest.param(facts(State.AWAITING_VERIFICATION), DEPT, Action.VERIFY_REFUSE,
                     Payload(reason="长" * 1001, confirmed=True), RefusalCode.TOO_LONG, Field.REASON,
                     id="refuse-reason-too-long"),
        pytest.param(facts(State.RECHECK), TOWN, Action.RECHECK_REBOUND, replace(REBOUND, photo_count=0),
                     RefusalCode.MISSING_FIELD, Field.PHOTOS, id="rebound-no-photos"),
        pytest.param(facts(State.RECHECK), TOWN, Action.RECHECK_REBOUND, replace(REBOUND, deadline=None),
                     RefusalCode.MISSING_FIELD, Field.DEADLINE, id="rebound-no-deadline"),
        pytest.param(facts(State.RECHECK), TOWN, Action.RECHECK_REBOUND, replace(REBOUND, deadline=NOW),
                     RefusalCode.PAST_DATE, Field.DEADLINE, id="rebound-past-deadline"),
        pytest.param(facts(), DEPT, Action.TRANSFER, replace(TO_ZJJ, to_unit_kind=None), RefusalCode.MISSING_FIELD,
                     Field.TO_UNIT, id="transfer-no-unit"),
        pytest.param(facts(), DEPT, Action.TRANSFER, replace(TO_ZJJ, reason=None), RefusalCode.MISSING_FIELD,
                     Field.REASON, id="transfer-no-reason"),
        pytest.param(facts(), DEPT, Action.TRANSFER, replace(TO_ZJJ, to_unit_id="yjj"), RefusalCode.SAME_UNIT,
                     Field.TO_UNIT, id="transfer-to-itself"),
        pytest.param(facts(), OFFICE, Action.TRANSFER, replace(TO_ZJJ, to_unit_id="awb", to_unit_kind=UnitKind.OFFICE),
                     RefusalCode.BAD_TARGET, Field.TO_UNIT, id="transfer-to-office"),
        pytest.param(facts(), TOWN, Action.TRANSFER, TO_ZJJ, RefusalCode.BAD_TARGET, Field.TO_UNIT,
                     id="township-moves-department"),
        pytest.param(facts(), DEPT, Action.TRANSFER, TO_HSX, RefusalCode.BAD_TARGET, Field.TO_UNIT,
                     id="department-moves-township"),
        pytest.param(facts(State.RECTIFYING), OFFICER, Action.REQUEST_EXTENSION, replace(EXTEND, deadline=None),
                     RefusalCode.MISSING_FIELD, Field.DEADLINE, id="extension-no-date"),
        pytest.param(facts(State.RECTIFYING), OFFICER, Action.REQUEST_EXTENSION, replace(EXTEND, reason=""),
                     RefusalCode.MISSING_FIELD, Field.REASON, id="extension-no-reason"),
        pytest.param(facts(State.RECTIFYING), OFFICER, Action.REQUEST_EXTENSION,
                     replace(EXTEND, deadline=NOW - dt.timedelta(hours=1)), RefusalCode.PAST_DATE, Field.DEADLINE,
                     id="extension-past-date"),
        pytest.param(facts(State.RECTIFYING), OFFICER, Action.REQUEST_EXTENSION, replace(EXTEND, deadline=DEADLINE),
                     RefusalCode.NOT_LATER, Field.DEADLINE, id="extension-not-later"),
        pytest.param(facts(State.RECTIFYING, pending_extension=replace(PENDING, until=NOW - dt.timedelta(hours=1))),
                     DEPT, Action.APPROVE_EXTENSION, None, RefusalCode.PAST_DATE, Field.DEADLINE,
                     id="approve-extension-gone-by"),
        pytest.param(facts(State.RECTIFYING, pending_extension=PENDING), DEPT, Action.REFUSE_EXTENSION, None,
                     RefusalCode.MISSING_FIELD, Field.REASON, id="refuse-extension-no-reason"),
        pytest.param(facts(grade=Grade.MAJOR), OFFICER, Action.FILL_PLAN, replace(PLAN, plan_part=None),
                     RefusalCode.MISSING_FIELD, Field.PLAN_PART, id="plan-no-part"),
        pytest.param(facts(grade=Grade.MAJOR), OFFICER, Action.FILL_PLAN, replace(PLAN, plan_text="  "),
                     RefusalCode.MISSING_FIELD, Field.PLAN_TEXT, id="plan-blank-text"),
    ],
)  # fmt: skip
def test_refusal(
    hazard: HazardFacts,
    actor: Actor,
    action: Action,
    payload: Payload | None,
    code: RefusalCode,
    field: Field | None,
) -> None:
    result = refusal(decide(hazard, actor, action, payload, NOW))
    assert (result.code, result.field, result.state) == (code, field, hazard.state)


def test_permission_is_checked_before_the_state() -> None:
    """Someone with no say over the hazard is told so, not that a button went stale."""
    assert refusal(decide(facts(State.ARCHIVED), OTHER_DEPT, Action.ACCEPT, ACCEPT, NOW)).code is NA


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="aware"):
        decide(facts(), DEPT, Action.ACCEPT, ACCEPT, NOW.replace(tzinfo=None))


# --- 重大: the treatment plan ------------------------------------------------------------------


def test_major_plan_lists_the_missing_parts_in_order() -> None:
    hazard = facts(State.AWAITING_VERIFICATION, grade=Grade.MAJOR, plan_parts=frozenset({PlanPart.FUNDING}))
    result = refusal(decide(hazard, DEPT, Action.VERIFY_PASS, VERIFY, NOW))
    assert result.missing_parts == (
        PlanPart.GOAL,
        PlanPart.METHODS,
        PlanPart.ORGANISATION,
        PlanPart.TIMELINE,
        PlanPart.SAFETY,
    )


def test_major_closes_once_all_six_parts_are_filled() -> None:
    hazard = facts(State.AWAITING_VERIFICATION, grade=Grade.MAJOR)
    for part in PlanPart:
        assert refusal(decide(hazard, DEPT, Action.VERIFY_PASS, VERIFY, NOW)).code is RefusalCode.PLAN_INCOMPLETE
        filled = transition(decide(hazard, OFFICER, Action.FILL_PLAN, Payload(plan_part=part, plan_text="内容"), NOW))
        assert filled.data == {"part": part.value, "text": "内容"} and filled.to_state is hazard.state
        hazard = filled.after
    assert transition(decide(hazard, DEPT, Action.VERIFY_PASS, VERIFY, NOW)).to_state is State.CLOSED


def test_general_hazard_needs_no_plan() -> None:
    assert transition(decide(facts(State.AWAITING_VERIFICATION), DEPT, Action.VERIFY_PASS, VERIFY, NOW))


def test_refilling_a_plan_part_keeps_the_others() -> None:
    hazard = facts(State.RECTIFYING, grade=Grade.MAJOR, plan_parts=frozenset({PlanPart.GOAL, PlanPart.SAFETY}))
    result = transition(decide(hazard, DEPT, Action.FILL_PLAN, PLAN, NOW))
    assert result.after.plan_parts == {PlanPart.GOAL, PlanPart.SAFETY}


# --- submitter ≠ verifier -----------------------------------------------------------------------


def test_submission_records_who_submitted() -> None:
    result = transition(decide(facts(State.RECTIFYING), OFFICER_2, Action.SUBMIT_RECTIFICATION, SUBMIT, NOW))
    assert result.after.rectification_submitter_id == OFFICER_2.telegram_id
    assert result.data == {"measures": "已更换灭火器", "photos": 2}


def test_another_unit_member_verifies_what_one_submitted() -> None:
    """A member re-invited into the unit after submitting cannot verify; a colleague can."""
    hazard = facts(State.AWAITING_VERIFICATION, rectification_submitter_id=DEPT.telegram_id)
    assert refusal(decide(hazard, DEPT, Action.VERIFY_PASS, VERIFY, NOW)).code is RefusalCode.SAME_PERSON
    assert transition(decide(hazard, DEPT_2, Action.VERIFY_PASS, VERIFY, NOW)).after.closed_at == NOW


def test_verification_refused_clears_the_submitter_and_keeps_the_deadline() -> None:
    result = transition(decide(facts(State.AWAITING_VERIFICATION), DEPT, Action.VERIFY_REFUSE, REASON, NOW))
    assert result.after.rectification_submitter_id is None
    assert result.after.deadline == DEADLINE
    assert result.reason == "照片不清楚"


# --- rebounds -----------------------------------------------------------------------------------


def test_rebound_is_counted_with_a_new_deadline() -> None:
    result = transition(decide(facts(State.RECHECK), TOWN, Action.RECHECK_REBOUND, REBOUND, NOW))
    after = result.after
    assert after.rebounds == 1 and result.data["rebounds"] == 1
    assert after.deadline == after.original_deadline == LATER and after.deadline_set_at == NOW
    assert (after.closed_at, after.recheck_started_at, after.rectification_submitter_id) == (None, None, None)
    assert result.reason == "灭火器又被挪走"


def test_a_second_rebound_counts_two() -> None:
    hazard = facts(State.RECHECK, rebounds=1)
    assert transition(decide(hazard, DEPT, Action.RECHECK_REBOUND, REBOUND, NOW)).after.rebounds == 2


def test_recheck_pass_leaves_the_rebound_count() -> None:
    result = transition(decide(facts(State.RECHECK, rebounds=1), DEPT, Action.RECHECK_PASS, RECHECKED, NOW))
    assert result.after.rebounds == 1


def test_closing_and_starting_the_recheck_record_when() -> None:
    closed = transition(decide(facts(State.AWAITING_VERIFICATION), DEPT, Action.VERIFY_PASS, VERIFY, NOW)).after
    later = NOW + dt.timedelta(days=30)
    started = transition(decide(closed, SYSTEM, Action.START_RECHECK, None, later))
    assert (closed.closed_at, started.after.recheck_started_at, started.actor_id) == (NOW, later, SYSTEM_ACTOR_ID)


# --- extensions ---------------------------------------------------------------------------------


def test_extension_request_is_pending_and_changes_nothing_else() -> None:
    result = transition(decide(facts(State.RECTIFYING), OFFICER, Action.REQUEST_EXTENSION, EXTEND, NOW))
    assert result.after.pending_extension == ExtensionRequest(101, NOW, LATER, "设备到货晚")
    assert result.after.deadline == DEADLINE


def test_approved_extension_keeps_the_original_deadline() -> None:
    hazard = facts(State.RECTIFYING, pending_extension=PENDING)
    result = transition(decide(hazard, DEPT, Action.APPROVE_EXTENSION, None, NOW))
    assert (result.after.deadline, result.after.original_deadline) == (LATER, DEADLINE)
    assert result.after.pending_extension is None and result.after.deadline_set_at == NOW
    assert result.data["deadline_from"] == result.data["original_deadline"] == DEADLINE.astimezone(dt.UTC).isoformat()
    assert result.data["deadline_to"] == LATER.astimezone(dt.UTC).isoformat()


def test_a_second_extension_still_remembers_the_first_deadline() -> None:
    hazard = facts(State.RECTIFYING, deadline=LATER, pending_extension=replace(PENDING, until=LATER + dt.timedelta(7)))
    result = transition(decide(hazard, DEPT, Action.APPROVE_EXTENSION, None, NOW))
    assert result.after.original_deadline == DEADLINE
    assert result.data["deadline_from"] == LATER.astimezone(dt.UTC).isoformat()


def test_refused_extension_keeps_the_deadline() -> None:
    hazard = facts(State.RECTIFYING, pending_extension=PENDING)
    result = transition(decide(hazard, DEPT, Action.REFUSE_EXTENSION, REASON, NOW))
    assert (result.after.deadline, result.after.pending_extension) == (DEADLINE, None)
    assert result.data["proposed"] == LATER.astimezone(dt.UTC).isoformat()


def test_submitting_withdraws_a_pending_extension() -> None:
    hazard = facts(State.RECTIFYING, pending_extension=PENDING)
    result = transition(decide(hazard, OFFICER, Action.SUBMIT_RECTIFICATION, SUBMIT, NOW))
    assert result.after.pending_extension is None and "extension_withdrawn" in result.data


def test_an_overdue_hazard_may_ask_for_an_extension() -> None:
    hazard = facts(State.RECTIFYING, deadline=NOW - dt.timedelta(days=2))
    assert transition(decide(hazard, OFFICER, Action.REQUEST_EXTENSION, EXTEND, NOW))


# --- accepting ----------------------------------------------------------------------------------


def test_accept_sets_grade_deadline_and_person() -> None:
    result = transition(decide(facts(), DEPT, Action.ACCEPT, replace(ACCEPT, responsible_person=" 张三 "), NOW))
    after = result.after
    assert (after.grade, after.deadline, after.original_deadline, after.deadline_set_at) == (
        Grade.GENERAL,
        DEADLINE,
        DEADLINE,
        NOW,
    )
    assert after.responsible_person == "张三" and "grade_from" not in result.data


def test_accept_records_a_regrade() -> None:
    result = transition(decide(facts(), DEPT, Action.ACCEPT, replace(ACCEPT, grade=Grade.MAJOR), NOW))
    assert (result.after.grade, result.data["grade_from"], result.data["grade"]) == (Grade.MAJOR, "general", "major")


# --- audit and notifications --------------------------------------------------------------------


def test_transition_is_an_audit_event() -> None:
    result = transition(decide(facts(State.AWAITING_VERIFICATION), DEPT, Action.VERIFY_REFUSE, REASON, NOW))
    event = result.event()
    assert (event.at, event.actor_id, event.action) == (NOW, DEPT.telegram_id, "verify_refuse")
    assert (event.from_state, event.to_state) == (State.AWAITING_VERIFICATION, State.RECTIFYING)
    assert event.reason == "照片不清楚"


@pytest.mark.parametrize(
    ("hazard", "actor", "action", "payload"),
    [
        pytest.param(facts(), DEPT, Action.ACCEPT, ACCEPT, id="accept"),
        pytest.param(facts(State.RECTIFYING), OFFICER, Action.SUBMIT_RECTIFICATION, SUBMIT, id="submit"),
        pytest.param(facts(State.AWAITING_VERIFICATION), DEPT, Action.VERIFY_PASS, VERIFY, id="verify-pass"),
        pytest.param(facts(State.AWAITING_VERIFICATION), DEPT, Action.VERIFY_REFUSE, REASON, id="verify-refuse"),
        pytest.param(facts(State.CLOSED), SYSTEM, Action.START_RECHECK, None, id="start-recheck"),
        pytest.param(facts(State.RECHECK), DEPT, Action.RECHECK_PASS, RECHECKED, id="recheck-pass"),
        pytest.param(facts(State.RECHECK), DEPT, Action.RECHECK_REBOUND, REBOUND, id="rebound"),
        pytest.param(facts(), DEPT, Action.TRANSFER, TO_ZJJ, id="transfer"),
        pytest.param(facts(State.RECTIFYING, pending_extension=PENDING), DEPT, Action.APPROVE_EXTENSION, None,
                     id="approve-extension"),
    ],
)  # fmt: skip
def test_the_reporter_hears_of_every_change(
    hazard: HazardFacts, actor: Actor, action: Action, payload: Payload | None
) -> None:
    result = transition(decide(hazard, actor, action, payload, NOW))
    assert Audience.REPORTER in result.notify and Audience.UNIT_THREADS in result.notify


@pytest.mark.parametrize(
    ("hazard", "actor", "action", "payload", "replan"),
    [
        pytest.param(facts(), DEPT, Action.ACCEPT, ACCEPT, True, id="accept"),
        pytest.param(facts(State.RECTIFYING, pending_extension=PENDING), DEPT, Action.APPROVE_EXTENSION, None, True,
                     id="approve-extension"),
        pytest.param(facts(State.RECTIFYING), OFFICER, Action.REQUEST_EXTENSION, EXTEND, False, id="request"),
        pytest.param(facts(), DEPT, Action.TRANSFER, TO_ZJJ, True, id="transfer-restarts-the-acceptance-clock"),
        pytest.param(facts(), TOWN, Action.TRANSFER, TO_HSX, False, id="township-transfer"),
        pytest.param(facts(State.RECTIFYING), DEPT, Action.TRANSFER, TO_ZJJ, False, id="transfer-after-acceptance"),
        pytest.param(facts(State.RECTIFYING, grade=Grade.MAJOR), DEPT, Action.FILL_PLAN, PLAN, False, id="plan"),
        pytest.param(facts(State.AWAITING_VERIFICATION), DEPT, Action.VERIFY_PASS, VERIFY, True, id="close"),
    ],
)  # fmt: skip
def test_which_transitions_change_the_reminder_plan(
    hazard: HazardFacts, actor: Actor, action: Action, payload: Payload | None, replan: bool
) -> None:
    assert transition(decide(hazard, actor, action, payload, NOW)).changes_reminders is replan


# --- buttons and questions ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hazard", "actor", "actions"),
    [
        pytest.param(facts(), DEPT, [Action.ACCEPT, Action.TRANSFER], id="reported-department"),
        pytest.param(facts(), TOWN, [Action.TRANSFER], id="reported-township"),
        pytest.param(facts(), OFFICER, [], id="reported-officer"),
        pytest.param(facts(grade=Grade.MAJOR), OFFICER, [Action.FILL_PLAN], id="reported-major-officer"),
        pytest.param(facts(), OFFICE, [Action.ACCEPT, Action.TRANSFER], id="reported-office"),
        pytest.param(facts(), ADMIN, [Action.TRANSFER], id="reported-admin"),
        pytest.param(facts(), OTHER_DEPT, [], id="reported-other-department"),
        pytest.param(facts(State.RECTIFYING), OFFICER, [Action.SUBMIT_RECTIFICATION, Action.REQUEST_EXTENSION],
                     id="rectifying-officer"),
        pytest.param(facts(State.RECTIFYING, pending_extension=PENDING), OFFICER, [Action.SUBMIT_RECTIFICATION],
                     id="rectifying-officer-pending"),
        pytest.param(facts(State.RECTIFYING, pending_extension=PENDING), DEPT_LEAD,
                     [Action.APPROVE_EXTENSION, Action.REFUSE_EXTENSION, Action.TRANSFER],
                     id="rectifying-pending-lead"),
        pytest.param(facts(State.AWAITING_VERIFICATION), DEPT, [Action.VERIFY_PASS, Action.VERIFY_REFUSE,
                     Action.TRANSFER], id="awaiting-department"),
        pytest.param(facts(State.AWAITING_VERIFICATION, grade=Grade.MAJOR), DEPT,
                     [Action.FILL_PLAN, Action.VERIFY_REFUSE, Action.TRANSFER], id="awaiting-major-without-plan"),
        pytest.param(facts(State.AWAITING_VERIFICATION, rectification_submitter_id=DEPT.telegram_id), DEPT,
                     [Action.TRANSFER], id="awaiting-submitter"),
        pytest.param(facts(State.AWAITING_VERIFICATION), TOWN, [Action.TRANSFER], id="awaiting-township"),
        pytest.param(facts(State.CLOSED), DEPT, [], id="closed-department"),
        pytest.param(facts(State.CLOSED), SYSTEM, [], id="closed-system-has-no-buttons"),
        pytest.param(facts(State.RECHECK), TOWN, [Action.RECHECK_PASS, Action.RECHECK_REBOUND, Action.TRANSFER],
                     id="recheck-township"),
        pytest.param(facts(State.ARCHIVED), OFFICE_LEAD, [], id="archived-office"),
    ],
)  # fmt: skip
def test_available_actions(hazard: HazardFacts, actor: Actor, actions: list[Action]) -> None:
    assert available_actions(hazard, actor) == actions


@pytest.mark.parametrize(
    ("action", "fields"),
    [
        (Action.ACCEPT, (Field.GRADE, Field.DEADLINE, Field.RESPONSIBLE_PERSON)),
        (Action.SUBMIT_RECTIFICATION, (Field.MEASURES, Field.PHOTOS)),
        (Action.VERIFY_PASS, (Field.OPINION, Field.CONFIRM)),
        (Action.VERIFY_REFUSE, (Field.REASON, Field.CONFIRM)),
        (Action.RECHECK_REBOUND, (Field.REASON, Field.PHOTOS, Field.DEADLINE)),
        (Action.TRANSFER, (Field.TO_UNIT, Field.REASON)),
        (Action.REQUEST_EXTENSION, (Field.REASON, Field.DEADLINE)),
        (Action.FILL_PLAN, (Field.PLAN_PART, Field.PLAN_TEXT)),
    ],
)
def test_required_fields(action: Action, fields: tuple[Field, ...]) -> None:
    assert required_fields(action) == fields


def test_missing_fields_are_the_questions_still_to_ask() -> None:
    assert missing_fields(Action.ACCEPT, Payload(grade=Grade.MAJOR, responsible_person=" ")) == (
        Field.DEADLINE,
        Field.RESPONSIBLE_PERSON,
    )
    assert missing_fields(Action.ACCEPT, ACCEPT) == ()


def test_every_action_has_a_short_value_for_callback_data() -> None:
    assert all(len(action.value.encode()) <= 16 for action in Action)


# --- actors from members ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("member", "kind", "is_office"),
    [
        (Member(1, "a", Role.MEMBER, unit_id="awb"), UnitKind.OFFICE, True),
        (Member(2, "b", Role.LEAD, unit_id="yjj"), UnitKind.DEPARTMENT, False),
        (Member(3, "c", Role.MEMBER, unit_id="cgz"), UnitKind.TOWNSHIP, False),
        (Member(4, "d", Role.OFFICER, enterprise_id="e01"), None, False),
        (Member(5, "e", Role.ADMIN, unit_id="awb"), UnitKind.OFFICE, False),
    ],
)
def test_actor_of_member(member: Member, kind: UnitKind | None, is_office: bool) -> None:
    actor = Actor.of(member, ORG)
    assert (actor.unit_kind, actor.is_office, actor.is_system) == (kind, is_office, False)
