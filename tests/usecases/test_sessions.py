"""The session store of a messenger without a persistence of its own (Feishu): one object per person while the bot
runs, written after every step, read back at start, and idle ones found."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from domain.clock import FakeClock
from domain.hazards import Draft
from storage.db import Database
from storage.sessions import SessionRepository
from usecases.sessions import SessionStore

MONDAY = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)


async def test_a_session_ended_by_one_step_is_the_same_object_the_next_step_writes_to(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    clock = FakeClock(MONDAY)
    store = SessionStore(SessionRepository(db), clock)
    assert await store.load() == set()
    session = store.get(7)
    await store.put(7, session)  # a step that ended the report (an empty session) …
    session["draft"] = Draft(key="ab12", enterprise_id="e01")  # … while the next step already began a new one
    await store.put(7, session)
    assert store.get(7) is session
    clock.advance(dt.timedelta(minutes=31))
    assert store.idle(dt.timedelta(minutes=30)) == [7]
    await db.close()

    db = await Database.open(tmp_path / "db.sqlite3")
    again = SessionStore(SessionRepository(db), clock)
    assert await again.load() == {"ab12"}  # the draft's staging folder is kept at start
    draft = again.get(7)["draft"]
    assert isinstance(draft, Draft) and draft.key == "ab12"
    await again.put(7, {})
    assert again.idle(dt.timedelta(0)) == []
    await db.close()
