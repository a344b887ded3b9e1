"""Online backup and offline restore of the SQLite database."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

from storage.db import acquire_instance_lock, latest_schema_version

SQLITE_HEADER = b"SQLite format 3\x00"  # the first 16 bytes of every SQLite database file
# tables every version of this bot's database has had since its first migration: a file without them is some other
# program's database
PRODUCT_TABLES = frozenset({"members", "invites", "group_bindings", "hazards", "hazard_threads", "events"})


class BackupError(Exception):
    """A backup or restore could not be done: `reason` names the catalog entry (cli.problem.<reason>) saying why."""

    def __init__(self, reason: str, **details: object) -> None:
        super().__init__(reason, details)
        self.reason, self.details = reason, details


def backup(database: Path, target: Path) -> int:
    """Copy the database consistently while the bot runs (SQLite's backup API); returns the pages copied."""
    if not database.exists():
        raise BackupError("no_database", database=database)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    with closing(sqlite3.connect(database)) as source, closing(sqlite3.connect(partial)) as copy:
        source.backup(copy)
        pages = int(copy.execute("PRAGMA page_count").fetchone()[0])
    os.replace(partial, target)
    return pages


def check_backup(backup_file: Path) -> int:
    """That the file is an undamaged database of this bot with a schema it can handle; returns its schema version.

    The header is read before SQLite opens the file, so a file of any other kind is refused without being parsed.
    """
    if not backup_file.is_file():
        raise BackupError("no_backup", file=backup_file)
    with backup_file.open("rb") as handle:
        if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise BackupError("not_a_database", file=backup_file)
    try:
        with closing(sqlite3.connect(f"{backup_file.resolve().as_uri()}?mode=ro", uri=True)) as check:
            if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError("damaged", file=backup_file)
            version = int(check.execute("PRAGMA user_version").fetchone()[0])
            tables = {r[0] for r in check.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        raise BackupError("damaged", file=backup_file) from exc
    if version < 1 or not PRODUCT_TABLES <= tables:
        raise BackupError("not_ours", file=backup_file)
    if version > latest_schema_version():
        raise BackupError("too_new", file=backup_file, version=version, supported=latest_schema_version())
    return version


def restore(backup_file: Path, database: Path) -> None:
    """Put a backup in place of the database; refuses while the bot runs, and a file that is not an undamaged
    database of this bot with a schema it can handle (nothing is changed then)."""
    check_backup(backup_file)
    lock = acquire_instance_lock(database)  # AlreadyRunning while the bot has it open
    try:
        partial = database.with_name(database.name + ".restoring")
        with closing(sqlite3.connect(backup_file)) as source, closing(sqlite3.connect(partial)) as copy:
            source.backup(copy)
        for stale in (Path(f"{database}-wal"), Path(f"{database}-shm")):
            stale.unlink(missing_ok=True)
        os.replace(partial, database)
    finally:
        os.close(lock)
