"""What an outbox row is about, typed: one frozen dataclass per kind of row, encoded to and decoded from the JSON of
`outbox.payload` here and nowhere else. Rows written by earlier versions decode too (a key they did not write takes its
default), so an upgrade never strands a notice."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from enum import StrEnum

from domain.lifecycle import Audience
from storage.timefmt import from_db, to_db

TRANSITION = "transition"  # outbox kind of a transition notice; reminder kinds are domain.reminders.Kind
DELIVERY = "delivery"  # outbox kind of the reporter's follow-up: where the report arrived, or could not
CARD = "card"  # outbox kind of a card edit: each thread's anchor brought up to date after a transition
DELIVERED, FAILED, UNBOUND = "delivered", "failed", "unbound"  # a delivery's outcomes per unit


class RowStatus(StrEnum):
    """Where an outbox row or a scheduled item stands (the values stored in their status columns)."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    EXPIRED = "expired"  # superseded, or its moment passed: not sent, on purpose
    SKIPPED = "skipped"  # a scheduled item with nothing to say when its time came


@dataclass(frozen=True, slots=True)
class TransitionPayload:
    """A transition's notice: the event it tells of, who acted (not told of their own act), its photos' stage."""

    event_id: int
    action: str
    actor_id: int | None = None
    photos_stage: str = ""


@dataclass(frozen=True, slots=True)
class CardPayload:
    """A card edit after the event."""

    event_id: int


@dataclass(frozen=True, slots=True)
class DeliveryPayload:
    """The reporter's follow-up: the units (ids) the report reached, could not reach, and those without a group."""

    delivered: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()
    unbound: tuple[str, ...] = ()

    def units(self, outcome: str) -> tuple[str, ...]:
        """The units with this outcome (DELIVERED, FAILED or UNBOUND)."""
        return {DELIVERED: self.delivered, FAILED: self.failed, UNBOUND: self.unbound}[outcome]


@dataclass(frozen=True, slots=True)
class ReminderPayload:
    """A planned reminder, nudge or escalation (domain.reminders.PlannedNotification's facts at planning time)."""

    about: dt.datetime | None = None  # the deadline (or limit) it is about
    days_before: int = 0
    overdue_on: dt.date | None = None
    working_days_overdue: int | None = None
    already_told: tuple[Audience, ...] = ()
    office_minutes_before: int = 0


OutboxPayload = TransitionPayload | CardPayload | DeliveryPayload | ReminderPayload


def encode(payload: OutboxPayload) -> str:
    """The JSON stored in outbox.payload."""
    match payload:
        case TransitionPayload():
            data: dict[str, object] = {"event_id": payload.event_id, "action": payload.action,
                                       "actor_id": payload.actor_id, "photos_stage": payload.photos_stage}
        case CardPayload():
            data = {"event_id": payload.event_id}
        case DeliveryPayload():
            data = {outcome: list(payload.units(outcome)) for outcome in (DELIVERED, FAILED, UNBOUND)}
        case ReminderPayload():
            data = {
                "about": to_db(payload.about) if payload.about else None, "days_before": payload.days_before,
                "overdue_on": payload.overdue_on.isoformat() if payload.overdue_on else None,
                "working_days_overdue": payload.working_days_overdue,
                "already_told": [a.value for a in payload.already_told],
                "office_minutes_before": payload.office_minutes_before,
            }  # fmt: skip
    return json.dumps(data, ensure_ascii=False)


def decode(kind: str, text: str) -> OutboxPayload:
    """The typed payload of an outbox row of `kind` (what `encode` wrote, or an earlier version's JSON)."""
    data = json.loads(text or "{}")
    if kind == TRANSITION:
        actor = data.get("actor_id")
        return TransitionPayload(int(data["event_id"]), str(data.get("action") or ""),
                                 int(actor) if actor is not None else None, str(data.get("photos_stage") or ""))
    if kind == CARD:
        return CardPayload(int(data["event_id"]))
    if kind == DELIVERY:
        return DeliveryPayload(*(tuple(str(u) for u in data.get(o) or ()) for o in (DELIVERED, FAILED, UNBOUND)))
    about, overdue_on, days = data.get("about"), data.get("overdue_on"), data.get("working_days_overdue")
    return ReminderPayload(
        from_db(str(about)) if about else None, int(data.get("days_before") or 0),
        dt.date.fromisoformat(str(overdue_on)) if overdue_on else None, int(days) if days is not None else None,
        tuple(Audience(a) for a in data.get("already_told") or ()), int(data.get("office_minutes_before") or 0),
    )  # fmt: skip
