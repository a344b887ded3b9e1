"""A hazard's 处理记录 as officials read it: every audited step and every escalation sent, in time order, each
late step with how late it was (受理 past its time limit, 整改 submitted past the deadline then in force)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from domain.hazards import Grade, State

AuditValues = Mapping[str, object]
AcceptDue = Callable[[dt.datetime, Grade], dt.datetime]  # when the 受理 clock started, grade reported → limit


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audit-log event with the data stored beside it (what changed)."""

    at: dt.datetime
    actor_id: int
    action: str  # domain.lifecycle.Action values, "report", and "urge" (催办)
    from_state: State | None
    to_state: State
    reason: str | None
    data: AuditValues = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SentEscalation:
    """An escalation (or nudge) the bot sent: when, which kind, to whom."""

    at: dt.datetime
    kind: str  # domain.reminders.Kind value
    audiences: tuple[str, ...]  # domain.lifecycle.Audience values
    working_days_overdue: int | None


@dataclass(frozen=True, slots=True)
class RecordLine:
    """One line of the 处理记录: an audited step or an escalation, and by how much it was late (None: on time)."""

    at: dt.datetime
    entry: AuditEntry | SentEscalation
    late_by: dt.timedelta | None = None


def _deadline_set(entry: AuditEntry) -> dt.datetime | None:
    value = entry.data.get("deadline_to")
    return dt.datetime.fromisoformat(str(value)) if value else None


def processing_record(
    reported_at: dt.datetime, reported_grade: Grade, audit: Sequence[AuditEntry],
    escalations: Sequence[SentEscalation], accept_due: AcceptDue,
) -> list[RecordLine]:  # fmt: skip
    """The audit log and the escalations merged by time; 受理 and 提交整改 steps carry how late they came."""
    lines: list[RecordLine] = []
    clock_from, deadline = reported_at, None
    for entry in audit:
        late: dt.timedelta | None = None
        if entry.action == "accept":
            grade = Grade(str(entry.data["grade_from"])) if entry.data.get("grade_from") else reported_grade
            limit = accept_due(clock_from, grade)
            late = entry.at - limit if entry.at > limit else None
        elif entry.action == "submit" and deadline is not None and entry.at > deadline:
            late = entry.at - deadline
        elif entry.action == "transfer" and entry.data.get("accept_clock_from"):
            clock_from = dt.datetime.fromisoformat(str(entry.data["accept_clock_from"]))
        deadline = _deadline_set(entry) or deadline
        lines.append(RecordLine(entry.at, entry, late))
    # escalations first at equal instants (a fake or coarse clock): a step taken "then" answered what was sent;
    # the sort is stable, so audit events keep their own order
    merged = [RecordLine(e.at, e) for e in escalations] + lines
    merged.sort(key=lambda line: line.at)
    return merged


def lateness_parts(late_by: dt.timedelta) -> tuple[int, int, int]:
    """Days, hours and minutes of a lateness (for wording such as 超时 1 天 3 小时)."""
    minutes = int(late_by.total_seconds() // 60)
    return minutes // (24 * 60), minutes // 60 % 24, minutes % 60
