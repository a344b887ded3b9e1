"""Notices to the admins, kept until Telegram confirms them (outbound.failures sends them, the sweep retries them)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from storage.db import Database
from storage.timefmt import to_db


@dataclass(frozen=True, slots=True)
class AdminNotice:
    """One notice to one admin, not yet confirmed."""

    id: int
    chat_id: int
    text: str
    attempts: int


class AdminNoticeRepository:
    """The admin_notices table."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def queue(self, chat_ids: Iterable[int], text: str, now: datetime) -> None:
        """Keep one notice per admin, in one transaction, before anything is sent."""
        async with self.db.transaction() as tx:
            for chat_id in chat_ids:
                await tx.execute("INSERT INTO admin_notices (chat_id, text, created_at) VALUES (?, ?, ?)",
                                 (chat_id, text, to_db(now)))  # fmt: skip

    async def get_due(self, now: datetime) -> list[AdminNotice]:
        """The notices whose time to try has come, oldest first."""
        rows = await self.db.all(
            "SELECT id, chat_id, text, attempts FROM admin_notices WHERE status = 'pending'"
            " AND (next_attempt_at IS NULL OR next_attempt_at <= ?) ORDER BY id",
            (to_db(now),),
        )
        return [AdminNotice(r["id"], r["chat_id"], r["text"], r["attempts"]) for r in rows]

    async def mark_sent(self, notice: AdminNotice, now: datetime) -> None:
        """Telegram confirmed it: never sent again."""
        async with self.db.transaction() as tx:
            await tx.execute("UPDATE admin_notices SET status = 'sent', sent_at = ?, error = NULL WHERE id = ?",
                             (to_db(now), notice.id))  # fmt: skip

    async def mark_retry(self, notice: AdminNotice, error: str, retry_at: datetime | None, *,
                         counted: bool = True) -> None:
        """It failed: try again at `retry_at`, or give up on it (None); `counted`: a failed attempt (a 429 is not)."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE admin_notices SET attempts = attempts + ?, error = ?, next_attempt_at = ?,"
                " status = CASE WHEN ? IS NULL THEN 'failed' ELSE 'pending' END WHERE id = ?",
                (int(counted), error[:500], None if retry_at is None else to_db(retry_at),
                 None if retry_at is None else to_db(retry_at), notice.id),
            )  # fmt: skip
