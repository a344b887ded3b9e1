"""Online backup and offline restore of the SQLite database."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from storage.db import acquire_instance_lock


class BackupError(Exception):
    """A backup or restore could not be done; the message says why."""


def backup(database: Path, target: Path) -> int:
    """Copy the database consistently while the bot runs (SQLite's backup API); returns the pages copied."""
    if not database.exists():
        raise BackupError(f"no database at {database}")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    with sqlite3.connect(database) as source, sqlite3.connect(partial) as copy:
        source.backup(copy)
        pages = int(copy.execute("PRAGMA page_count").fetchone()[0])
    os.replace(partial, target)
    return pages


def restore(backup_file: Path, database: Path) -> None:
    """Put a backup in place of the database; refuses while the bot runs or if the backup is damaged."""
    if not backup_file.exists():
        raise BackupError(f"no backup at {backup_file}")
    with sqlite3.connect(backup_file) as check:
        if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError(f"{backup_file} fails SQLite's integrity check")
    lock = acquire_instance_lock(database)  # AlreadyRunning while the bot has it open
    try:
        partial = database.with_name(database.name + ".restoring")
        with sqlite3.connect(backup_file) as source, sqlite3.connect(partial) as copy:
            source.backup(copy)
        for stale in (Path(f"{database}-wal"), Path(f"{database}-shm")):
            stale.unlink(missing_ok=True)
        os.replace(partial, database)
    finally:
        os.close(lock)
