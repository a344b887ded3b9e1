"""The 处理记录's pure part (domain.records): lateness of 受理 and 整改, escalations merged in time order; and its
rendering of 验收意见 and of a history too long for one message (views.records)."""

from __future__ import annotations

import datetime as dt

from config.org import load_org
from config.settings import PROJECT_ROOT
from domain.hazards import Grade, State
from domain.records import AuditEntry, SentEscalation, lateness_parts, processing_record
from texts.limits import tg_len
from views.records import duration_cn, processing_record_text

UTC = dt.UTC
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
FILED = dt.datetime(2026, 11, 23, 2, tzinfo=UTC)


def due_in_a_day(start: dt.datetime, grade: Grade) -> dt.datetime:
    """A stand-in 受理 limit: a day for 一般, four hours for 重大."""
    return start + (dt.timedelta(days=1) if grade is Grade.GENERAL else dt.timedelta(hours=4))


def entry(hours: float, action: str, to_state: State, **data: object) -> AuditEntry:
    return AuditEntry(FILED + dt.timedelta(hours=hours), 7, action, None, to_state, None, data)


def test_accept_past_its_limit_counts_from_a_transfer_and_the_grade_reported() -> None:
    audit = [
        entry(0, "report", State.REPORTED),
        entry(20, "transfer", State.REPORTED, role="department", accept_clock_from=(FILED + dt.timedelta(hours=20))
              .isoformat()),
        entry(46, "accept", State.RECTIFYING, grade="general", deadline_to=(FILED + dt.timedelta(days=5)).isoformat()),
    ]  # fmt: skip
    lines = processing_record(FILED, Grade.GENERAL, audit, [], due_in_a_day)
    assert [line.late_by for line in lines] == [None, None, dt.timedelta(hours=2)]  # the new unit's day, not the first
    regraded = [entry(0, "report", State.REPORTED),
                entry(5, "accept", State.RECTIFYING, grade="general", grade_from="major")]  # fmt: skip
    # reported 重大: four hours to accept, whatever grade the unit then chose
    assert processing_record(FILED, Grade.MAJOR, regraded, [], due_in_a_day)[1].late_by == dt.timedelta(hours=1)


def test_a_rectification_is_late_against_the_deadline_then_in_force() -> None:
    deadline = FILED + dt.timedelta(days=3)
    extended = FILED + dt.timedelta(days=6)
    audit = [
        entry(1, "accept", State.RECTIFYING, grade="general", deadline_to=deadline.isoformat()),
        entry(60, "ext_approve", State.RECTIFYING, deadline_to=extended.isoformat()),
        entry(24 * 5, "submit", State.AWAITING_VERIFICATION),  # before the extended deadline: on time
        entry(24 * 5 + 1, "verify_refuse", State.RECTIFYING),
        entry(24 * 7, "submit", State.AWAITING_VERIFICATION),  # a day past it
    ]
    late = [line.late_by for line in processing_record(FILED, Grade.GENERAL, audit, [], due_in_a_day)]
    assert late == [None, None, None, None, dt.timedelta(days=1)]


def test_escalations_take_their_place_in_time_before_a_step_at_the_same_instant() -> None:
    at = FILED + dt.timedelta(days=4)
    sent = SentEscalation(at, "escalate", ("township_leads",), 1)
    audit = [entry(1, "accept", State.RECTIFYING, grade="general"),
             entry(24 * 4, "submit", State.AWAITING_VERIFICATION)]
    lines = processing_record(FILED, Grade.GENERAL, audit, [sent], due_in_a_day)
    assert [line.entry for line in lines] == [audit[0], sent, audit[1]]


def test_durations_as_officials_read_them() -> None:
    assert lateness_parts(dt.timedelta(days=1, hours=3, minutes=20)) == (1, 3, 20)
    assert [duration_cn(d) for d in (dt.timedelta(days=2), dt.timedelta(days=1, hours=3), dt.timedelta(hours=5),
                                     dt.timedelta(hours=5, minutes=30), dt.timedelta(seconds=20))] == [
        "2 天", "1 天 3 小时", "5 小时", "5 小时 30 分钟", "1 分钟"]  # fmt: skip


def test_the_verifiers_opinion_is_shown_and_a_long_history_keeps_its_newest_steps() -> None:
    org = load_org(PROJECT_ROOT / "config" / "org.example.toml")
    passed = AuditEntry(FILED, 9, "verify_pass", State.AWAITING_VERIFICATION, State.CLOSED, "灭火器已更换",
                        {"opinion": "灭火器已更换"})  # fmt: skip
    lines = processing_record(FILED, Grade.GENERAL, [passed], [], due_in_a_day)
    assert "验收通过 → 已销号：验收意见 灭火器已更换" in processing_record_text(org, lines, {}, SHANGHAI)

    history = [entry(0, "report", State.REPORTED)] + [
        AuditEntry(FILED + dt.timedelta(hours=h), 7, "ext_refuse", State.RECTIFYING, State.RECTIFYING, "理由" * 40, {})
        for h in range(1, 60)
    ]  # fmt: skip
    text = processing_record_text(org, processing_record(FILED, Grade.GENERAL, history, [], due_in_a_day), {},
                                  SHANGHAI, budget=2000)  # fmt: skip
    assert tg_len(text) <= 2000 and "上报 → 已上报" in text and "条记录从略" in text
    assert text.rstrip().endswith("理由" * 40)  # the newest step is there, whole
    assert "2026年11月25日（星期三）20:00" in text  # FILED + 58 h: the last one
