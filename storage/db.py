"""The SQLite database: one connection, WAL, foreign keys, versioned migrations, one transaction helper."""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)


def _migrations() -> list[tuple[int, str]]:
    """The bundled `NNN_name.sql` migrations, in order."""
    folder = resources.files("storage") / "migrations"
    found = [
        (int(entry.name.split("_", 1)[0]), entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".sql")
    ]
    return sorted(found)


def latest_schema_version() -> int:
    """The schema version the bundled migrations bring a database to: the newest this bot can handle."""
    return max(number for number, _ in _migrations())


class AlreadyRunning(Exception):
    """Another process has the database open: one bot instance at a time."""

    def __init__(self, path: Path) -> None:
        super().__init__(str(path))
        self.path = path


def _read_only_uri(path: Path) -> str:
    return f"{path.resolve().as_uri()}?mode=ro"


def lock_path(path: Path) -> Path:
    """The lock file beside the database."""
    return path.with_name(path.name + ".lock")


def acquire_instance_lock(path: Path) -> int:
    """An exclusive lock on the database's lock file, held until closed (a crash releases it too)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path(path), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise AlreadyRunning(path) from None
    return fd


class Database:
    """A single aiosqlite connection guarded by a lock: one transaction at a time, never interleaved."""

    def __init__(self, connection: aiosqlite.Connection, path: Path, instance_lock: int | None = None) -> None:
        self._conn = connection
        self._lock = asyncio.Lock()
        # the task inside a read snapshot or a write transaction, and its handle (the same task's statements join it)
        self._snapshot: tuple[asyncio.Task[Any], Tx] | None = None
        self._instance_lock = instance_lock
        self.path = path
        # long reads (counting, exports of thousands of rows) go over a second, read-only connection of their own:
        # under WAL they read a snapshot while the first connection writes, so an export holds up no one's reply
        self._bulk: aiosqlite.Connection | None = None
        self._bulk_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path, *, exclusive: bool = False) -> Database:
        """Open (creating if needed) the database file and migrate it; `exclusive`: this process only."""
        instance_lock = acquire_instance_lock(path) if exclusive else None
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None)
        conn.row_factory = sqlite3.Row
        await conn.execute("PRAGMA journal_mode = WAL")
        # FULL: a commit is on disk before we tell anyone it is saved (power loss included).
        await conn.execute("PRAGMA synchronous = FULL")
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute("PRAGMA busy_timeout = 5000")
        db = cls(conn, path, instance_lock)
        await db._migrate()
        return db

    @classmethod
    async def open_read_only(cls, path: Path) -> Database:
        """Open an existing database file for reading only (no lock, no migration): for a worker process."""
        conn = await aiosqlite.connect(_read_only_uri(path), uri=True, isolation_level=None)
        conn.row_factory = sqlite3.Row
        await conn.execute("PRAGMA busy_timeout = 5000")
        return cls(conn, path)

    async def close(self) -> None:
        """Close the connection (after any running transaction) and let another instance start."""
        async with self._bulk_lock:
            if self._bulk is not None:
                await self._bulk.close()
                self._bulk = None
        async with self._lock:
            await self._conn.close()
        if self._instance_lock is not None:
            os.close(self._instance_lock)
            self._instance_lock = None

    async def _migrate(self) -> None:
        async with self._lock:
            version = await self._scalar("PRAGMA user_version")
            for number, script in _migrations():
                if number <= version:
                    continue
                log.info("migrating database %s to schema version %d", self.path, number)
                # executescript commits; the version bump is inside the script's own transaction.
                await self._conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")

    async def _scalar(self, sql: str, params: Iterable[Any] = ()) -> Any:
        async with self._conn.execute(sql, tuple(params)) as cursor:
            row = await cursor.fetchone()
        return None if row is None else row[0]

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """A write transaction (BEGIN IMMEDIATE … COMMIT, rolled back on error).

        What the same task reads or writes inside one (a repository's statements, called by a use case that wraps
        several in `transaction`) joins it: one BEGIN and one COMMIT for all of them, committed or rolled back
        together. A write inside a read snapshot (`reading`) is refused: it would wait for itself."""
        if (joined := self._joined()) is not None:
            if not joined.writing:
                raise RuntimeError("a write inside a read snapshot (Database.reading) would wait for itself")
            yield joined
            return
        task = asyncio.current_task()
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            tx = Tx(self._conn, writing=True)
            self._snapshot = (task, tx) if task is not None else None
            try:
                yield tx
            except BaseException:
                await self._conn.rollback()
                raise
            else:
                await self._conn.commit()
            finally:
                self._snapshot = None

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Tx]:
        """A consistent read snapshot (a deferred transaction that only reads).

        Reads the same task makes inside one (a repository's, called by a use case that wraps several in
        `reading`) join it: one BEGIN and one ROLLBACK for all of them, and they see the same database. Nothing may
        write until it ends (`transaction` refuses). Inside the task's write transaction, it is part of that."""
        if (joined := self._joined()) is not None:
            yield joined
            return
        task = asyncio.current_task()
        async with self._lock:
            await self._conn.execute("BEGIN")
            tx = Tx(self._conn)
            self._snapshot = (task, tx) if task is not None else None
            try:
                yield tx
            finally:
                self._snapshot = None
                await self._conn.rollback()

    async def one(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        """One read statement's first row, or None. A lone statement is its own snapshot: no BEGIN and ROLLBACK
        around it (two round trips to the connection's thread saved); inside a `reading`, part of it."""
        async with self._lone() as tx:
            return await tx.one(sql, params)

    async def all(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        """One read statement's rows (as `one`)."""
        async with self._lone() as tx:
            return await tx.all(sql, params)

    async def scalar(self, sql: str, params: Iterable[Any] = ()) -> Any:
        """One read statement's first column of its first row, or None (as `one`)."""
        async with self._lone() as tx:
            return await tx.scalar(sql, params)

    @asynccontextmanager
    async def _lone(self) -> AsyncIterator[Tx]:
        """Where a single read statement runs: the task's snapshot, or the connection as it is (autocommit)."""
        if (joined := self._joined()) is not None:
            yield joined
            return
        async with self._lock:
            yield Tx(self._conn)

    def _joined(self) -> Tx | None:
        """The `reading` or `transaction` of this database the current task is inside, if it is."""
        snapshot = self._snapshot
        return snapshot[1] if snapshot is not None and snapshot[0] is asyncio.current_task() else None

    async def trace(self, callback: Callable[[str], object] | None) -> None:
        """Call ``callback`` with every SQL statement the connection runs (None: stop); for benchmarks and tests."""
        # sqlite3 takes None to stop tracing; aiosqlite's annotation only names the callable
        await self._conn.set_trace_callback(callback)  # type: ignore[arg-type]

    @asynccontextmanager
    async def bulk_reading(self) -> AsyncIterator[Tx]:
        """A consistent read snapshot on the read-only second connection: for long reads, which then wait for no
        write and hold up none (one long read at a time)."""
        async with self._bulk_lock:
            if self._bulk is None:
                self._bulk = await aiosqlite.connect(_read_only_uri(self.path), uri=True,
                                                     isolation_level=None)
                self._bulk.row_factory = sqlite3.Row
                await self._bulk.execute("PRAGMA busy_timeout = 5000")
            await self._bulk.execute("BEGIN")
            try:
                yield Tx(self._bulk)
            finally:
                await self._bulk.rollback()

    async def schema_version(self) -> int:
        """The schema version the file is at."""
        async with self._lock:
            return int(await self._scalar("PRAGMA user_version"))

    async def pragma(self, name: str) -> Any:
        """One PRAGMA's value (journal_mode, foreign_keys …), for checks."""
        if not name.isidentifier():
            raise ValueError(name)
        async with self._lock:
            return await self._scalar(f"PRAGMA {name}")


class Tx:
    """The handle repositories use inside a transaction: parameterised statements only."""

    def __init__(self, conn: aiosqlite.Connection, *, writing: bool = False) -> None:
        self._conn = conn
        self.writing = writing  # a write transaction's (a read snapshot's: False)

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one statement; returns lastrowid."""
        async with self._conn.execute(sql, tuple(params)) as cursor:
            return cursor.lastrowid or 0

    async def changes(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one statement; returns how many rows it changed."""
        async with self._conn.execute(sql, tuple(params)) as cursor:
            return cursor.rowcount

    async def one(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        """The first row, or None: for statements of one row (a key's, an aggregate's), as it reads them all."""
        rows = await self.all(sql, params)
        return rows[0] if rows else None

    async def all(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        """All rows, in one trip to aiosqlite's thread (a cursor's execute, fetch and close would be three)."""
        return list(await self._conn.execute_fetchall(sql, tuple(params)))

    async def scalar(self, sql: str, params: Iterable[Any] = ()) -> Any:
        """The first column of the first row, or None."""
        row = await self.one(sql, params)
        return None if row is None else row[0]
