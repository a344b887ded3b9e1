"""The hazard lifecycle: a pure state machine from 已上报 to 已归档, with who may do what.

``decide(facts, actor, action, payload, now)`` is the only way a hazard changes. It returns a
``Transition`` (the new facts, the audit event's fields, the audiences to tell) or a ``Refusal``
with a reason code the handler turns into a reply. Nothing here reads a clock, a database or
Telegram; the handler re-reads the facts inside its transaction, calls ``decide`` and writes what
it returns, so a stale button (the hazard has moved on) is refused as ``WRONG_STATE``.

The loop (PRODUCT.md, issue 3 §1)::

    已上报 ─ACCEPT→ 整改中 ─SUBMIT_RECTIFICATION→ 待验收 ─VERIFY_PASS→ 已销号 ─START_RECHECK→ 回头看
    待验收 ─VERIFY_REFUSE→ 整改中                  回头看 ─RECHECK_PASS→ 已归档
                                                   回头看 ─RECHECK_REBOUND→ 整改中 (rebounds + 1)
    TRANSFER (移送): any open state, state unchanged.   REQUEST/APPROVE/REFUSE_EXTENSION: 整改中 only.
    FILL_PLAN (重大 only): 已上报, 整改中, 待验收, state unchanged.

Who may do what (decided here; "department" and "township" mean the hazard's own units, by id,
whatever kind of unit the org file made them; members and leads of a unit have the same powers):

====================  =========  ==========  ========  ======  =====  ======
action                安全员(1)  department  township  安委办  admin  system
====================  =========  ==========  ========  ======  =====  ======
ACCEPT                           ✓                     ✓
SUBMIT_RECTIFICATION  ✓
VERIFY_PASS/REFUSE               ✓ (2)                 ✓ (2)
START_RECHECK                                                         ✓
RECHECK_PASS/REBOUND             ✓           ✓         ✓
TRANSFER                         ✓ (3)       ✓ (3)     ✓       ✓
REQUEST_EXTENSION     ✓
APPROVE/REFUSE_EXT.              ✓                     ✓
FILL_PLAN             ✓          ✓                     ✓
URGE (催办)                      lead (4)    lead (4)  lead
====================  =========  ==========  ========  ======  =====  ======

(1) a safety officer of the hazard's own enterprise. (2) never whoever submitted the
rectification (``SAME_PERSON``). (3) a department moves the hazard to another department, a
township to another township (the enterprise is really elsewhere); 安委办 and admins move either.
(4) leads only, at most once per URGE_COOLDOWN per hazard; offered beside escalations, not on the cards.

Why: 管行业必须管安全 — the industry department accepts, grades, sets and extends deadlines and
verifies. 属地管理 — the township follows its hazards and, being on the ground, may do the
回头看 recheck, which the issue gives to "the responsible units". The 安委办 supervises the whole
county and receives escalations, so it can act in a department's place (its acts are audited
under its own name). Admins run the bot, not safety work: they may only fix routing (移送), which
is an organisation-file matter. The treatment plan of a 重大 hazard is the enterprise's to draw up
(its principal leader organises it), and the department may record it on the enterprise's behalf.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

from domain.hazards import MAX_DESCRIPTION, MAX_PLACE, Event, Grade, State, TextProblem, clean_text
from domain.members import Member, Role
from domain.org import Organisation, UnitKind

__all__ = [
    "OPEN_STATES",
    "SYSTEM_ACTOR_ID",
    "Action",
    "Actor",
    "Audience",
    "AuditData",
    "ExtensionRequest",
    "Field",
    "HazardFacts",
    "Payload",
    "PlanPart",
    "Refusal",
    "RefusalCode",
    "Transition",
    "available_actions",
    "decide",
    "may",
    "missing_fields",
    "precheck",
    "required_fields",
    "text_refusal",
]

# One 催办 per hazard in this time, whoever presses: a nudge repeated every minute is noise the group learns to ignore.
URGE_COOLDOWN = dt.timedelta(hours=4)
SYSTEM_ACTOR_ID = 0  # the actor id of events the bot itself causes (the 回头看 falling due)
MAX_REASON = MAX_DESCRIPTION
MAX_PERSON = MAX_PLACE

# 移送 is possible while someone still has work to do on the hazard; a recheck is such work.
OPEN_STATES = frozenset({State.REPORTED, State.RECTIFYING, State.AWAITING_VERIFICATION, State.RECHECK})
_PLAN_STATES = frozenset({State.REPORTED, State.RECTIFYING, State.AWAITING_VERIFICATION})


class Action(StrEnum):
    """What someone (or the bot) does to a hazard; the values are short for callback data."""

    ACCEPT = "accept"  # 受理/定级: grade, deadline, the enterprise's person responsible
    SUBMIT_RECTIFICATION = "submit"  # 提交整改: measures taken and after-photos
    VERIFY_PASS = "verify_pass"  # 验收通过 → 已销号
    VERIFY_REFUSE = "verify_refuse"  # 退回整改, with a reason
    START_RECHECK = "recheck_start"  # the bot: N days after 销号 the 回头看 falls due
    RECHECK_PASS = "recheck_pass"  # 复查通过 → 已归档
    RECHECK_REBOUND = "rebound"  # 发现反弹: photos, a new deadline, counted as a rebound
    TRANSFER = "transfer"  # 移送 to another unit, with a reason
    REQUEST_EXTENSION = "ext_request"  # 申请延期: reason and proposed date
    APPROVE_EXTENSION = "ext_approve"  # 同意延期
    REFUSE_EXTENSION = "ext_refuse"  # 不同意延期, with a reason
    FILL_PLAN = "plan"  # one part of a 重大 hazard's treatment plan (治理方案)
    URGE = "urge"  # 催办: a lead presses the unit's group to act (offered beside escalations, not on cards)


class PlanPart(StrEnum):
    """The six parts of a 重大 hazard's treatment plan, all needed before 销号."""

    GOAL = "goal"  # 治理目标和任务
    METHODS = "methods"  # 方法和措施
    FUNDING = "funding"  # 经费和物资
    ORGANISATION = "organisation"  # 负责机构和人员
    TIMELINE = "timeline"  # 时限和要求
    SAFETY = "safety"  # 安全措施和应急预案


class Audience(StrEnum):
    """Who is told; the outbound layer resolves it to chats when it sends (after a 移送, the new units)."""

    REPORTER = "reporter"  # the reporter, in private chat
    ENTERPRISE_OFFICERS = "enterprise"  # the enterprise's safety officers, in private chat
    UNIT_THREADS = "threads"  # the hazard's threads in its responsible units' groups
    PREVIOUS_UNIT_THREAD = "previous_thread"  # 移送: the thread in the group of the unit it left
    DEPARTMENT_THREAD = "department_thread"  # only the thread in the department's group (it must 受理)
    TOWNSHIP_LEADS = "township_leads"  # the township's leads, in private chat
    DEPARTMENT_LEADS = "department_leads"  # the department's leads, in private chat
    OFFICE_GROUP = "office"  # the 安委办 group


class Field(StrEnum):
    """A piece of a payload; the handler asks one question per missing field."""

    GRADE = "grade"
    DEADLINE = "deadline"  # ACCEPT and REBOUND: the deadline; REQUEST_EXTENSION: the proposed date
    RESPONSIBLE_PERSON = "responsible_person"
    MEASURES = "measures"
    PHOTOS = "photos"
    REASON = "reason"
    TO_UNIT = "to_unit"
    PLAN_PART = "plan_part"
    PLAN_TEXT = "plan_text"
    OPINION = "opinion"  # 验收意见: optional, skipped with a button (answered as "")
    NOTE = "note"  # 复查情况: what the 回头看 found
    OPTIONAL_PHOTOS = "optional_photos"  # photos that may be none: answered once 完成 is pressed
    CONFIRM = "confirm"  # the decision confirmed with its answers in view


class RefusalCode(StrEnum):
    """Why an action was refused; each has a reply in the catalog."""

    NOT_ALLOWED = "not_allowed"  # this person's role and unit may not do this to this hazard
    WRONG_STATE = "wrong_state"  # the hazard has moved on (a stale button, or a decided request)
    SAME_PERSON = "same_person"  # the submitter of the rectification cannot verify it
    PLAN_INCOMPLETE = "plan_incomplete"  # 重大: the treatment plan lacks parts
    NOT_MAJOR = "not_major"  # a treatment plan is only for 重大 hazards
    MISSING_FIELD = "missing_field"  # a question is unanswered (``Refusal.field`` says which)
    TOO_LONG = "too_long"  # a text is over the limit (``Refusal.field`` says which)
    PAST_DATE = "past_date"  # a deadline or proposed date that is not in the future
    NOT_LATER = "not_later"  # an extension to a date not after the current deadline
    EXTENSION_PENDING = "extension_pending"  # one request at a time
    URGED_RECENTLY = "urged_recently"  # 催办 again within URGE_COOLDOWN of the last one
    SAME_UNIT = "same_unit"  # 移送 to the unit that already has it
    BAD_TARGET = "bad_target"  # 移送 to the 安委办, or to a unit of the wrong kind for this actor


AuditData = Mapping[str, str | int | None]


@dataclass(frozen=True, slots=True)
class Actor:
    """Whoever acts: a member seen through the org file, or the bot itself (``role`` None)."""

    telegram_id: int
    role: Role | None
    unit_id: str | None = None
    unit_kind: UnitKind | None = None
    enterprise_id: str | None = None

    @classmethod
    def of(cls, member: Member, org: Organisation) -> Actor:
        """The actor a bound member is, with the kind of their unit read from the org file."""
        unit = org.unit(member.unit_id) if member.unit_id else None
        return cls(member.telegram_id, member.role, member.unit_id, unit.kind if unit else None, member.enterprise_id)

    @classmethod
    def system(cls) -> Actor:
        """The bot, acting on a schedule (the 回头看 falling due)."""
        return cls(SYSTEM_ACTOR_ID, None)

    @property
    def is_system(self) -> bool:
        """Whether this is the bot rather than a person."""
        return self.role is None

    @property
    def is_office(self) -> bool:
        """Whether this is a member or lead of the 安委办."""
        return self.role in (Role.MEMBER, Role.LEAD) and self.unit_kind is UnitKind.OFFICE


@dataclass(frozen=True, slots=True)
class ExtensionRequest:
    """A pending 申请延期."""

    requested_by: int
    requested_at: dt.datetime
    until: dt.datetime
    reason: str


@dataclass(frozen=True, slots=True)
class HazardFacts:
    """What the lifecycle and the reminder planner need to know about one hazard (storage builds it)."""

    hazard_id: int
    state: State
    grade: Grade
    enterprise_id: str
    department_id: str
    township_id: str
    reporter_id: int
    deadline: dt.datetime | None = None
    # The deadline this rectification round started with (ACCEPT, or a rebound); extensions keep it.
    original_deadline: dt.datetime | None = None
    # When the current deadline was set: reminders that would have fallen before it are not planned.
    deadline_set_at: dt.datetime | None = None
    responsible_person: str | None = None
    rectification_submitter_id: int | None = None
    plan_parts: frozenset[PlanPart] = frozenset()
    pending_extension: ExtensionRequest | None = None
    rebounds: int = 0
    closed_at: dt.datetime | None = None  # 销号
    recheck_started_at: dt.datetime | None = None  # 回头看 began
    # When the 受理 clock started: filing, or a 移送 to another department while still 已上报 (the new unit
    # gets its own full time limit). None for hazards filed before the clock existed and not yet replanned.
    accept_clock_from: dt.datetime | None = None
    last_urged_at: dt.datetime | None = None  # the last 催办 (from the audit log)

    @property
    def missing_plan_parts(self) -> tuple[PlanPart, ...]:
        """The treatment-plan parts still empty, in the plan's order."""
        return tuple(part for part in PlanPart if part not in self.plan_parts)


@dataclass(frozen=True, slots=True)
class Payload:
    """The answers an action needs, gathered by the handler's questions; unused fields stay empty."""

    grade: Grade | None = None
    deadline: dt.datetime | None = None
    responsible_person: str | None = None
    measures: str | None = None
    photo_count: int = 0
    reason: str | None = None
    to_unit_id: str | None = None
    to_unit_kind: UnitKind | None = None
    plan_part: PlanPart | None = None
    plan_text: str | None = None
    opinion: str | None = None  # None: not asked yet; "": skipped
    note: str | None = None
    photos_done: bool = False  # 完成 pressed (photos that may be none)
    confirmed: bool = False


@dataclass(frozen=True, slots=True)
class Transition:
    """An accepted action: the facts after it, the audit event's fields and whom to tell."""

    hazard_id: int
    action: Action
    actor_id: int
    at: dt.datetime
    from_state: State
    to_state: State
    reason: str | None
    data: AuditData
    notify: tuple[Audience, ...]
    after: HazardFacts

    @property
    def changes_reminders(self) -> bool:
        """Whether the reminder plan must be redone (state, grade or deadline changed)."""
        return (
            self.from_state is not self.to_state
            or self.data.get("deadline_to") is not None
            or ("grade_from" in self.data)
            or ("accept_clock_from" in self.data)  # a 移送 to another department restarts the 受理 clock
        )

    def event(self) -> Event:
        """The audit-log entry, as ``domain.hazards.Event`` (``data`` is stored beside it)."""
        return Event(self.at, self.actor_id, self.action.value, self.from_state, self.to_state, self.reason)


@dataclass(frozen=True, slots=True)
class Refusal:
    """A refused action and why; ``state`` is where the hazard stands now."""

    code: RefusalCode
    state: State
    field: Field | None = None
    missing_parts: tuple[PlanPart, ...] = ()


_REQUIRED: dict[Action, tuple[Field, ...]] = {
    Action.ACCEPT: (Field.GRADE, Field.DEADLINE, Field.RESPONSIBLE_PERSON),
    Action.SUBMIT_RECTIFICATION: (Field.MEASURES, Field.PHOTOS),
    # The verifier decides with an optional 验收意见 (a refusal's reason is its 验收意见) and confirms it (issue 12 §3).
    Action.VERIFY_PASS: (Field.OPINION, Field.CONFIRM),
    Action.VERIFY_REFUSE: (Field.REASON, Field.CONFIRM),
    Action.START_RECHECK: (),
    Action.RECHECK_PASS: (Field.NOTE, Field.OPTIONAL_PHOTOS),
    Action.RECHECK_REBOUND: (Field.REASON, Field.PHOTOS, Field.DEADLINE),
    Action.TRANSFER: (Field.TO_UNIT, Field.REASON),
    Action.REQUEST_EXTENSION: (Field.REASON, Field.DEADLINE),
    Action.APPROVE_EXTENSION: (),
    Action.REFUSE_EXTENSION: (Field.REASON,),
    Action.FILL_PLAN: (Field.PLAN_PART, Field.PLAN_TEXT),
    Action.URGE: (),
}

# The state an action starts from (None: several, see _state_allows).
_FROM: dict[Action, frozenset[State]] = {
    Action.ACCEPT: frozenset({State.REPORTED}),
    Action.SUBMIT_RECTIFICATION: frozenset({State.RECTIFYING}),
    Action.VERIFY_PASS: frozenset({State.AWAITING_VERIFICATION}),
    Action.VERIFY_REFUSE: frozenset({State.AWAITING_VERIFICATION}),
    Action.START_RECHECK: frozenset({State.CLOSED}),
    Action.RECHECK_PASS: frozenset({State.RECHECK}),
    Action.RECHECK_REBOUND: frozenset({State.RECHECK}),
    Action.TRANSFER: OPEN_STATES,
    Action.REQUEST_EXTENSION: frozenset({State.RECTIFYING}),
    Action.APPROVE_EXTENSION: frozenset({State.RECTIFYING}),
    Action.REFUSE_EXTENSION: frozenset({State.RECTIFYING}),
    Action.FILL_PLAN: _PLAN_STATES,
    Action.URGE: OPEN_STATES,
}

_TO: dict[Action, State] = {
    Action.ACCEPT: State.RECTIFYING,
    Action.SUBMIT_RECTIFICATION: State.AWAITING_VERIFICATION,
    Action.VERIFY_PASS: State.CLOSED,
    Action.VERIFY_REFUSE: State.RECTIFYING,
    Action.START_RECHECK: State.RECHECK,
    Action.RECHECK_PASS: State.ARCHIVED,
    Action.RECHECK_REBOUND: State.RECTIFYING,
}

_EVERYONE = (Audience.REPORTER, Audience.ENTERPRISE_OFFICERS, Audience.UNIT_THREADS)
_NOTIFY: dict[Action, tuple[Audience, ...]] = {
    Action.ACCEPT: _EVERYONE,
    Action.SUBMIT_RECTIFICATION: _EVERYONE,
    Action.VERIFY_PASS: _EVERYONE,
    Action.VERIFY_REFUSE: _EVERYONE,
    Action.START_RECHECK: (Audience.REPORTER, Audience.UNIT_THREADS),
    Action.RECHECK_PASS: _EVERYONE,
    Action.RECHECK_REBOUND: _EVERYONE,
    Action.TRANSFER: (*_EVERYONE, Audience.PREVIOUS_UNIT_THREAD),
    Action.REQUEST_EXTENSION: (Audience.ENTERPRISE_OFFICERS, Audience.UNIT_THREADS),
    Action.APPROVE_EXTENSION: _EVERYONE,
    Action.REFUSE_EXTENSION: (Audience.ENTERPRISE_OFFICERS, Audience.UNIT_THREADS),
    Action.FILL_PLAN: (Audience.ENTERPRISE_OFFICERS, Audience.UNIT_THREADS),
    Action.URGE: (Audience.ENTERPRISE_OFFICERS, Audience.UNIT_THREADS),
}

# The order buttons are shown in.
_BUTTON_ORDER = (
    Action.ACCEPT,
    Action.SUBMIT_RECTIFICATION,
    Action.REQUEST_EXTENSION,
    Action.APPROVE_EXTENSION,
    Action.REFUSE_EXTENSION,
    Action.FILL_PLAN,
    Action.VERIFY_PASS,
    Action.VERIFY_REFUSE,
    Action.RECHECK_PASS,
    Action.RECHECK_REBOUND,
    Action.TRANSFER,
)


def required_fields(action: Action) -> tuple[Field, ...]:
    """The questions an action needs answered, in the order to ask them."""
    return _REQUIRED[action]


def missing_fields(action: Action, payload: Payload | None) -> tuple[Field, ...]:
    """The required questions the payload does not answer yet (blank text counts as unanswered)."""
    payload = payload or Payload()
    return tuple(f for f in _REQUIRED[action] if not _answered(f, payload))


def _answered(f: Field, payload: Payload) -> bool:
    value: object = {
        Field.GRADE: payload.grade,
        Field.DEADLINE: payload.deadline,
        Field.RESPONSIBLE_PERSON: payload.responsible_person,
        Field.MEASURES: payload.measures,
        Field.PHOTOS: payload.photo_count > 0 or None,
        Field.REASON: payload.reason,
        Field.TO_UNIT: payload.to_unit_id and payload.to_unit_kind,
        Field.PLAN_PART: payload.plan_part,
        Field.PLAN_TEXT: payload.plan_text,
        Field.OPINION: payload.opinion,
        Field.NOTE: payload.note,
        Field.OPTIONAL_PHOTOS: payload.photos_done or None,
        Field.CONFIRM: payload.confirmed or None,
    }[f]
    if f is Field.OPINION:
        return value is not None  # "" is an answer: no opinion
    if isinstance(value, str):
        return bool(value.strip())
    return value is not None


def text_refusal(f: Field, text: str) -> RefusalCode | None:
    """Why a typed answer to `f` cannot be used (too long; blank where an answer is needed), or None."""
    cleaned = clean_text(text, MAX_PERSON if f is Field.RESPONSIBLE_PERSON else MAX_REASON)
    if cleaned is TextProblem.TOO_LONG:
        return RefusalCode.TOO_LONG
    if cleaned is TextProblem.EMPTY and f is not Field.OPINION:
        return RefusalCode.MISSING_FIELD
    return None


# --- who may do what ----------------------------------------------------------------------------


def _in_unit(actor: Actor, unit_id: str) -> bool:
    return actor.role in (Role.MEMBER, Role.LEAD) and actor.unit_id == unit_id


def _is_officer_of(actor: Actor, facts: HazardFacts) -> bool:
    return actor.role is Role.OFFICER and actor.enterprise_id == facts.enterprise_id


def _may(actor: Actor, action: Action, facts: HazardFacts) -> bool:
    if action is Action.START_RECHECK:
        return actor.is_system
    if actor.is_system:
        return False
    department = _in_unit(actor, facts.department_id) or actor.is_office
    if action is Action.URGE:  # leads of the hazard's units and of the 安委办 (which receives the escalations)
        return actor.role is Role.LEAD and (department or _in_unit(actor, facts.township_id))
    if action in (Action.SUBMIT_RECTIFICATION, Action.REQUEST_EXTENSION):
        return _is_officer_of(actor, facts)
    if action is Action.FILL_PLAN:
        return department or _is_officer_of(actor, facts)
    if action in (Action.RECHECK_PASS, Action.RECHECK_REBOUND):
        return department or _in_unit(actor, facts.township_id)
    if action is Action.TRANSFER:
        return department or _in_unit(actor, facts.township_id) or actor.role is Role.ADMIN
    # ACCEPT, VERIFY_*, APPROVE/REFUSE_EXTENSION: the industry department's decisions.
    return department


def may(actor: Actor, action: Action, facts: HazardFacts) -> bool:
    """Whether the permission table above lets this actor take this action on a hazard of these units at all."""
    return _may(actor, action, facts)


def precheck(facts: HazardFacts, actor: Actor, action: Action) -> Refusal | None:
    """Everything ``decide`` checks before looking at the payload: role, state, the plan, who submitted."""
    if not _may(actor, action, facts):
        return Refusal(RefusalCode.NOT_ALLOWED, facts.state)
    if facts.state not in _FROM[action]:
        return Refusal(RefusalCode.WRONG_STATE, facts.state)
    if action in (Action.APPROVE_EXTENSION, Action.REFUSE_EXTENSION) and facts.pending_extension is None:
        return Refusal(RefusalCode.WRONG_STATE, facts.state)  # already decided by someone else
    if action is Action.REQUEST_EXTENSION and facts.pending_extension is not None:
        return Refusal(RefusalCode.EXTENSION_PENDING, facts.state)
    if action is Action.FILL_PLAN and facts.grade is not Grade.MAJOR:
        return Refusal(RefusalCode.NOT_MAJOR, facts.state)
    if action in (Action.VERIFY_PASS, Action.VERIFY_REFUSE) and actor.telegram_id == facts.rectification_submitter_id:
        return Refusal(RefusalCode.SAME_PERSON, facts.state)
    if action is Action.VERIFY_PASS and facts.grade is Grade.MAJOR and facts.missing_plan_parts:
        return Refusal(RefusalCode.PLAN_INCOMPLETE, facts.state, missing_parts=facts.missing_plan_parts)
    return None


def available_actions(facts: HazardFacts, actor: Actor) -> list[Action]:
    """The buttons to show this actor on this hazard's card (each press is checked again by ``decide``)."""
    return [action for action in _BUTTON_ORDER if precheck(facts, actor, action) is None]


# --- deciding -----------------------------------------------------------------------------------


class _Refused(Exception):
    def __init__(self, code: RefusalCode, field: Field | None = None) -> None:
        super().__init__(code)
        self.code, self.field = code, field


def _text(value: str | None, f: Field, limit: int) -> str:
    cleaned = clean_text(value or "", limit)
    if cleaned is TextProblem.EMPTY:
        raise _Refused(RefusalCode.MISSING_FIELD, f)
    if cleaned is TextProblem.TOO_LONG:
        raise _Refused(RefusalCode.TOO_LONG, f)
    assert isinstance(cleaned, str)
    return cleaned


def _future(value: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    if value is None:
        raise _Refused(RefusalCode.MISSING_FIELD, Field.DEADLINE)
    _require_aware(value, "deadline")
    if value <= now:
        raise _Refused(RefusalCode.PAST_DATE, Field.DEADLINE)
    return value


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value is not None else None


def _require_aware(value: dt.datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")


def decide(
    facts: HazardFacts, actor: Actor, action: Action, payload: Payload | None, now: dt.datetime
) -> Transition | Refusal:
    """Check an action against the hazard, the actor and the answers; return what changes or why not."""
    _require_aware(now, "now")
    refused = precheck(facts, actor, action)
    if refused is not None:
        return refused
    payload = payload or Payload()
    for f in _REQUIRED[action]:
        if not _answered(f, payload):
            return Refusal(RefusalCode.MISSING_FIELD, facts.state, field=f)
    try:
        after, reason, data = _APPLY[action](facts, actor, payload, now)
    except _Refused as refusal:
        return Refusal(refusal.code, facts.state, field=refusal.field)
    to_state = _TO.get(action, facts.state)
    return Transition(
        hazard_id=facts.hazard_id,
        action=action,
        actor_id=actor.telegram_id,
        at=now,
        from_state=facts.state,
        to_state=to_state,
        reason=reason,
        data=data,
        notify=_audiences(action, after),
        after=replace(after, state=to_state),
    )


_Applied = tuple[HazardFacts, str | None, dict[str, str | int | None]]

# 挂牌督办: a hazard graded 重大 is the 安委办's and the department's leads' business from that moment, not only
# once it is overdue (issue 12 §5).
_MAJOR_LISTED = (Audience.OFFICE_GROUP, Audience.DEPARTMENT_LEADS)


def _audiences(action: Action, after: HazardFacts) -> tuple[Audience, ...]:
    """Who is told of this transition: the action's usual audiences, and the 挂牌督办 ones when it lists a 重大."""
    if action is Action.ACCEPT and after.grade is Grade.MAJOR:
        return (*_NOTIFY[action], *_MAJOR_LISTED)
    return _NOTIFY[action]


def _accept(facts: HazardFacts, _actor: Actor, p: Payload, now: dt.datetime) -> _Applied:
    deadline = _future(p.deadline, now)
    person = _text(p.responsible_person, Field.RESPONSIBLE_PERSON, MAX_PERSON)
    assert p.grade is not None
    data: dict[str, str | int | None] = {"grade": p.grade.value, "deadline_to": _iso(deadline), "person": person}
    if p.grade is not facts.grade:
        data["grade_from"] = facts.grade.value  # the unit re-graded what the reporter chose
    after = replace(
        facts,
        grade=p.grade,
        deadline=deadline,
        original_deadline=deadline,
        deadline_set_at=now,
        responsible_person=person,
    )
    return after, None, data


def _submit(facts: HazardFacts, actor: Actor, p: Payload, _now: dt.datetime) -> _Applied:
    measures = _text(p.measures, Field.MEASURES, MAX_REASON)
    data: dict[str, str | int | None] = {"measures": measures, "photos": p.photo_count}
    if facts.pending_extension is not None:
        data["extension_withdrawn"] = _iso(facts.pending_extension.until)  # moot once rectified
    after = replace(facts, rectification_submitter_id=actor.telegram_id, pending_extension=None)
    return after, None, data


def _verify_pass(facts: HazardFacts, _actor: Actor, p: Payload, now: dt.datetime) -> _Applied:
    opinion = _text(p.opinion, Field.OPINION, MAX_REASON) if (p.opinion or "").strip() else None
    data: dict[str, str | int | None] = {"submitter": facts.rectification_submitter_id, "opinion": opinion}
    return replace(facts, closed_at=now), opinion, data


def _verify_refuse(facts: HazardFacts, _actor: Actor, p: Payload, _now: dt.datetime) -> _Applied:
    reason = _text(p.reason, Field.REASON, MAX_REASON)
    data: dict[str, str | int | None] = {"submitter": facts.rectification_submitter_id}
    # The deadline stands: a refused rectification that is already late stays overdue.
    return replace(facts, rectification_submitter_id=None), reason, data


def _start_recheck(facts: HazardFacts, _actor: Actor, _p: Payload, now: dt.datetime) -> _Applied:
    return replace(facts, recheck_started_at=now), None, {"closed_at": _iso(facts.closed_at)}


def _recheck_pass(facts: HazardFacts, _actor: Actor, p: Payload, _now: dt.datetime) -> _Applied:
    note = _text(p.note, Field.NOTE, MAX_REASON)
    return facts, note, {"note": note, "photos": p.photo_count}


def _rebound(facts: HazardFacts, _actor: Actor, p: Payload, now: dt.datetime) -> _Applied:
    reason = _text(p.reason, Field.REASON, MAX_REASON)
    deadline = _future(p.deadline, now)
    after = replace(
        facts,
        deadline=deadline,
        original_deadline=deadline,
        deadline_set_at=now,
        rectification_submitter_id=None,
        closed_at=None,
        recheck_started_at=None,
        rebounds=facts.rebounds + 1,
    )
    data: dict[str, str | int | None] = {
        "photos": p.photo_count,
        "deadline_from": _iso(facts.deadline),
        "deadline_to": _iso(deadline),
        "rebounds": after.rebounds,
    }
    return after, reason, data


def _transfer(facts: HazardFacts, actor: Actor, p: Payload, now: dt.datetime) -> _Applied:
    reason = _text(p.reason, Field.REASON, MAX_REASON)
    assert p.to_unit_id is not None and p.to_unit_kind is not None
    if p.to_unit_kind is UnitKind.OFFICE:
        raise _Refused(RefusalCode.BAD_TARGET, Field.TO_UNIT)
    moves_department = p.to_unit_kind is UnitKind.DEPARTMENT
    current = facts.department_id if moves_department else facts.township_id
    if p.to_unit_id == current:
        raise _Refused(RefusalCode.SAME_UNIT, Field.TO_UNIT)
    if not (actor.role is Role.ADMIN or actor.is_office or _in_unit(actor, current)):
        # A township may not hand the industry department's part elsewhere, nor the reverse.
        raise _Refused(RefusalCode.BAD_TARGET, Field.TO_UNIT)
    after = replace(facts, department_id=p.to_unit_id) if moves_department else replace(facts, township_id=p.to_unit_id)
    data: dict[str, str | int | None] = {
        "role": "department" if moves_department else "township",
        "from_unit": current,
        "to_unit": p.to_unit_id,
    }
    if moves_department and facts.state is State.REPORTED:
        # the unit that must 受理 changed: its time limit starts now (a township's move changes nobody's duty to act)
        after = replace(after, accept_clock_from=now)
        data["accept_clock_from"] = _iso(now)  # audited: the new department's clock
    return after, reason, data


def _request_extension(facts: HazardFacts, actor: Actor, p: Payload, now: dt.datetime) -> _Applied:
    reason = _text(p.reason, Field.REASON, MAX_REASON)
    until = _future(p.deadline, now)
    if facts.deadline is not None and until <= facts.deadline:
        raise _Refused(RefusalCode.NOT_LATER, Field.DEADLINE)
    request = ExtensionRequest(requested_by=actor.telegram_id, requested_at=now, until=until, reason=reason)
    data: dict[str, str | int | None] = {"deadline": _iso(facts.deadline), "proposed": _iso(until)}
    return replace(facts, pending_extension=request), reason, data


def _approve_extension(facts: HazardFacts, _actor: Actor, _p: Payload, now: dt.datetime) -> _Applied:
    request = facts.pending_extension
    assert request is not None
    if request.until <= now:
        # The request waited past its own date: approving it would set a deadline already gone.
        raise _Refused(RefusalCode.PAST_DATE, Field.DEADLINE)
    data: dict[str, str | int | None] = {
        "deadline_from": _iso(facts.deadline),
        "deadline_to": _iso(request.until),
        "original_deadline": _iso(facts.original_deadline),
        "requested_by": request.requested_by,
        "request_reason": request.reason,
    }
    after = replace(facts, deadline=request.until, deadline_set_at=now, pending_extension=None)
    return after, None, data


def _refuse_extension(facts: HazardFacts, _actor: Actor, p: Payload, _now: dt.datetime) -> _Applied:
    reason = _text(p.reason, Field.REASON, MAX_REASON)
    request = facts.pending_extension
    assert request is not None
    data: dict[str, str | int | None] = {
        "deadline": _iso(facts.deadline),
        "proposed": _iso(request.until),
        "requested_by": request.requested_by,
    }
    return replace(facts, pending_extension=None), reason, data


def _fill_plan(facts: HazardFacts, _actor: Actor, p: Payload, _now: dt.datetime) -> _Applied:
    assert p.plan_part is not None
    text = _text(p.plan_text, Field.PLAN_TEXT, MAX_REASON)
    data: dict[str, str | int | None] = {"part": p.plan_part.value, "text": text}
    return replace(facts, plan_parts=facts.plan_parts | {p.plan_part}), None, data


def _urge(facts: HazardFacts, _actor: Actor, _p: Payload, now: dt.datetime) -> _Applied:
    if facts.last_urged_at is not None and now < facts.last_urged_at + URGE_COOLDOWN:
        raise _Refused(RefusalCode.URGED_RECENTLY)
    return replace(facts, last_urged_at=now), None, {"state": facts.state.value}


_APPLY = {
    Action.ACCEPT: _accept,
    Action.SUBMIT_RECTIFICATION: _submit,
    Action.VERIFY_PASS: _verify_pass,
    Action.VERIFY_REFUSE: _verify_refuse,
    Action.START_RECHECK: _start_recheck,
    Action.RECHECK_PASS: _recheck_pass,
    Action.RECHECK_REBOUND: _rebound,
    Action.TRANSFER: _transfer,
    Action.REQUEST_EXTENSION: _request_extension,
    Action.APPROVE_EXTENSION: _approve_extension,
    Action.REFUSE_EXTENSION: _refuse_extension,
    Action.FILL_PLAN: _fill_plan,
    Action.URGE: _urge,
}
