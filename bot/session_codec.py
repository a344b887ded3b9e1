"""Users' sessions as JSON: what PTB keeps in `user_data` (a report draft, an action's answers) is written as JSON and
read back through pydantic into the bot's own types, so a stored session is data, never code (it used to be
pickled, and unpickling a doctored database file runs what it says)."""

from __future__ import annotations

from typing import Any, cast

from pydantic import TypeAdapter, ValidationError
from typing_extensions import TypedDict

from domain.hazards import Draft
from handlers.lifecycle import Pending


class Session(TypedDict, total=False):
    """Everything a user's data may hold, by its key in `user_data`."""

    draft: Draft  # handlers/report.py: the report being written
    act: Pending  # handlers/lifecycle.py: the action whose questions are being answered


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
