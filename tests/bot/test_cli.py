"""`python -m bot backup` and `restore` as an operator runs them."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from storage.db import Database
from tests.paths import REPO


def _bot(*args: str, database: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAZARD_")}
    env |= {"PYTHONPATH": str(REPO), "HAZARD_DATABASE_PATH": str(database), "HAZARD_BOT_TOKEN": "1:x"}
    return subprocess.run([sys.executable, "-m", "bot", *args], env=env, cwd=database.parent, capture_output=True,
                          text=True, timeout=60, check=False)


async def _product_database(path: Path) -> None:
    """A database of this bot (every migration applied) with one row to tell it by."""
    db = await Database.open(path)
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO hazard_numbers (year, last) VALUES (2026, 41)")
    await db.close()


async def test_backup_then_restore(tmp_path: Path) -> None:
    database = tmp_path / "db.sqlite3"
    await _product_database(database)
    done = _bot("backup", str(tmp_path / "b.sqlite3"), database=database)
    assert done.returncode == 0 and "已备份" in done.stdout, done.stderr
    with sqlite3.connect(database) as conn:
        conn.execute("DELETE FROM hazard_numbers")
    done = _bot("restore", str(tmp_path / "b.sqlite3"), database=database)
    assert done.returncode == 0 and "已用" in done.stdout, done.stderr
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT last FROM hazard_numbers").fetchall() == [(41,)]


async def test_restoring_what_is_not_this_bots_database_prints_one_line_and_changes_nothing(tmp_path: Path) -> None:
    database = tmp_path / "db.sqlite3"
    await _product_database(database)
    before = database.read_bytes()
    text = tmp_path / "notes.txt"
    text.write_text("这不是数据库\n" * 100, encoding="utf-8")
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as conn:  # a healthy SQLite file of some other program
        conn.execute("CREATE TABLE t (x)")
        conn.execute("PRAGMA user_version = 3")
    newer = tmp_path / "newer.sqlite3"
    done = _bot("backup", str(newer), database=database)
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(newer) as conn:  # from a later version of the bot
        conn.execute("PRAGMA user_version = 999")
    for file, says in [(text, "不是 SQLite 数据库"), (other, "不是本机器人的数据库"), (newer, "高于本程序支持"),
                       (tmp_path / "missing.sqlite3", "没有找到备份文件")]:
        done = _bot("restore", str(file), database=database)
        assert done.returncode == 1 and done.stdout == "", (file, done.stdout)
        assert says in done.stderr and "未做任何改动" in done.stderr, (file, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr, done.stderr
        assert database.read_bytes() == before


def test_wrong_usage_is_explained(tmp_path: Path) -> None:
    done = _bot("backup", database=tmp_path / "db.sqlite3")
    assert done.returncode == 2 and "python -m bot backup" in done.stderr
