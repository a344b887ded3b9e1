"""The sweep's due query reads the outbox through its index in the order it returns (no sort of every due row)."""

from __future__ import annotations

from pathlib import Path

from storage.db import Database
from storage.lifecycle import DUE_QUERY


async def test_the_due_query_needs_no_sort(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    try:
        async with db.reading() as tx:
            plan = " | ".join(str(row[3]) for row in await tx.all(f"EXPLAIN QUERY PLAN {DUE_QUERY}", ("", "", 200)))
    finally:
        await db.close()
    assert "USING INDEX outbox_due" in plan and "TEMP B-TREE" not in plan, plan
