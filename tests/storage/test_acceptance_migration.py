"""Migration 008 on a database of the version before: a hazard waiting for 受理 gets its clock from its filing."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from storage.db import Database, _migrations
from storage.lifecycle import LifecycleRepository
from storage.timefmt import to_db
from tests.storage.test_database import NOW


async def test_a_hazard_filed_before_the_clock_gets_its_filing_time_as_the_start(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with closing(sqlite3.connect(path)) as conn:
        for number, script in _migrations():
            if number < 8:
                conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
        conn.execute("INSERT INTO members (telegram_id, display_name, role, enterprise_id, joined_at)"
                     " VALUES (42, '张三', 'officer', 'e01', ?)", (to_db(NOW),))
        conn.execute("INSERT INTO hazards (code, reporter_id, enterprise_id, township_id, category_id, department_id,"
                     " grade, state, description, place, reported_at, updated_at, draft_key)"
                     " VALUES ('YH-2026-000001', 42, 'e01', 'cgz', 'xfaq', 'xfdd', 'general', 'reported', '灭火器过期',"
                     " '仓库', ?, ?, 'k')", (to_db(NOW), to_db(NOW)))
        conn.commit()
    db = await Database.open(path)
    try:
        lifecycle = LifecycleRepository(db)
        facts = await lifecycle.get_facts(1)
        assert facts is not None and facts.accept_clock_from == NOW
        assert await lifecycle.get_unplanned_reported() == [1]  # the sweep plans it
    finally:
        await db.close()
