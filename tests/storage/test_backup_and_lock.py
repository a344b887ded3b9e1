"""One instance per database, an online backup while it is open, and a restore that refuses to race the bot."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from storage.backup import BackupError, backup, restore
from storage.db import AlreadyRunning, Database


async def test_a_second_exclusive_open_is_refused_until_the_first_closes(tmp_path: Path) -> None:
    first = await Database.open(tmp_path / "db.sqlite3", exclusive=True)
    with pytest.raises(AlreadyRunning):
        await Database.open(tmp_path / "db.sqlite3", exclusive=True)
    await first.close()
    second = await Database.open(tmp_path / "db.sqlite3", exclusive=True)
    await second.close()


async def test_backup_while_open_and_restore_after_close(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    db = await Database.open(path, exclusive=True)
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO hazard_numbers (year, last) VALUES (2026, 41)")
    assert backup(path, tmp_path / "backups" / "b1.sqlite3") > 0
    async with db.transaction() as tx:
        await tx.execute("UPDATE hazard_numbers SET last = 99")
    with pytest.raises(AlreadyRunning):
        restore(tmp_path / "backups" / "b1.sqlite3", path)
    await db.close()
    restore(tmp_path / "backups" / "b1.sqlite3", path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT last FROM hazard_numbers").fetchone() == (41,)
        assert conn.execute("PRAGMA user_version").fetchone()[0] >= 2


def test_a_damaged_backup_is_not_restored(tmp_path: Path) -> None:
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    with pytest.raises(BackupError, match="damaged"):
        restore(bad, tmp_path / "db.sqlite3")
    assert not (tmp_path / "db.sqlite3").exists()
    with pytest.raises(BackupError):
        backup(tmp_path / "missing.sqlite3", tmp_path / "x.sqlite3")
