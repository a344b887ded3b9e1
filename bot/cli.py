"""`python -m bot backup <file>` and `python -m bot restore <file>`: the database, kept safe."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from config.settings import Settings
from storage.backup import BackupError, backup, restore
from storage.db import AlreadyRunning
from texts import plain


def run(args: list[str], settings: Settings) -> int:
    """Run one maintenance command; returns the exit status."""
    if len(args) != 2 or args[0] not in ("backup", "restore"):
        print(plain("cli.usage"), file=sys.stderr)
        return 2
    command, file = args[0], Path(args[1])
    try:
        if command == "backup":
            pages = backup(settings.database_path, file)
            print(plain("cli.backed_up", database=settings.database_path, file=file, pages=pages))
        else:
            restore(file, settings.database_path)
            print(plain("cli.restored", database=settings.database_path, file=file))
    except AlreadyRunning:
        print(plain("cli.running", database=settings.database_path), file=sys.stderr)
        return 1
    except BackupError as exc:
        print(plain(f"cli.problem.{exc.reason}", **exc.details), file=sys.stderr)
        return 1
    except (OSError, sqlite3.Error) as exc:  # one line, never a traceback
        print(plain("cli.failed", error=exc), file=sys.stderr)
        return 1
    return 0
