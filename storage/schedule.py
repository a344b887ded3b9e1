"""Scheduled items (digests, rankings, self-check prompts and nudges) planned once by key, and their sends."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from domain.periods import Period, PeriodKind
from domain.schedule import ItemKind, ScheduledItem
from storage.db import Database
from storage.payloads import RowStatus
from storage.timefmt import from_db, from_db_required, to_db


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
        return from_db(await self.db.scalar("SELECT value FROM schedule_state WHERE name = 'planned_until'"))

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
        rows = await self.db.all(
            "SELECT * FROM schedule WHERE status = 'pending' AND due_at <= ? ORDER BY due_at, key LIMIT ?",
            (to_db(now), limit),
        )
        return [_due_item(r) for r in rows]

    async def close(self, key: str, status: RowStatus, now: dt.datetime, *, late: bool = False) -> None:
        """An item is done: sent, skipped (nobody to tell, nothing to say) or expired."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE schedule SET status = ?, done_at = ?, late = late OR ? WHERE key = ? AND status = 'pending'",
                (status, to_db(now), int(late), key),
            )

    async def was_planned(self, key_prefix: str) -> bool:
        """Whether any item whose key starts with the prefix was ever planned (sent, skipped or not)."""
        return bool(await self.db.scalar("SELECT 1 FROM schedule WHERE substr(key, 1, ?) = ? LIMIT 1",
                                         (len(key_prefix), key_prefix)))

    async def has_sends(self, key: str) -> bool:
        """Whether the item's recipients have been fixed."""
        return bool(await self.db.scalar("SELECT 1 FROM schedule_sends WHERE key = ? LIMIT 1", (key,)))

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
        rows = await self.db.all(
            "SELECT * FROM schedule_sends s WHERE key = ? AND status = 'pending'"
            " AND (next_attempt_at IS NULL OR next_attempt_at <= ?) AND (part != 'chart' OR NOT EXISTS ("
            "  SELECT 1 FROM schedule_sends t WHERE t.key = s.key AND t.chat_id = s.chat_id AND t.part = 'text'"
            "  AND t.status = 'pending' AND t.next_attempt_at > ?)) ORDER BY chat_id, part = 'chart'",
            (key, to_db(now), to_db(now)),
        )
        return [ItemSend(r["key"], r["chat_id"], r["part"], r["attempts"]) for r in rows]

    async def count_unfinished(self, key: str) -> int:
        """How many of the item's sends are still pending."""
        return int(await self.db.scalar(
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
