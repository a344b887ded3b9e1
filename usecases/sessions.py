"""Users' sessions as JSON — a report's draft, an action's answers so far — written as JSON and read back through
pydantic into the use cases' own types, so a stored session is data, never code (it used to be pickled, and
unpickling a doctored database file runs what it says). Telegram's persistence (bot/persistence.py) and Feishu's
session store (below) both keep them in the `sessions` table."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from pydantic import TypeAdapter, ValidationError
from typing_extensions import TypedDict

from domain.clock import Clock
from domain.hazards import Draft
from storage.sessions import SessionRepository
from usecases.action_dialogue import Pending


class Session(TypedDict, total=False):
    """Everything a user's data may hold, by its key."""

    draft: Draft  # usecases/report_dialogue.py: the report being written
    act: Pending  # usecases/action_dialogue.py: the action whose questions are being answered
    kb_add: str  # feishu/inbound.py: /kb add was sent; the document's title ("" none) until its file comes


_SESSION: TypeAdapter[Session] = TypeAdapter(Session)


class UnreadableSession(Exception):
    """A stored session that is not a session of this version (not JSON, or not of these types)."""


def dump(data: dict[Any, Any]) -> str:
    """A user's data as JSON text (only the keys a Session has: nothing else is kept)."""
    kept = cast(Session, {k: v for k, v in data.items() if k in Session.__annotations__})
    return _SESSION.dump_json(kept).decode()


def load(stored: str | bytes) -> dict[Any, Any]:
    """A user's data from what `dump` wrote; UnreadableSession for anything else (an old pickled blob included)."""
    if not isinstance(stored, str):  # JSON is stored as TEXT; a BLOB is an old pickled session, never opened
        raise UnreadableSession("not a JSON session (stored in the old pickled format)")
    try:
        return dict(_SESSION.validate_json(stored))
    except ValidationError as exc:
        raise UnreadableSession(str(exc).splitlines()[0]) from exc


class SessionStore:
    """Sessions of a messenger without a persistence of its own (Feishu): read once at start, written after every
    step."""

    def __init__(self, repository: SessionRepository, clock: Clock) -> None:
        self.repository, self.clock = repository, clock
        self._sessions: dict[int, dict[str, Any]] = {}
        self._touched: dict[int, datetime] = {}  # when each session was last written (the person's last step)

    async def load(self) -> set[str]:
        """Read every stored session; the staging folders of their drafts and answers (kept at start)."""
        for user, (stored, touched) in (await self.repository.get_all()).items():
            try:
                self._sessions[user] = load(stored)
            except UnreadableSession:
                continue
            self._touched[user] = touched
        return {key for data in self._sessions.values() for key in staging_keys(data)}

    def get(self, user_id: int) -> dict[str, Any]:
        """The user's session (a new, empty one when there is none)."""
        return self._sessions.setdefault(user_id, {})

    async def put(self, user_id: int, session: dict[str, Any]) -> None:
        """Keep the session as it stands now in the database (an empty one is dropped there); in memory the user
        keeps this one object, which a step still running may be writing to."""
        self._sessions[user_id] = session
        text = dump(session)
        if text == "{}":
            self._touched.pop(user_id, None)
            await self.repository.drop(user_id)
        else:
            self._touched[user_id] = now = self.clock.now()
            await self.repository.put(user_id, text, now)

    def idle(self, longer_than: timedelta) -> list[int]:
        """The people whose open session has not moved for longer than `longer_than`."""
        cutoff = self.clock.now() - longer_than
        return [user for user, at in self._touched.items() if at <= cutoff and self._sessions.get(user)]


def staging_keys(data: dict[str, Any]) -> list[str]:
    """The media staging folders a session holds photos in (a draft's, an action's)."""
    keys: list[str] = []
    if isinstance(draft := data.get("draft"), Draft):
        keys.append(draft.key)
    if isinstance(pending := data.get("act"), Pending):
        keys.append(pending.staging_key)
    return keys
