"""Counting hazards (一周一统计): what happened in a period, where things stand, and the ledger's rows.

Everything is computed from plain records — a hazard's facts and its audit events — so a past
period is counted as it was, whatever happened since. Storage reads the records; nothing here
reads a clock or a database.

Definitions (README, "Counting"):

- *reported*: filed within the period. *accepted*: 受理定级 within the period.
- *rectified*: verified (验收通过, i.e. 销号) within the period; *on time* when the rectification
  that was verified had been submitted by the deadline in force when it was submitted (an approved
  extension moves that deadline; a rebound starts a new round with its own), otherwise *late*.
- *days to 销号*: from the start of the round (filing, or the rebound that reopened it) to 销号.
- *rebounds*: 发现反弹 within the period; *rechecks done*: 回头看 answered (passed or rebound).
- The snapshot is taken at the period's end, or now if the period has not ended: *overdue* — in
  整改中 with the deadline passed, by local calendar days (at least 1); *重大 open* — a 重大 hazard
  not yet rectified (已上报, 整改中, 待验收); *rechecks due* — in 回头看, waiting for the recheck.
- *未按时受理* (not accepted in time, issue 12): accepted within the period after its 受理 time limit
  (*accepted late*), plus still 已上报 at the snapshot with the limit passed (*unaccepted overdue*). The
  limit comes from the caller (``AcceptanceDue``: the reminder policy's office-time limit by the grade
  the hazard was reported with), counted from filing or from the last 移送 to another department
  before the 受理 (or the snapshot).
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from domain.hazards import Grade, State

__all__ = [
    "OPEN_STATES",
    "AcceptanceDue",
    "Compliance",
    "EventRecord",
    "Figures",
    "HazardRecord",
    "LedgerRow",
    "RecheckResult",
    "Rectification",
    "SelfCheckRecord",
    "StateRow",
    "acceptance_at",
    "breakdown",
    "compliance",
    "deadline_at",
    "figures",
    "ledger_rows",
    "rectifications",
    "state_at",
    "state_rows",
]

OPEN_STATES = frozenset({State.REPORTED, State.RECTIFYING, State.AWAITING_VERIFICATION})
_DEADLINE_SETTERS = frozenset({"accept", "ext_approve", "rebound"})
MICROS_A_DAY = 86_400_000_000


@dataclass(frozen=True, slots=True)
class EventRecord:
    """One audit event as counting needs it."""

    at: dt.datetime
    action: str  # domain.lifecycle.Action values, and "report"
    to_state: State
    actor_id: int = 0
    deadline_to: dt.datetime | None = None  # accept, ext_approve, rebound: the deadline it set
    moved: str | None = None  # transfer: "department" or "township", which of the units it moved
    grade_from: str | None = None  # accept: the grade the hazard was reported with, when the unit changed it


@dataclass(frozen=True, slots=True)
class HazardRecord:
    """A hazard with its events (oldest first); the ledger's extra fields may stay empty for counting."""

    id: int
    code: str
    enterprise_id: str
    township_id: str
    department_id: str
    category_id: str
    grade: Grade
    state: State
    reported_at: dt.datetime
    deadline: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    rebounds: int = 0
    events: tuple[EventRecord, ...] = ()
    description: str = ""
    place: str = ""
    responsible_person: str | None = None
    measures: str | None = None
    photos: int = 0  # the report's (整改前)
    after_photos: int = 0  # the latest 提交整改's (整改后)
    plan: tuple[tuple[str, str], ...] = ()  # 重大: the treatment plan's filled parts (part, text)

    @property
    def unit_ids(self) -> frozenset[str]:
        """The responsible units now."""
        return frozenset({self.department_id, self.township_id})


@dataclass(frozen=True, slots=True)
class Rectification:
    """One verified rectification round."""

    started_at: dt.datetime  # filing, or the rebound that reopened the hazard
    submitted_at: dt.datetime
    verified_at: dt.datetime  # 销号
    verified_by: int
    deadline: dt.datetime | None  # in force when it was submitted

    @property
    def on_time(self) -> bool:
        """Submitted by the deadline in force then."""
        return self.deadline is None or self.submitted_at <= self.deadline

    @property
    def micros_to_close(self) -> int:
        """Microseconds from the round's start to 销号 (exact: a sum of them is too)."""
        return (self.verified_at - self.started_at) // dt.timedelta(microseconds=1)


def rectifications(record: HazardRecord) -> list[Rectification]:
    """The hazard's verified rounds, oldest first, each with the deadline it was judged by."""
    rounds: list[Rectification] = []
    deadline: dt.datetime | None = None
    started = record.reported_at
    submitted: tuple[dt.datetime, dt.datetime | None] | None = None
    for event in record.events:
        if event.action in _DEADLINE_SETTERS and event.deadline_to is not None:
            deadline = event.deadline_to
        if event.action == "rebound":
            started, submitted = event.at, None
        elif event.action == "submit":
            submitted = (event.at, deadline)
        elif event.action == "verify_pass" and submitted is not None:
            rounds.append(Rectification(started, submitted[0], event.at, event.actor_id, submitted[1]))
            submitted = None
    return rounds


def state_at(record: HazardRecord, instant: dt.datetime) -> State | None:
    """Where the hazard stood just before ``instant`` (None: not yet filed)."""
    if record.reported_at >= instant:
        return None
    if not record.events:
        return record.state
    state: State | None = None
    for event in record.events:
        if event.at >= instant:
            break
        state = event.to_state
    return state or State.REPORTED


def deadline_at(record: HazardRecord, instant: dt.datetime) -> dt.datetime | None:
    """The deadline in force just before ``instant``."""
    if not record.events:
        return record.deadline
    deadline = None
    for event in record.events:
        if event.at >= instant:
            break
        if event.action in _DEADLINE_SETTERS and event.deadline_to is not None:
            deadline = event.deadline_to
    return deadline


def overdue_days(record: HazardRecord, instant: dt.datetime, zone: dt.tzinfo) -> int:
    """How many local days the hazard is overdue at ``instant`` (0: not overdue)."""
    if state_at(record, instant) is not State.RECTIFYING:
        return 0
    deadline = deadline_at(record, instant)
    if deadline is None or deadline >= instant:
        return 0
    return max(1, (instant.astimezone(zone).date() - deadline.astimezone(zone).date()).days)


AcceptanceDue = Callable[[dt.datetime, Grade], dt.datetime]  # (clock start, grade reported) → the 受理 limit


@dataclass(frozen=True, slots=True)
class Acceptance:
    """A hazard's 受理 as it stood just before an instant: its time limit and when it was accepted (None: not yet)."""

    due: dt.datetime
    accepted_at: dt.datetime | None

    @property
    def late(self) -> bool:
        """Accepted after the limit."""
        return self.accepted_at is not None and self.accepted_at > self.due


def acceptance_at(record: HazardRecord, instant: dt.datetime, accept_due: AcceptanceDue) -> Acceptance | None:
    """The hazard's 受理 limit and acceptance as they stood just before ``instant`` (None: not filed yet)."""
    if record.reported_at >= instant:
        return None
    start, grade = record.reported_at, record.grade
    for event in record.events:
        if event.at >= instant:
            break
        if event.action == "accept":
            reported_grade = Grade(event.grade_from) if event.grade_from else grade
            return Acceptance(accept_due(start, reported_grade), event.at)
        if event.action == "transfer" and event.moved == "department":
            start = event.at  # the new department's clock
    return Acceptance(accept_due(start, grade), None)  # not accepted: the grade is still the one reported


LONGEST_OVERDUE = 8  # the overdue hazards whose days a snapshot names (the others are counted)


def longest_overdue(days: Iterable[int]) -> tuple[int, ...]:
    """The LONGEST_OVERDUE largest of the days overdue, longest first."""
    return tuple(heapq.nlargest(LONGEST_OVERDUE, days))


@dataclass(frozen=True, slots=True)
class Figures:
    """What happened in a period, and where things stood at its end (or now)."""

    reported: int = 0
    accepted: int = 0
    rectified_on_time: int = 0
    rectified_late: int = 0
    rebounds: int = 0
    rechecks_done: int = 0
    micros_to_close: int = 0  # of the rounds closed (rectified) in the period, added up
    overdue: int = 0  # overdue at the snapshot
    overdue_days: tuple[int, ...] = ()  # days overdue of the LONGEST_OVERDUE longest of them, longest first
    major_open: int = 0
    rechecks_due: int = 0
    open: int = 0
    accepted_late: int = 0  # accepted in the period after the 受理 limit
    unaccepted_overdue: int = 0  # still 已上报 at the snapshot, its 受理 limit passed

    @property
    def not_accepted_in_time(self) -> int:
        """未按时受理: accepted late in the period, or still not accepted past the limit at the snapshot."""
        return self.accepted_late + self.unaccepted_overdue

    @property
    def acceptance_rate(self) -> float | None:
        """Accepted in time / (accepted + still unaccepted past the limit); None when no 受理 fell due."""
        due = self.accepted + self.unaccepted_overdue
        return (self.accepted - self.accepted_late) / due if due else None

    @property
    def rectified(self) -> int:
        """Verified (销号) in the period."""
        return self.rectified_on_time + self.rectified_late

    @property
    def on_time_rate(self) -> float | None:
        """Rectified on time / rectified (None: nothing rectified)."""
        return self.rectified_on_time / self.rectified if self.rectified else None

    @property
    def rebound_rate(self) -> float | None:
        """Rebounds / rechecks done (None: no recheck done)."""
        return self.rebounds / self.rechecks_done if self.rechecks_done else None

    @property
    def average_days_to_close(self) -> float | None:
        """Mean days to 销号 of the rounds closed in the period."""
        return self.micros_to_close / MICROS_A_DAY / self.rectified if self.rectified else None


def figures(records: Iterable[HazardRecord], start: dt.datetime, end: dt.datetime, now: dt.datetime,
            zone: dt.tzinfo, accept_due: AcceptanceDue | None = None) -> Figures:
    """The figures of ``records`` for the period [start, end) with the snapshot at min(end, now).

    Without ``accept_due`` the 受理 figures stay 0 (nothing to judge acceptance by).
    """
    snapshot = min(end, now)
    counts = {"reported": 0, "accepted": 0, "on_time": 0, "late": 0, "rebounds": 0, "rechecks": 0,
              "major_open": 0, "rechecks_due": 0, "open": 0, "accepted_late": 0, "unaccepted_overdue": 0}  # fmt: skip
    micros = 0
    overdue: list[int] = []

    def inside(instant: dt.datetime) -> bool:
        return start <= instant < snapshot

    for record in records:
        if inside(record.reported_at):
            counts["reported"] += 1
        for event in record.events:
            if not inside(event.at):
                continue
            if event.action == "accept":
                counts["accepted"] += 1
            elif event.action == "rebound":
                counts["rebounds"] += 1
                counts["rechecks"] += 1
            elif event.action == "recheck_pass":
                counts["rechecks"] += 1
        for rectification in rectifications(record):
            if inside(rectification.verified_at):
                counts["on_time" if rectification.on_time else "late"] += 1
                micros += rectification.micros_to_close
        state = state_at(record, snapshot)
        if state in OPEN_STATES:
            counts["open"] += 1
            counts["major_open"] += record.grade is Grade.MAJOR
        elif state is State.RECHECK:
            counts["rechecks_due"] += 1
        if late := overdue_days(record, snapshot, zone):
            overdue.append(late)
        if accept_due is not None and (acceptance := acceptance_at(record, snapshot, accept_due)) is not None:
            if acceptance.accepted_at is None:
                counts["unaccepted_overdue"] += state is State.REPORTED and acceptance.due < snapshot
            elif inside(acceptance.accepted_at) and acceptance.late:
                counts["accepted_late"] += 1
    return Figures(
        reported=counts["reported"], accepted=counts["accepted"], rectified_on_time=counts["on_time"],
        rectified_late=counts["late"], rebounds=counts["rebounds"], rechecks_done=counts["rechecks"],
        micros_to_close=micros, overdue=len(overdue), overdue_days=longest_overdue(overdue),
        major_open=counts["major_open"], rechecks_due=counts["rechecks_due"], open=counts["open"],
        accepted_late=counts["accepted_late"], unaccepted_overdue=counts["unaccepted_overdue"],
    )  # fmt: skip


def breakdown(records: Sequence[HazardRecord], groups: Mapping[str, Callable[[HazardRecord], bool]],
              start: dt.datetime, end: dt.datetime, now: dt.datetime, zone: dt.tzinfo,
              accept_due: AcceptanceDue | None = None) -> dict[str, Figures]:
    """Figures per group (a unit, an enterprise), each group a predicate over records; in the groups' order."""
    return {key: figures([r for r in records if belongs(r)], start, end, now, zone, accept_due)
            for key, belongs in groups.items()}


# --- self-checks (每周自查自报) ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SelfCheckRecord:
    """An enterprise's self-check for one week."""

    enterprise_id: str
    week: dt.date  # the week's Monday
    submitted_at: dt.datetime
    zero: bool  # 零报告: nothing found
    hazards: int = 0


@dataclass(frozen=True, slots=True)
class Compliance:
    """Self-checks expected and made for some enterprises over some weeks."""

    expected: int = 0
    on_time: int = 0
    late: int = 0

    @property
    def rate(self) -> float | None:
        """Made on time / expected (None: none expected)."""
        return self.on_time / self.expected if self.expected else None

    @property
    def missing(self) -> int:
        """Expected and never made."""
        return self.expected - self.on_time - self.late


def compliance(enterprise_ids: Iterable[str], weeks: Sequence[tuple[dt.date, dt.datetime]],
               selfchecks: Iterable[SelfCheckRecord], now: dt.datetime) -> Compliance:
    """Compliance over the weeks (Monday, deadline) whose deadline has passed by ``now``."""
    due = {monday: deadline for monday, deadline in weeks if deadline <= now}
    wanted = set(enterprise_ids)
    made = {(s.enterprise_id, s.week): s for s in selfchecks if s.enterprise_id in wanted and s.week in due}
    on_time = sum(1 for (_, week), s in made.items() if s.submitted_at <= due[week])
    return Compliance(expected=len(wanted) * len(due), on_time=on_time, late=len(made) - on_time)


# --- the ledger (隐患排查治理台账) and the quarterly table -----------------------------------------


class RecheckResult(StrEnum):
    """Where a hazard's 回头看 stands."""

    NONE = "none"  # not closed yet
    WAITING = "waiting"  # closed, the recheck not yet due
    DUE = "due"  # in 回头看
    PASSED = "passed"  # 复查通过 (archived)
    REBOUND = "rebound"  # the last recheck found a rebound


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """One line of the ledger, values as they are (the workbook labels and formats them)."""

    record: HazardRecord
    rectified_at: dt.datetime | None  # the last rectification submitted
    verified_by: int | None
    closed_at: dt.datetime | None  # the last 销号
    recheck: RecheckResult
    days_overdue: int  # late rectification: by how many days; still open: overdue now
    acceptance: Acceptance | None = None  # the 受理 limit and when it came (None: the limit not known to the caller)
    accept_overdue: bool = False  # not accepted and past its limit now (超时未受理)


def ledger_rows(records: Iterable[HazardRecord], now: dt.datetime, zone: dt.tzinfo,
                accept_due: AcceptanceDue | None = None) -> list[LedgerRow]:
    """The ledger, in filing order; with `accept_due`, each line's 受理 limit and whether it was met."""
    rows = []
    for record in sorted(records, key=lambda r: (r.reported_at, r.id)):
        submits = [e for e in record.events if e.action == "submit"]
        rounds = rectifications(record)
        last = rounds[-1] if rounds else None
        rechecks = [e for e in record.events if e.action in ("recheck_pass", "rebound")]
        if record.state is State.RECHECK:
            recheck = RecheckResult.DUE
        elif record.state is State.CLOSED:
            recheck = RecheckResult.WAITING
        elif rechecks:
            recheck = RecheckResult.PASSED if rechecks[-1].action == "recheck_pass" else RecheckResult.REBOUND
        else:
            recheck = RecheckResult.NONE
        late = overdue_days(record, now, zone)
        if not late and last is not None and not last.on_time and last.deadline is not None:
            late = max(1, (last.submitted_at.astimezone(zone).date() - last.deadline.astimezone(zone).date()).days)
        acceptance = acceptance_at(record, now, accept_due) if accept_due is not None else None
        rows.append(LedgerRow(
            record, submits[-1].at if submits else None, last.verified_by if last else None,
            last.verified_at if last else None, recheck, late, acceptance,
            acceptance is not None and acceptance.accepted_at is None and now > acceptance.due
            and record.state is State.REPORTED,
        ))  # fmt: skip
    return rows


@dataclass(frozen=True, slots=True)
class StateRow:
    """Counts by grade and by state of the hazards filed in a period (one unit, or all)."""

    total: int = 0
    by_grade: Mapping[Grade, int] = field(default_factory=dict)
    by_state: Mapping[State, int] = field(default_factory=dict)
    overdue: int = 0
    major_overdue: int = 0

    @property
    def rectified(self) -> int:
        """Verified and closed, rechecked or archived."""
        return sum(self.by_state.get(s, 0) for s in (State.CLOSED, State.RECHECK, State.ARCHIVED))

    @property
    def rectification_rate(self) -> float | None:
        """Rectified / filed."""
        return self.rectified / self.total if self.total else None


def state_rows(records: Sequence[HazardRecord], groups: Mapping[str, Callable[[HazardRecord], bool]],
               start: dt.datetime, end: dt.datetime, now: dt.datetime, zone: dt.tzinfo) -> dict[str, StateRow]:
    """Per group: the hazards filed in [start, end), by grade and by their state at min(end, now)."""
    snapshot = min(end, now)
    filed = [r for r in records if start <= r.reported_at < end]
    table: dict[str, StateRow] = {}
    for key, belongs in groups.items():
        grades: dict[Grade, int] = dict.fromkeys(Grade, 0)
        states: dict[State, int] = dict.fromkeys(State, 0)
        total = overdue = major_overdue = 0
        for record in filed:
            if not belongs(record):
                continue
            total += 1
            grades[record.grade] += 1
            states[state_at(record, snapshot) or State.REPORTED] += 1
            if overdue_days(record, snapshot, zone):
                overdue += 1
                major_overdue += record.grade is Grade.MAJOR
        table[key] = StateRow(total, grades, states, overdue, major_overdue)
    return table
