"""What counting reads (hazard records with their events), the weekly self-checks, and the schedule.

Queries go through indexes (migration 003): hazards by unit/enterprise and filing time or by
state, events by hazard; a county's ledger of 10,000 hazards is two queries.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from domain.hazards import Grade, State
from domain.members import Scope
from domain.periods import Period, PeriodKind
from domain.schedule import ItemKind, ScheduledItem
from domain.statistics import EventRecord, HazardRecord, SelfCheckRecord
from storage.db import Database, Tx
from storage.timefmt import from_db, from_db_required, to_db

_LIVE = ("reported", "rectifying", "awaiting_verification", "recheck")


def scope_where(scope: Scope) -> tuple[str, tuple[object, ...]]:
    """The hazards (aliased h) someone with ``scope`` may see."""
    if scope.everything:
        return "1 = 1", ()
    if scope.enterprise_id is not None:
        return "h.enterprise_id = ?", (scope.enterprise_id,)
    return "(h.department_id = ? OR h.township_id = ?)", (scope.unit_id, scope.unit_id)


def _records(rows: Sequence[sqlite3.Row], events: Sequence[sqlite3.Row]) -> list[HazardRecord]:
    by_hazard: dict[int, list[EventRecord]] = defaultdict(list)
    for e in events:
        by_hazard[e["hazard_id"]].append(EventRecord(
            from_db_required(e["at"]), e["action"], State(e["to_state"]), e["actor_id"], from_db(e["deadline_to"]),
            e["moved"], e["grade_from"],
        ))  # fmt: skip
    return [
        HazardRecord(
            id=r["id"], code=r["code"], enterprise_id=r["enterprise_id"], township_id=r["township_id"],
            department_id=r["department_id"], category_id=r["category_id"], grade=Grade(r["grade"]),
            state=State(r["state"]), reported_at=from_db_required(r["reported_at"]), deadline=from_db(r["deadline"]),
            closed_at=from_db(r["closed_at"]), rebounds=r["rebounds"], events=tuple(by_hazard.get(r["id"], ())),
            description=r["description"], place=r["place"], responsible_person=r["responsible_person"],
            measures=r["measures"], photos=r["photos"], after_photos=r["after_photos"],
            plan=tuple(json.loads(r["plan"]).items()) if r["plan"] else (),
        )
        for r in rows
    ]


_EVENTS = (
    "SELECT e.hazard_id, e.at, e.action, e.to_state, e.actor_id, json_extract(e.data, '$.deadline_to') AS deadline_to,"
    " json_extract(e.data, '$.role') AS moved, json_extract(e.data, '$.grade_from') AS grade_from"
    " FROM events e WHERE e.hazard_id IN ({ids}) ORDER BY e.hazard_id, e.id"
)
_HAZARDS = (
    "SELECT h.*, (SELECT COUNT(*) FROM hazard_photos p WHERE p.hazard_id = h.id AND p.stage = 'report') AS photos,"
    " (SELECT COUNT(*) FROM hazard_photos p WHERE p.hazard_id = h.id AND p.stage = (SELECT q.stage FROM hazard_photos q"
    "  WHERE q.hazard_id = h.id AND q.stage LIKE 'submit:%' ORDER BY q.id DESC LIMIT 1)) AS after_photos,"
    " (SELECT json_group_object(part, text) FROM hazard_plan_parts pp WHERE pp.hazard_id = h.id) AS plan"
    " FROM hazards h WHERE {where} ORDER BY h.reported_at, h.id"
)


class StatisticsRepository:
    """Hazard records for counting and for the ledger, and who people are by id."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def _read(self, where: str, params: tuple[object, ...]) -> list[HazardRecord]:
        # thousands of rows: on the second connection (storage/db.py), so no one's reply waits for them
        async with self.db.bulk_reading() as tx:
            rows = await tx.all(_HAZARDS.format(where=where), params)
            # the same condition again as a subquery: one pass over events_by_hazard, no id list to bind
            events = await tx.all(_EVENTS.format(ids=f"SELECT h.id FROM hazards h WHERE {where}"), params)
        # and parsed off the event loop, after the snapshot is let go
        return await asyncio.to_thread(_records, rows, events)

    async def get_records(self, scope: Scope, start: dt.datetime, end: dt.datetime) -> list[HazardRecord]:
        """The hazards in scope that count for [start, end): filed before its end, live or touched since its start."""
        scoped, params = scope_where(scope)
        live = ",".join("?" * len(_LIVE))
        where = f"{scoped} AND h.reported_at < ? AND (h.updated_at >= ? OR h.state IN ({live}))"
        return await self._read(where, (*params, to_db(end), to_db(start), *_LIVE))

    async def get_ledger(self, scope: Scope, start: dt.datetime, end: dt.datetime) -> list[HazardRecord]:
        """The hazards in scope filed in [start, end), oldest first, with their events."""
        scoped, params = scope_where(scope)
        where = f"{scoped} AND h.reported_at >= ? AND h.reported_at < ?"
        return await self._read(where, (*params, to_db(start), to_db(end)))

    async def get_names(self, telegram_ids: Iterable[int]) -> dict[int, str]:
        """Members' names by Telegram id (those who have joined)."""
        wanted = sorted(set(telegram_ids))
        if not wanted:
            return {}
        async with self.db.reading() as tx:
            rows = await tx.all(
                f"SELECT telegram_id, display_name FROM members WHERE telegram_id IN ({','.join('?' * len(wanted))})",
                wanted,
            )
        return {r[0]: r[1] for r in rows}

    async def get_lead_ids(self, unit_ids: Iterable[str]) -> list[int]:
        """Telegram ids of the leads of these units (removed members are none)."""
        wanted = sorted(set(unit_ids))
        async with self.db.reading() as tx:
            rows = await tx.all(
                f"SELECT telegram_id FROM members WHERE role = 'lead' AND unit_id IN ({','.join('?' * len(wanted))})"
                " AND removed_at IS NULL ORDER BY telegram_id",
                wanted,
            )
        return [r[0] for r in rows]


# --- self-checks ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WeekHazard:
    """A hazard an enterprise filed in a week."""

    id: int
    code: str


class SelfCheckRepository:
    """The weekly self-checks (每周自查自报)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get_week_hazards(self, enterprise_id: str, start: dt.datetime, end: dt.datetime) -> list[WeekHazard]:
        """The hazards the enterprise filed in [start, end), oldest first."""
        async with self.db.reading() as tx:
            rows = await tx.all(
                "SELECT id, code FROM hazards WHERE enterprise_id = ? AND reported_at >= ? AND reported_at < ?"
                " ORDER BY reported_at, id",
                (enterprise_id, to_db(start), to_db(end)),
            )
        return [WeekHazard(r[0], r[1]) for r in rows]

    async def get(self, enterprise_id: str, week: dt.date) -> SelfCheckRecord | None:
        """The enterprise's self-check for the week, or None."""
        async with self.db.reading() as tx:
            return await self._get(tx, enterprise_id, week)

    @staticmethod
    async def _get(tx: Tx, enterprise_id: str, week: dt.date) -> SelfCheckRecord | None:
        row = await tx.one(
            "SELECT s.*, (SELECT COUNT(*) FROM selfcheck_hazards l WHERE l.enterprise_id = s.enterprise_id"
            " AND l.week = s.week) AS hazards FROM selfchecks s WHERE enterprise_id = ? AND week = ?",
            (enterprise_id, week.isoformat()),
        )
        if row is None:
            return None
        return SelfCheckRecord(enterprise_id, week, from_db_required(row["submitted_at"]), bool(row["zero"]),
                               row["hazards"])

    async def submit(self, enterprise_id: str, week: dt.date, hazard_ids: Sequence[int], submitted_by: int,
                     now: dt.datetime) -> tuple[SelfCheckRecord, bool]:
        """Record the week's self-check once (no hazards: 零报告); a second submit returns the first (False)."""
        async with self.db.transaction() as tx:
            existing = await self._get(tx, enterprise_id, week)
            if existing is not None:
                return existing, False
            await tx.execute(
                "INSERT INTO selfchecks (enterprise_id, week, zero, submitted_by, submitted_at) VALUES (?, ?, ?, ?, ?)",
                (enterprise_id, week.isoformat(), int(not hazard_ids), submitted_by, to_db(now)),
            )
            for hazard_id in hazard_ids:
                await tx.execute(
                    "INSERT INTO selfcheck_hazards (enterprise_id, week, hazard_id) VALUES (?, ?, ?)",
                    (enterprise_id, week.isoformat(), hazard_id),
                )
        return SelfCheckRecord(enterprise_id, week, now, not hazard_ids, len(hazard_ids)), True

    async def get_between(self, first_week: dt.date, last_week: dt.date) -> list[SelfCheckRecord]:
        """Every self-check for the weeks (Mondays) first_week..last_week."""
        async with self.db.reading() as tx:
            rows = await tx.all(
                "SELECT s.*, (SELECT COUNT(*) FROM selfcheck_hazards l WHERE l.enterprise_id = s.enterprise_id"
                " AND l.week = s.week) AS hazards FROM selfchecks s WHERE week >= ? AND week <= ?",
                (first_week.isoformat(), last_week.isoformat()),
            )
        return [SelfCheckRecord(r["enterprise_id"], dt.date.fromisoformat(r["week"]),
                                from_db_required(r["submitted_at"]), bool(r["zero"]), r["hazards"]) for r in rows]


# --- the schedule -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DueItem:
    """A scheduled item that is pending."""

    key: str
    kind: ItemKind
    target: str
    period: Period
    due_at: dt.datetime
    expires_at: dt.datetime
    late: bool


@dataclass(frozen=True, slots=True)
class ItemSend:
    """One recipient and part of a scheduled item, not yet confirmed sent."""

    key: str
    chat_id: int
    part: str  # 'text' or 'chart'
    attempts: int


def _due_item(row: sqlite3.Row) -> DueItem:
    period = Period(PeriodKind(row["period_kind"]), dt.date.fromisoformat(row["period_start"]),
                    dt.date.fromisoformat(row["period_end"]))
    return DueItem(row["key"], ItemKind(row["kind"]), row["target"], period, from_db_required(row["due_at"]),
                   from_db_required(row["expires_at"]), bool(row["late"]))


class ScheduleRepository:
    """Scheduled items and their sends."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get_planned_until(self) -> dt.datetime | None:
        """How far ahead items have been planned (None: never)."""
        async with self.db.reading() as tx:
            return from_db(await tx.scalar("SELECT value FROM schedule_state WHERE name = 'planned_until'"))

    async def plan(self, items: Sequence[ScheduledItem], until: dt.datetime, now: dt.datetime) -> int:
        """Insert the items not yet planned and move the planning mark to ``until``; returns how many were new."""
        added = 0
        async with self.db.transaction() as tx:
            for item in items:
                added += await tx.changes(
                    "INSERT OR IGNORE INTO schedule (key, kind, target, period_kind, period_start, period_end, due_at,"
                    " expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (item.key, item.kind, item.target, item.period.kind, item.period.start.isoformat(),
                     item.period.end.isoformat(), to_db(item.due_at), to_db(item.expires_at), to_db(now)),
                )  # fmt: skip
            await tx.execute(
                "INSERT INTO schedule_state (name, value) VALUES ('planned_until', ?)"
                " ON CONFLICT (name) DO UPDATE SET value = MAX(value, excluded.value)",
                (to_db(until),),
            )
        return added

    async def get_due(self, now: dt.datetime, limit: int = 200) -> list[DueItem]:
        """Pending items due by now, oldest first."""
        async with self.db.reading() as tx:
            rows = await tx.all(
                "SELECT * FROM schedule WHERE status = 'pending' AND due_at <= ? ORDER BY due_at, key LIMIT ?",
                (to_db(now), limit),
            )
        return [_due_item(r) for r in rows]

    async def close(self, key: str, status: str, now: dt.datetime, *, late: bool = False) -> None:
        """An item is done: sent, skipped (nobody to tell, nothing to say) or expired."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE schedule SET status = ?, done_at = ?, late = late OR ? WHERE key = ? AND status = 'pending'",
                (status, to_db(now), int(late), key),
            )

    async def was_planned(self, key_prefix: str) -> bool:
        """Whether any item whose key starts with the prefix was ever planned (sent, skipped or not)."""
        async with self.db.reading() as tx:
            return bool(await tx.scalar("SELECT 1 FROM schedule WHERE substr(key, 1, ?) = ? LIMIT 1",
                                        (len(key_prefix), key_prefix)))

    async def has_sends(self, key: str) -> bool:
        """Whether the item's recipients have been fixed."""
        async with self.db.reading() as tx:
            return bool(await tx.scalar("SELECT 1 FROM schedule_sends WHERE key = ? LIMIT 1", (key,)))

    async def add_sends(self, key: str, sends: Sequence[tuple[int, str]], late: bool) -> None:
        """Fix the item's recipients and parts the first time it is sent; later calls add nothing."""
        async with self.db.transaction() as tx:
            if await tx.scalar("SELECT 1 FROM schedule_sends WHERE key = ? LIMIT 1", (key,)):
                return
            for chat_id, part in sends:
                await tx.execute("INSERT OR IGNORE INTO schedule_sends (key, chat_id, part) VALUES (?, ?, ?)",
                                 (key, chat_id, part))
            await tx.execute("UPDATE schedule SET late = late OR ? WHERE key = ?", (int(late), key))

    async def get_pending_sends(self, key: str, now: dt.datetime) -> list[ItemSend]:
        """The item's sends whose time has come, text before chart, per chat; no chart while its chat's text waits
        out a retry (a chart alone says nothing: the caller holds it too when the text fails in the same pass)."""
        async with self.db.reading() as tx:
            rows = await tx.all(
                "SELECT * FROM schedule_sends s WHERE key = ? AND status = 'pending'"
                " AND (next_attempt_at IS NULL OR next_attempt_at <= ?) AND (part != 'chart' OR NOT EXISTS ("
                "  SELECT 1 FROM schedule_sends t WHERE t.key = s.key AND t.chat_id = s.chat_id AND t.part = 'text'"
                "  AND t.status = 'pending' AND t.next_attempt_at > ?)) ORDER BY chat_id, part = 'chart'",
                (key, to_db(now), to_db(now)),
            )
        return [ItemSend(r["key"], r["chat_id"], r["part"], r["attempts"]) for r in rows]

    async def count_unfinished(self, key: str) -> int:
        """How many of the item's sends are still pending."""
        async with self.db.reading() as tx:
            return int(await tx.scalar(
                "SELECT COUNT(*) FROM schedule_sends WHERE key = ? AND status = 'pending'", (key,)))  # fmt: skip

    async def mark_sent(self, send: ItemSend, message_id: int, now: dt.datetime) -> None:
        """Telegram confirmed this send: never repeated."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE schedule_sends SET status = 'sent', message_id = ?, sent_at = ?, attempts = attempts + 1"
                " WHERE key = ? AND chat_id = ? AND part = ?",
                (message_id, to_db(now), send.key, send.chat_id, send.part),
            )

    async def mark_retry(self, send: ItemSend, error: str, retry_at: dt.datetime | None, *,
                         counted: bool = True) -> None:
        """A send failed: try again at ``retry_at``, or give up on it (None); ``counted``: a failed attempt (a 429
        that only asked to wait is not)."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE schedule_sends SET attempts = attempts + ?, error = ?, next_attempt_at = ?,"
                " status = CASE WHEN ? IS NULL THEN 'failed' ELSE 'pending' END"
                " WHERE key = ? AND chat_id = ? AND part = ?",
                (int(counted), error[:500], None if retry_at is None else to_db(retry_at),
                 None if retry_at is None else to_db(retry_at), send.key, send.chat_id, send.part),
            )  # fmt: skip

    async def give_up_chat(self, send: ItemSend, error: str) -> None:
        """Give up every part of the item still pending for this chat: a chart without its text says nothing, and
        the chat that refused one part refuses the next (the admins are told once, of the item in that chat)."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE schedule_sends SET attempts = attempts + (part = ?), error = ?, next_attempt_at = NULL,"
                " status = 'failed' WHERE key = ? AND chat_id = ? AND status = 'pending'",
                (send.part, error[:500], send.key, send.chat_id),
            )

    async def move_chat(self, send: ItemSend, new_chat_id: int) -> None:
        """The group became a supergroup with a new id: this item's sends there go to the new id."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE OR IGNORE schedule_sends SET chat_id = ? WHERE key = ? AND chat_id = ? AND status = 'pending'",
                (new_chat_id, send.key, send.chat_id),
            )
