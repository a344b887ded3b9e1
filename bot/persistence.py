"""python-telegram-bot's persistence in the bot's own SQLite database: drafts and open questions survive a restart.

Only `user_data` (a report draft, an action's answers so far) and the ConversationHandlers' states are kept;
PTB writes what changed about once a second and at a clean stop, so a kill -9 loses at most the last second of
typing — never anything the user was told is saved, which is in the ledger already. The database is opened
here, on PTB's first read during `initialize()` (before `post_init`), and handed on to the services.

PTB keeps no conversation time-out across a restart (its timer jobs are not persisted), so the time-out is
applied here: a user idle longer than it when the bot starts — the last write is their last activity — is not
restored; their conversations are listed in `abandoned`, for the bot to tell them, as the time-out would have.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import ConversationDict, ConversationKey

from domain.clock import Clock
from storage.db import Database
from storage.sessions import SessionRepository

log = logging.getLogger(__name__)

UPDATE_INTERVAL = 1.0  # seconds between PTB's writes of what changed


class SessionCodec(Protocol):
    """How a user's data is written and read back (usecases/sessions.py: JSON into the bot's own types)."""

    def dump(self, data: dict[Any, Any]) -> str:
        """The data as text."""

    def load(self, stored: str | bytes) -> dict[Any, Any]:
        """The data back; raises on anything `dump` did not write."""


@dataclass(frozen=True, slots=True)
class Abandoned:
    """A conversation left idle past the time-out while the bot was stopped: not restored; its user is told."""

    name: str  # the ConversationHandler's name: report, act
    chat_id: int  # where it was going on
    data: dict[Any, Any]  # the user's data as it was (the draft, the action's answers)


class SqlitePersistence(BasePersistence[dict[Any, Any], dict[Any, Any], Any]):
    """user_data and conversation states in the `sessions` and `conversations` tables.

    `idle_timeout`: seconds; a user idle longer than this at start is not restored (see the module's doc). `codec`
    writes and reads a user's data (JSON: a session is data, never unpickled).
    """

    def __init__(self, path: Path, clock: Clock, idle_timeout: float | None = None,
                 update_interval: float = UPDATE_INTERVAL, *, codec: SessionCodec) -> None:  # fmt: skip
        super().__init__(PersistenceInput(bot_data=False, chat_data=False, user_data=True, callback_data=False),
                         update_interval)  # fmt: skip
        self.path, self.clock, self.codec = path, clock, codec
        self.idle_timeout = None if idle_timeout is None else timedelta(seconds=idle_timeout)
        self.db: Database | None = None
        self.abandoned: list[Abandoned] = []  # filled while PTB reads the conversations during initialize()
        self._idle: dict[int, dict[Any, Any]] = {}  # users not restored, idle too long: their data

    async def open(self) -> Database:
        """The bot's database, opened (and migrated, under the instance lock) on first use."""
        if self.db is None:
            self.db = await Database.open(self.path, exclusive=True)
        return self.db

    async def _sessions(self) -> SessionRepository:
        return SessionRepository(await self.open())

    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        """Every user's data as last written, but for users idle past the time-out; a session this version cannot
        read (an old pickled one included, which is never unpickled) is dropped: the user starts over and is told so
        by the conversation that finds its data gone."""
        sessions, now = await self._sessions(), self.clock.now()
        restored: dict[int, dict[Any, Any]] = {}
        for user_id, (blob, written) in (await sessions.get_all()).items():
            try:
                data = self.codec.load(blob)
            except Exception as exc:  # any unreadable session is dropped: never a failed start
                log.warning("dropping the unreadable session of user %s: %s", user_id, exc)
                await sessions.drop(user_id)
                continue
            if self.idle_timeout is not None and now - written > self.idle_timeout:
                self._idle[user_id] = data
                await sessions.drop(user_id)
            else:
                restored[user_id] = data
        return restored

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        """Write one user's data."""
        sessions = await self._sessions()
        if data:
            await sessions.put(user_id, self.codec.dump(data), self.clock.now())
        else:
            await sessions.drop(user_id)

    async def drop_user_data(self, user_id: int) -> None:
        """Forget one user's data."""
        await (await self._sessions()).drop(user_id)

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        """Nothing to refresh: this process is the only writer."""

    async def get_conversations(self, name: str) -> ConversationDict:
        """Where each conversation of the handler `name` stood; those of users idle too long end here."""
        sessions = await self._sessions()
        restored: ConversationDict = {}
        for stored, state in (await sessions.get_states(name)).items():
            key = tuple(json.loads(stored))  # (chat id, user id)
            if key[-1] in self._idle:
                self.abandoned.append(Abandoned(name, key[0], self._idle[key[-1]]))
                await sessions.put_state(name, stored, None)
            else:
                restored[key] = json.loads(state)
        return restored

    async def update_conversation(self, name: str, key: ConversationKey, new_state: object | None) -> None:
        """Write where one conversation stands (None: it ended)."""
        await (await self._sessions()).put_state(name, json.dumps(list(key)),
                                                 None if new_state is None else json.dumps(new_state))  # fmt: skip

    async def flush(self) -> None:
        """Every write is already committed."""

    # Not kept: chat_data, bot_data (the services live there) and callback data.
    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        """Not kept."""
        return {}

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        """Not kept."""

    async def drop_chat_data(self, chat_id: int) -> None:
        """Not kept."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        """Not kept."""

    async def get_bot_data(self) -> Any:
        """Not kept."""
        return None

    async def update_bot_data(self, data: Any) -> None:
        """Not kept."""

    async def refresh_bot_data(self, bot_data: Any) -> None:
        """Not kept."""

    async def get_callback_data(self) -> None:
        """Not kept."""
        return None

    async def update_callback_data(self, data: Any) -> None:
        """Not kept."""
