"""The reminder and escalation planner: which notifications a hazard should get, and when.

``plan_notifications(facts, policy, calendar, zone, now)`` is a pure, cheap function of the hazard's
facts; storage writes its result into the outbox keyed by ``PlannedNotification.key`` (insert or
ignore, and delete the hazard's pending rows the new plan no longer has), and a sweep sends the
rows that ``dispatch`` says are due. The database, not this module, remembers what was sent.

What is planned, by state:

- 整改中 with a deadline: reminders before it (default 3 and 1 days before at 09:00 and 08:30 on
  the day), a daily overdue nudge once it has passed, and the escalation ladder counted in working
  days overdue on the official calendar (一般: 1 → the township's leads, 3 → the department's
  leads, 7 → the 安委办 group).
- 已销号: the 回头看 falling due ``recheck_after_days`` (default 30) calendar days after 销号; the
  sweep then runs ``Action.START_RECHECK`` and posts the recheck task.
- 回头看: an unanswered recheck is answerable for ``recheck_grace_working_days`` working days (default
  3, until 18:00), then it is nudged and escalates exactly like an overdue hazard.
- 已上报: the 受理 clock (issue 12). The department must accept within a time limit per grade counted in
  office time (working days of the official calendar, ``office_start``–``office_end``; default 1 office
  day for a hazard reported as 一般, 4 office hours for one reported as 重大) from filing, or from a 移送
  to another department. Reminders before it go to the department's thread, a daily nudge there once
  it has passed, and the same escalation ladder as an overdue rectification, counted from the limit.
  受理 ends the clock (the replan drops the rows); a 移送 to another department restarts it (new keys).
- 待验收, 已归档: nothing (the next move is the unit's, and is not a reminder matter).

重大 hazards (挂牌督办), decided here: reminded more often — also 7 days before, and nudged every
calendar day when overdue instead of every working day — and escalated one step earlier: each rung
comes when the 一般 ladder's previous rung would (township leads the moment the deadline passes,
department leads after 1 working day, the 安委办 after 3). Neither their reminders nor any
escalation wait for quiet hours or days off; a 一般 hazard's reminders and nudges do, and move to
the start of the next allowed window (08:00 of the next working day by default).

Keys are stable: the same facts give the same keys whatever ``now`` is. A reminder or an
escalation names the deadline it is about (``42:before:3d:20261127T1000Z``,
``42:escalate:township:20261127T1000Z``), so an extension or a rebound gets its own ladder while
each step of one deadline goes out once; an overdue nudge names its local day
(``42:overdue:2026-11-28``); the 回头看 names the 销号 instant (``42:recheck:20261027T0730Z``).

Daily nudges roll: the plan holds the current day's nudge and the next ``nudges_ahead`` days', so a
hazard overdue for months has a few rows, not hundreds. The sweep replans a hazard whenever one of
its rows is sent or expires. Each notification also says when it stops making sense
(``expires_at``): a nudge when the next day's nudge is due, a before-deadline reminder when the
next reminder (or the deadline) comes; escalations and the 回头看 never expire. After downtime,
``dispatch`` sends what is due once, marked late, and drops what has expired, so a bot down for a
week sends one nudge, not seven.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from domain.hazards import Grade, State
from domain.lifecycle import Audience, HazardFacts
from domain.workcalendar import WorkCalendar, add_office_time_many

__all__ = [
    "GENERAL",
    "MAJOR",
    "Dispatch",
    "DueNotification",
    "DueNotifications",
    "EscalationStep",
    "GradePolicy",
    "Kind",
    "PlannedNotification",
    "Policy",
    "Reminder",
    "acceptance_due",
    "dispatch",
    "due_notifications",
    "hold",
    "plan_notifications",
]

_DAY = dt.timedelta(days=1)
_SCAN_BACK = dt.timedelta(days=31)


class Kind(StrEnum):
    """What a planned notification is about."""

    BEFORE = "before"  # the deadline is coming
    OVERDUE = "overdue"  # the daily nudge of an overdue hazard
    ESCALATION = "escalate"  # one rung of the ladder
    RECHECK_DUE = "recheck"  # 回头看 falls due: start it and post the task
    RECHECK_OVERDUE = "recheck_overdue"  # the daily nudge of an unanswered recheck
    RECHECK_ESCALATION = "recheck_escalate"  # one rung of the ladder for an unanswered recheck
    ACCEPT_BEFORE = "accept_before"  # the 受理 time limit is coming
    ACCEPT_OVERDUE = "accept_overdue"  # the daily nudge of a hazard still not accepted past its limit
    ACCEPT_ESCALATION = "accept_escalate"  # one rung of the ladder for a hazard not accepted in time


@dataclass(frozen=True, slots=True)
class Reminder:
    """A reminder ``days_before`` calendar days before the deadline's day, at a local time."""

    days_before: int
    at: dt.time


@dataclass(frozen=True, slots=True)
class EscalationStep:
    """One rung: after ``working_days`` working days overdue, tell ``audience`` (0: as the deadline passes)."""

    working_days: int
    audience: Audience


@dataclass(frozen=True, slots=True)
class GradePolicy:
    """How one grade is reminded and escalated."""

    reminders: tuple[Reminder, ...]
    ladder: tuple[EscalationStep, ...]
    nudge_at: dt.time = dt.time(9, 0)
    nudge_on_days_off: bool = False  # nudge every calendar day, not only working days
    held: bool = True  # quiet hours and days off hold its reminders and nudges (never escalations)
    accept_limit: dt.timedelta = dt.timedelta(hours=8)  # office time to 受理 a hazard reported with this grade
    accept_reminders: tuple[dt.timedelta, ...] = (dt.timedelta(hours=2),)  # office time before that limit


GENERAL = GradePolicy(
    reminders=(Reminder(3, dt.time(9, 0)), Reminder(1, dt.time(9, 0)), Reminder(0, dt.time(8, 30))),
    ladder=(
        EscalationStep(1, Audience.TOWNSHIP_LEADS),
        EscalationStep(3, Audience.DEPARTMENT_LEADS),
        EscalationStep(7, Audience.OFFICE_GROUP),
    ),
)
MAJOR = GradePolicy(
    reminders=(
        Reminder(7, dt.time(9, 0)),
        Reminder(3, dt.time(9, 0)),
        Reminder(1, dt.time(9, 0)),
        Reminder(0, dt.time(8, 30)),
    ),
    ladder=(
        EscalationStep(0, Audience.TOWNSHIP_LEADS),
        EscalationStep(1, Audience.DEPARTMENT_LEADS),
        EscalationStep(3, Audience.OFFICE_GROUP),
    ),
    nudge_on_days_off=True,
    held=False,
    accept_limit=dt.timedelta(hours=4),
    accept_reminders=(dt.timedelta(hours=1),),
)


@dataclass(frozen=True, slots=True)
class Policy:
    """The reminder policy; every default is the issue's, configurable per deployment."""

    general: GradePolicy = GENERAL
    major: GradePolicy = MAJOR
    recheck_after_days: int = 30  # 回头看: calendar days after 销号
    recheck_at: dt.time = dt.time(9, 0)
    recheck_grace_working_days: int = 3  # a recheck is answerable this long before it counts as overdue
    recheck_answer_by: dt.time = dt.time(18, 0)
    escalation_at: dt.time = dt.time(9, 0)
    quiet_start: dt.time = dt.time(21, 0)
    quiet_end: dt.time = dt.time(8, 0)  # also the start of the window held pushes move to
    nudges_ahead: int = 2  # future daily nudges kept in the plan besides the current one (at least 1)
    late_after: dt.timedelta = dt.timedelta(minutes=10)  # sent later than this after due: marked late
    office_start: dt.time = dt.time(9, 0)  # office hours on working days: the 受理 clock runs only then
    office_end: dt.time = dt.time(17, 0)

    def __post_init__(self) -> None:
        if self.recheck_after_days < 0 or self.recheck_grace_working_days < 0:
            raise ValueError("reminder policy counts must not be negative")
        if self.nudges_ahead < 1:
            raise ValueError("nudges_ahead must be at least 1: the next nudge keeps the daily chain going")
        for grade in (self.general, self.major):
            if any(r.days_before < 0 for r in grade.reminders) or any(s.working_days < 0 for s in grade.ladder):
                raise ValueError("reminder offsets and escalation steps must not be negative")
            if grade.accept_limit <= dt.timedelta(0) or any(r <= dt.timedelta(0) for r in grade.accept_reminders):
                raise ValueError("the 受理 time limit and its reminders must be positive")
        if self.office_end <= self.office_start:
            raise ValueError("office hours must end after they start")

    def for_grade(self, grade: Grade) -> GradePolicy:
        """The policy of one grade."""
        return self.major if grade is Grade.MAJOR else self.general


@dataclass(frozen=True, slots=True)
class PlannedNotification:
    """One notification the outbox should hold; ``due_at`` and ``expires_at`` are aware UTC."""

    key: str
    hazard_id: int
    kind: Kind
    audiences: tuple[Audience, ...]
    due_at: dt.datetime  # after holding for quiet hours and days off
    nominal_at: dt.datetime  # before holding
    expires_at: dt.datetime | None  # no longer worth sending from then on
    about: dt.datetime  # the deadline (or the recheck's answer-by, or the 销号) it is about
    days_before: int | None = None  # BEFORE
    overdue_on: dt.date | None = None  # *OVERDUE: the local day nudged
    working_days_overdue: int | None = None  # *ESCALATION
    office_minutes_before: int | None = None  # ACCEPT_BEFORE: office time left until the 受理 limit
    already_told: tuple[Audience, ...] = field(default=())  # *ESCALATION: who knew before this rung

    @property
    def held(self) -> bool:
        """Whether quiet hours or a day off moved it."""
        return self.due_at != self.nominal_at


class Dispatch(StrEnum):
    """What the sweep does with an outbox row now."""

    WAIT = "wait"
    SEND = "send"
    SEND_LATE = "send_late"  # due while the bot was down (or the sweep lagged): send once, marked late
    EXPIRED = "expired"  # superseded or pointless now: mark it so and do not send


@dataclass(frozen=True, slots=True)
class DueNotification:
    """A notification to send now."""

    notification: PlannedNotification
    late: bool


@dataclass(frozen=True, slots=True)
class DueNotifications:
    """What ``due_notifications`` found: to send (oldest first) and to mark expired."""

    send: tuple[DueNotification, ...]
    expired: tuple[PlannedNotification, ...]


# --- time helpers -------------------------------------------------------------------------------


def _require_aware(value: dt.datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")


def _at(day: dt.date, time: dt.time, zone: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=zone).astimezone(dt.UTC)


def _anchor(instant: dt.datetime) -> str:
    return instant.astimezone(dt.UTC).strftime("%Y%m%dT%H%MZ")


def _quiet(time: dt.time, policy: Policy) -> bool:
    start, end = policy.quiet_start, policy.quiet_end
    if start == end:
        return False
    if start > end:  # across midnight, the usual 21:00–08:00
        return time >= start or time < end
    return start <= time < end


def _first_open(policy: Policy) -> dt.time:
    start, end = policy.quiet_start, policy.quiet_end
    if start == end or (start < end and start > dt.time(0, 0)):
        return dt.time(0, 0)
    return end


def hold(instant: dt.datetime, policy: Policy, calendar: WorkCalendar, zone: dt.tzinfo) -> dt.datetime:
    """The instant itself if pushes are allowed then, else the start of the next allowed window (UTC)."""
    _require_aware(instant, "instant")
    local = instant.astimezone(zone)
    day, time = local.date(), local.time().replace(tzinfo=None)
    if calendar.is_workday(day):
        if not _quiet(time, policy):
            return instant.astimezone(dt.UTC)
        if time < policy.quiet_end:  # before the morning's end of quiet hours (or a daytime quiet window)
            return _at(day, policy.quiet_end, zone)
    return _at(calendar.next_workday(day), _first_open(policy), zone)


# --- planning -----------------------------------------------------------------------------------

_RUNGS = {
    Audience.TOWNSHIP_LEADS: "township",
    Audience.DEPARTMENT_LEADS: "department",
    Audience.OFFICE_GROUP: "office",
}


def plan_notifications(
    facts: HazardFacts, policy: Policy, calendar: WorkCalendar, zone: dt.tzinfo, now: dt.datetime
) -> list[PlannedNotification]:
    """Every notification the hazard should have now, sorted by due instant then key.

    ``now`` only chooses which daily nudges are in the rolling window; every key and instant is a
    function of the facts alone.
    """
    _require_aware(now, "now")
    grade = policy.for_grade(facts.grade)
    planned: list[PlannedNotification] = []
    if facts.state is State.RECTIFYING and facts.deadline is not None:
        deadline = facts.deadline.astimezone(dt.UTC)
        planned += _before(facts, grade, policy, calendar, zone, deadline)
        overdue_audiences = (Audience.ENTERPRISE_OFFICERS, Audience.UNIT_THREADS)
        planned += _nudges(facts, grade, policy, calendar, zone, now, deadline, Kind.OVERDUE, overdue_audiences)
        planned += _ladder(facts, grade, policy, calendar, zone, deadline, Kind.ESCALATION, overdue_audiences)
    elif facts.state is State.REPORTED and facts.accept_clock_from is not None:
        limit = acceptance_due(facts.accept_clock_from, facts.grade, policy, calendar, zone)
        department = (Audience.DEPARTMENT_THREAD,)
        planned += _accept_before(facts, grade, policy, calendar, zone, limit)
        planned += _nudges(facts, grade, policy, calendar, zone, now, limit, Kind.ACCEPT_OVERDUE, department)
        planned += _ladder(facts, grade, policy, calendar, zone, limit, Kind.ACCEPT_ESCALATION, department)
    elif facts.state is State.CLOSED and facts.closed_at is not None:
        planned.append(_recheck_due(facts, grade, policy, calendar, zone))
    elif facts.state is State.RECHECK and facts.recheck_started_at is not None:
        started = facts.recheck_started_at.astimezone(zone).date()
        answer_by = _at(
            calendar.add_workdays(started, policy.recheck_grace_working_days), policy.recheck_answer_by, zone
        )
        threads = (Audience.UNIT_THREADS,)
        planned += _nudges(facts, grade, policy, calendar, zone, now, answer_by, Kind.RECHECK_OVERDUE, threads)
        planned += _ladder(facts, grade, policy, calendar, zone, answer_by, Kind.RECHECK_ESCALATION, threads)
    return sorted(planned, key=lambda n: (n.due_at, n.key))


def acceptance_due(
    clock_from: dt.datetime, grade: Grade, policy: Policy, calendar: WorkCalendar, zone: dt.tzinfo
) -> dt.datetime:
    """The 受理 time limit (UTC) of a hazard reported with ``grade`` whose clock started at ``clock_from``."""
    _require_aware(clock_from, "clock_from")
    limit = policy.for_grade(grade).accept_limit
    return calendar.add_office_time(clock_from, limit, zone, policy.office_start, policy.office_end)


def acceptance_dues(
    clock_froms: Sequence[dt.datetime], grade: Grade, policy: Policy, calendar: WorkCalendar, zone: dt.tzinfo
) -> list[dt.datetime]:
    """``acceptance_due`` of many hazards reported with ``grade`` at once (counting a month's 受理)."""
    limit = policy.for_grade(grade).accept_limit
    return add_office_time_many(calendar, clock_froms, limit, zone, policy.office_start, policy.office_end)


def _accept_before(
    facts: HazardFacts,
    grade: GradePolicy,
    policy: Policy,
    calendar: WorkCalendar,
    zone: dt.tzinfo,
    limit: dt.datetime,
) -> list[PlannedNotification]:
    assert facts.accept_clock_from is not None
    kept: list[tuple[dt.timedelta, dt.datetime, dt.datetime]] = []
    for before in sorted(set(grade.accept_reminders), reverse=True):
        if before >= grade.accept_limit:
            continue  # would come as the report is filed
        nominal = calendar.add_office_time(
            facts.accept_clock_from, grade.accept_limit - before, zone, policy.office_start, policy.office_end
        )
        due = _held(nominal, grade, policy, calendar, zone)
        if due < limit:
            kept.append((before, nominal, due))
    planned = []
    for index, (before, nominal, due) in enumerate(kept):
        expires = kept[index + 1][2] if index + 1 < len(kept) else limit
        minutes = int(before.total_seconds() // 60)
        planned.append(
            PlannedNotification(
                key=f"{facts.hazard_id}:{Kind.ACCEPT_BEFORE}:{minutes}m:{_anchor(limit)}",
                hazard_id=facts.hazard_id,
                kind=Kind.ACCEPT_BEFORE,
                audiences=(Audience.DEPARTMENT_THREAD,),
                due_at=due,
                nominal_at=nominal,
                expires_at=expires,
                about=limit,
                office_minutes_before=minutes,
            )
        )
    return planned


def _held(
    instant: dt.datetime, grade: GradePolicy, policy: Policy, calendar: WorkCalendar, zone: dt.tzinfo
) -> dt.datetime:
    return hold(instant, policy, calendar, zone) if grade.held else instant


def _before(
    facts: HazardFacts,
    grade: GradePolicy,
    policy: Policy,
    calendar: WorkCalendar,
    zone: dt.tzinfo,
    deadline: dt.datetime,
) -> list[PlannedNotification]:
    day = deadline.astimezone(zone).date()
    by_day: dict[dt.date, tuple[Reminder, dt.datetime, dt.datetime]] = {}
    for reminder in sorted(grade.reminders, key=lambda r: -r.days_before):
        nominal = _at(day - reminder.days_before * _DAY, reminder.at, zone)
        if facts.deadline_set_at is not None and nominal <= facts.deadline_set_at:
            continue  # would have come before anyone knew of this deadline
        due = _held(nominal, grade, policy, calendar, zone)
        if due >= deadline:
            continue  # held past the deadline: the overdue nudge takes over
        # Two reminders pushed onto one day (a held Saturday one onto Monday's): the nearer one says it.
        by_day[due.astimezone(zone).date()] = (reminder, nominal, due)
    kept = sorted(by_day.values(), key=lambda item: item[2])
    planned = []
    for index, (reminder, nominal, due) in enumerate(kept):
        expires = kept[index + 1][2] if index + 1 < len(kept) else deadline
        planned.append(
            PlannedNotification(
                key=f"{facts.hazard_id}:{Kind.BEFORE}:{reminder.days_before}d:{_anchor(deadline)}",
                hazard_id=facts.hazard_id,
                kind=Kind.BEFORE,
                audiences=(Audience.ENTERPRISE_OFFICERS, Audience.UNIT_THREADS),
                due_at=due,
                nominal_at=nominal,
                expires_at=expires,
                about=deadline,
                days_before=reminder.days_before,
            )
        )
    return planned


def _nudge_days(grade: GradePolicy, calendar: WorkCalendar, after: dt.date) -> Iterator[dt.date]:
    day = after
    while True:
        day += _DAY
        if grade.nudge_on_days_off or calendar.is_workday(day):
            yield day


def _nudges(
    facts: HazardFacts,
    grade: GradePolicy,
    policy: Policy,
    calendar: WorkCalendar,
    zone: dt.tzinfo,
    now: dt.datetime,
    deadline: dt.datetime,
    kind: Kind,
    audiences: tuple[Audience, ...],
) -> list[PlannedNotification]:
    # The nudge days after the deadline's day: the current one (the last already due at `now`) and
    # `nudges_ahead` after it; older ones are superseded. Scanning from a month back at most keeps a
    # hazard overdue for a year as cheap as one overdue for a day (no holiday lasts a month).
    first_day = deadline.astimezone(zone).date()
    scan_from = max(first_day, now.astimezone(zone).date() - _SCAN_BACK)
    window: list[tuple[dt.date, dt.datetime, dt.datetime]] = []
    ahead = 0
    for day in _nudge_days(grade, calendar, scan_from):
        nominal = _at(day, grade.nudge_at, zone)
        entry = (day, nominal, _held(nominal, grade, policy, calendar, zone))
        if nominal <= now:
            window = [entry]
            continue
        window.append(entry)
        ahead += 1
        if ahead >= policy.nudges_ahead:
            break
    planned = []
    for index, (day, nominal, due) in enumerate(window):
        following = window[index + 1] if index + 1 < len(window) else None
        if following is None:
            next_day = next(_nudge_days(grade, calendar, day))
            next_nominal = _at(next_day, grade.nudge_at, zone)
            expires = _held(next_nominal, grade, policy, calendar, zone)
        else:
            expires = following[2]
        # a 受理 nudge names its limit too: a 移送 restarts the clock, and the new unit's nudges are its own
        suffix = f":{_anchor(deadline)}" if kind is Kind.ACCEPT_OVERDUE else ""
        planned.append(
            PlannedNotification(
                key=f"{facts.hazard_id}:{kind}:{day.isoformat()}{suffix}",
                hazard_id=facts.hazard_id,
                kind=kind,
                audiences=audiences,
                due_at=due,
                nominal_at=nominal,
                expires_at=expires,
                about=deadline,
                overdue_on=day,
            )
        )
    return planned


def _ladder(
    facts: HazardFacts,
    grade: GradePolicy,
    policy: Policy,
    calendar: WorkCalendar,
    zone: dt.tzinfo,
    deadline: dt.datetime,
    kind: Kind,
    told_first: tuple[Audience, ...],
) -> list[PlannedNotification]:
    day = deadline.astimezone(zone).date()
    told = list(told_first)
    planned = []
    for step in sorted(grade.ladder, key=lambda s: s.working_days):
        if step.working_days == 0:
            due = deadline
        else:
            due = _at(calendar.add_workdays(day, step.working_days), policy.escalation_at, zone)
        rung = _RUNGS.get(step.audience, step.audience.value)
        planned.append(
            PlannedNotification(
                key=f"{facts.hazard_id}:{kind}:{rung}:{_anchor(deadline)}",
                hazard_id=facts.hazard_id,
                kind=kind,
                audiences=(step.audience,),
                due_at=due,
                nominal_at=due,
                expires_at=None,
                about=deadline,
                working_days_overdue=step.working_days,
                already_told=tuple(told),
            )
        )
        told.append(step.audience)
    return planned


def _recheck_due(
    facts: HazardFacts, grade: GradePolicy, policy: Policy, calendar: WorkCalendar, zone: dt.tzinfo
) -> PlannedNotification:
    assert facts.closed_at is not None
    closed = facts.closed_at.astimezone(dt.UTC)
    nominal = _at(closed.astimezone(zone).date() + policy.recheck_after_days * _DAY, policy.recheck_at, zone)
    return PlannedNotification(
        key=f"{facts.hazard_id}:{Kind.RECHECK_DUE}:{_anchor(closed)}",
        hazard_id=facts.hazard_id,
        kind=Kind.RECHECK_DUE,
        audiences=(Audience.UNIT_THREADS,),
        due_at=_held(nominal, grade, policy, calendar, zone),
        nominal_at=nominal,
        expires_at=None,
        about=closed,
    )


# --- what is due --------------------------------------------------------------------------------


def dispatch(
    due_at: dt.datetime, expires_at: dt.datetime | None, now: dt.datetime, *, late_after: dt.timedelta
) -> Dispatch:
    """What to do now with a pending outbox row due at ``due_at``."""
    _require_aware(now, "now")
    if now < due_at:
        return Dispatch.WAIT
    if expires_at is not None and now >= expires_at:
        return Dispatch.EXPIRED
    return Dispatch.SEND_LATE if now - due_at > late_after else Dispatch.SEND


def due_notifications(planned: Iterable[PlannedNotification], now: dt.datetime, policy: Policy) -> DueNotifications:
    """The pending notifications to send now (oldest first, late ones marked) and those expired."""
    send: list[DueNotification] = []
    expired: list[PlannedNotification] = []
    for notification in sorted(planned, key=lambda n: (n.due_at, n.key)):
        verdict = dispatch(notification.due_at, notification.expires_at, now, late_after=policy.late_after)
        if verdict is Dispatch.EXPIRED:
            expired.append(notification)
        elif verdict is not Dispatch.WAIT:
            send.append(DueNotification(notification, late=verdict is Dispatch.SEND_LATE))
    return DueNotifications(tuple(send), tuple(expired))
