"""Outbox payloads: every kind round-trips through its JSON, and rows earlier versions wrote still decode."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.lifecycle import Audience
from domain.reminders import Kind
from storage.payloads import (
    CARD,
    DELIVERY,
    TRANSITION,
    CardPayload,
    DeliveryPayload,
    OutboxPayload,
    ReminderPayload,
    TransitionPayload,
    decode,
    encode,
)

DUE = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(("kind", "payload"), [
    (TRANSITION, TransitionPayload(17, "submit", 42, "submit:17")),
    (CARD, CardPayload(17)),
    (DELIVERY, DeliveryPayload(("xfdd",), (), ("cgz",))),
    (Kind.ESCALATION, ReminderPayload(DUE, 0, dt.date(2026, 11, 27), 2, (Audience.TOWNSHIP_LEADS,), 0)),
    (Kind.ACCEPT_BEFORE, ReminderPayload(DUE, office_minutes_before=90)),
])  # fmt: skip
def test_every_kind_round_trips(kind: str, payload: OutboxPayload) -> None:
    assert decode(kind, encode(payload)) == payload


@pytest.mark.parametrize(("kind", "stored", "expected"), [
    # a transition notice from before photos were staged per event, and before the actor was kept
    (TRANSITION, '{"event_id": 5, "action": "accept"}', TransitionPayload(5, "accept", None, "")),
    # the delivery follow-up wrote all three lists, empty ones too
    (DELIVERY, '{"delivered": ["xfdd"], "failed": [], "unbound": []}', DeliveryPayload(("xfdd",), (), ())),
    # a reminder planned before the 受理 clock (no office_minutes_before) with nulls where nothing applied
    (Kind.BEFORE, '{"about": "2026-11-26T10:00:00.000000+00:00", "days_before": 1, "overdue_on": null,'
                  ' "working_days_overdue": null, "already_told": []}', ReminderPayload(DUE, 1)),
    (Kind.OVERDUE, '{"about": null, "days_before": null, "overdue_on": "2026-11-27", "working_days_overdue": null,'
                   ' "already_told": ["reporter"]}',
     ReminderPayload(None, 0, dt.date(2026, 11, 27), None, (Audience.REPORTER,))),
])  # fmt: skip
def test_rows_written_by_earlier_versions_decode(kind: str, stored: str, expected: OutboxPayload) -> None:
    assert decode(kind, stored) == expected
