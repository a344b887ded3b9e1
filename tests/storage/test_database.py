"""Storage on real SQLite files: WAL, foreign keys, migrations, invites and filing a report once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from domain.hazards import Draft, Grade, Photo, State
from domain.members import InviteProblem, InviteSpec, Member, Role, Scope
from storage.db import Database
from storage.hazards import HazardRepository, NewReport
from storage.members import MemberRepository

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


async def test_pragmas_and_schema_version(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "a" / "db.sqlite3")
    try:
        assert await db.pragma("journal_mode") == "wal"
        assert await db.pragma("foreign_keys") == 1
        assert await db.schema_version() >= 1
    finally:
        await db.close()
    again = await Database.open(tmp_path / "a" / "db.sqlite3")  # reopening does not migrate twice
    assert await again.schema_version() >= 1
    await again.close()


async def test_invite_is_used_once_and_expires(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    members = MemberRepository(db)
    spec = InviteSpec(Role.OFFICER, None, "e01")
    await members.create_invite("code1", spec, 1, NOW, NOW + timedelta(days=7))
    await members.create_invite("code2", spec, 1, NOW, NOW + timedelta(days=7))
    assert await members.redeem_invite("code1", 42, "张三", NOW) == Member(42, "张三", Role.OFFICER, None, "e01")
    assert await members.redeem_invite("code1", 43, "李四", NOW) is InviteProblem.USED
    assert await members.redeem_invite("code2", 43, "李四", NOW + timedelta(days=8)) is InviteProblem.EXPIRED
    assert await members.redeem_invite("nope", 43, "李四", NOW) is InviteProblem.NOT_FOUND
    assert await members.get_member(43) is None
    await db.close()


async def _officer(db: Database) -> None:
    members = MemberRepository(db)
    await members.create_invite("c", InviteSpec(Role.OFFICER, None, "e01"), 1, NOW, NOW + timedelta(days=1))
    await members.redeem_invite("c", 42, "张三", NOW)


def _report(key: str) -> NewReport:
    draft = Draft(key=key, enterprise_id="e01", description="灭火器过期", category_id="xfaq", place="仓库",
                  photos=[Photo("f1", "u1", "ab" * 32, 10, "ab/x.jpg")], grade=Grade.GENERAL, photos_done=True)
    return NewReport(draft, 42, "cgz", "xfdd", 2026, NOW, update_id=7)


async def test_filing_numbers_per_year_and_is_idempotent(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    await _officer(db)
    hazards = HazardRepository(db)
    first, created = await hazards.file_report(_report("k1"))
    assert created and first.code == "YH-2026-000001" and first.state is State.REPORTED
    again, created_again = await hazards.file_report(_report("k1"))
    assert again == first and not created_again
    second, _ = await hazards.file_report(_report("k2"))
    assert second.code == "YH-2026-000002"
    assert [p.file_id for p in await hazards.get_photos(first.id)] == ["f1"]
    assert {t.unit_id for t in await hazards.get_threads(first.id)} == {"xfdd", "cgz"}
    assert [e.action for e in await hazards.get_events(first.id)] == ["report"]
    page, total = await hazards.list_hazards(Scope(unit_id="cgz"), 1, 0)
    assert total == 2 and page[0].code == "YH-2026-000002"
    assert (await hazards.list_hazards(Scope(unit_id="hsx"), 10, 0))[1] == 0
    assert len(await hazards.get_undelivered_threads()) == 4
    await db.close()


async def test_audit_log_is_append_only(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    await _officer(db)
    await HazardRepository(db).file_report(_report("k1"))
    with pytest.raises(Exception, match="append-only"):
        async with db.transaction() as tx:
            await tx.execute("DELETE FROM events")
    await db.close()


async def test_foreign_keys_are_enforced(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    with pytest.raises(Exception, match="FOREIGN KEY"):
        await HazardRepository(db).file_report(_report("k1"))  # reporter 42 is not a member
    await db.close()


async def test_reads_inside_one_reading_share_its_snapshot_and_writes_wait_for_it(tmp_path: Path) -> None:
    """A use case wrapping several repositories' reads in `reading` makes one transaction of them; a write inside
    would wait for itself and is refused; another task's reads and writes wait until the snapshot ends. A repository's
    lone read statement (Database.one/all/scalar) joins a snapshot, or runs without one."""
    db = await Database.open(tmp_path / "db.sqlite3")
    members = MemberRepository(db)
    statements: list[str] = []
    await db.trace(statements.append)
    try:
        async with db.reading() as outer:
            assert await members.get_member(1) is None
            async with db.reading() as inner:
                assert inner is outer
            assert await members.get_member(2) is None
            with pytest.raises(RuntimeError, match="inside a read snapshot"):
                async with db.transaction():
                    pass
            other = asyncio.create_task(members.get_member(3))
            await asyncio.sleep(0.05)
            assert not other.done()  # another task's read waits for the snapshot to end
        assert await other is None
        assert statements.count("BEGIN") == 1 and statements.count("ROLLBACK") == 1  # the snapshot's only:
        assert len(statements) == 5  # a lone read (the other task's) is its own snapshot, no BEGIN around it
    finally:
        await db.trace(None)
        await db.close()


async def test_what_a_task_does_inside_its_transaction_joins_it_and_commits_or_rolls_back_with_it(
    tmp_path: Path,
) -> None:
    """A use case wrapping repositories' reads and writes in `transaction` makes one transaction of them (the sweep's
    read-and-claim of a due reminder): their own `transaction`, `reading` and lone reads join it, one BEGIN and one
    COMMIT; an error anywhere inside rolls all of it back; another task waits until it ends."""
    db = await Database.open(tmp_path / "db.sqlite3")
    statements: list[str] = []
    await db.trace(statements.append)
    try:
        async with db.transaction() as outer:
            async with db.transaction() as inner:
                assert inner is outer
                await inner.execute("CREATE TABLE t (x INTEGER)")
            async with db.reading() as read:
                assert read is outer
            await outer.execute("INSERT INTO t VALUES (1)")
            assert await db.scalar("SELECT COUNT(*) FROM t") == 1
            other = asyncio.create_task(db.scalar("SELECT COUNT(*) FROM t"))
            await asyncio.sleep(0.05)
            assert not other.done()
        assert await other == 1
        assert statements.count("BEGIN IMMEDIATE") == 1 and statements.count("COMMIT") == 1
        with pytest.raises(ZeroDivisionError):
            async with db.transaction():
                async with db.transaction() as tx:
                    await tx.execute("INSERT INTO t VALUES (2)")
                raise ZeroDivisionError
        assert await db.scalar("SELECT COUNT(*) FROM t") == 1  # the joined insert went with the outer's rollback
        async with db.transaction() as tx:  # and the next transaction starts afresh
            await tx.execute("INSERT INTO t VALUES (3)")
        assert await db.scalar("SELECT SUM(x) FROM t") == 4
    finally:
        await db.trace(None)
        await db.close()
