"""What users are in the middle of, kept across restarts: their user_data (JSON text) and conversation states."""

from __future__ import annotations

from datetime import datetime

from storage.db import Database
from storage.timefmt import from_db_required, to_db


class SessionRepository:
    """Rows of `sessions` (one blob per user) and `conversations` (one state per conversation key)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get_all(self) -> dict[int, tuple[str | bytes, datetime]]:
        """Every user's stored data (JSON text; bytes: an old pickled session), and when it was last written (the
        user's last activity)."""
        rows = await self.db.all("SELECT user_id, data, updated_at FROM sessions")
        return {r["user_id"]: (r["data"], from_db_required(r["updated_at"])) for r in rows}

    async def put(self, user_id: int, data: str, now: datetime) -> None:
        """Store a user's data (replacing what was there)."""
        async with self.db.transaction() as tx:
            await tx.execute("INSERT OR REPLACE INTO sessions (user_id, data, updated_at) VALUES (?, ?, ?)",
                             (user_id, data, to_db(now)))  # fmt: skip

    async def drop(self, user_id: int) -> None:
        """Forget a user's data."""
        async with self.db.transaction() as tx:
            await tx.execute("DELETE FROM sessions WHERE user_id = ?", (user_id,))

    async def get_states(self, name: str) -> dict[str, str]:
        """The stored states of one conversation handler: key (JSON) → state (JSON)."""
        rows = await self.db.all("SELECT key, state FROM conversations WHERE name = ?", (name,))
        return {r["key"]: r["state"] for r in rows}

    async def put_state(self, name: str, key: str, state: str | None) -> None:
        """Store where one conversation stands; None: it ended."""
        async with self.db.transaction() as tx:
            if state is None:
                await tx.execute("DELETE FROM conversations WHERE name = ? AND key = ?", (name, key))
            else:
                await tx.execute("INSERT OR REPLACE INTO conversations (name, key, state) VALUES (?, ?, ?)",
                                 (name, key, state))  # fmt: skip
