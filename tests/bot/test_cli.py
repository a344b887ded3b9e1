"""`python -m bot backup` and `restore` as an operator runs them."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.shared import REPO


def _bot(*args: str, database: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAZARD_")}
    env |= {"PYTHONPATH": str(REPO), "HAZARD_DATABASE_PATH": str(database), "HAZARD_BOT_TOKEN": "1:x"}
    return subprocess.run([sys.executable, "-m", "bot", *args], env=env, cwd=database.parent, capture_output=True,
                          text=True, timeout=60, check=False)


def test_backup_then_restore(tmp_path: Path) -> None:
    database = tmp_path / "db.sqlite3"
    with sqlite3.connect(database) as conn:
        conn.execute("CREATE TABLE t (x)")
        conn.execute("INSERT INTO t VALUES (1)")
    done = _bot("backup", str(tmp_path / "b.sqlite3"), database=database)
    assert done.returncode == 0 and "已备份" in done.stdout, done.stderr
    with sqlite3.connect(database) as conn:
        conn.execute("DELETE FROM t")
    done = _bot("restore", str(tmp_path / "b.sqlite3"), database=database)
    assert done.returncode == 0 and "已用" in done.stdout, done.stderr
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT x FROM t").fetchall() == [(1,)]


def test_wrong_usage_is_explained(tmp_path: Path) -> None:
    done = _bot("backup", database=tmp_path / "db.sqlite3")
    assert done.returncode == 2 and "python -m bot backup" in done.stderr
