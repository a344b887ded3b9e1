"""Delivery state on real SQLite files: the kind of images filed before it was kept, retries and give-ups, and the
reporter's follow-up queued once per outcome, only when no unit is still being tried."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from domain.hazards import Draft, Grade, MediaKind, Photo
from domain.members import InviteSpec, Role
from storage.db import Database, _migrations
from storage.hazards import HazardRepository, NewReport
from storage.lifecycle import DELIVERY, LifecycleRepository
from storage.members import GroupBinding, GroupRepository, MemberRepository

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


async def test_images_filed_before_the_kind_was_kept_get_it_from_their_file_id(tmp_path: Path) -> None:
    """Schema 5 → 6: a document's file_id (type 5, 'BQ…') becomes a document; a delivered thread counts as told."""
    path = tmp_path / "db.sqlite3"
    with sqlite3.connect(path) as conn:
        for number, script in _migrations():
            if number <= 5:
                conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
        conn.execute("INSERT INTO members VALUES (42, '张三', 'officer', NULL, 'e01', '2026-11-23T02:00:00+00:00')")
        conn.execute("INSERT INTO hazards (id, code, reporter_id, enterprise_id, township_id, category_id,"
                     " department_id, grade, state, description, place, reported_at, updated_at, draft_key)"
                     " VALUES (1, 'YH-2026-000001', 42, 'e01', 'cgz', 'xfaq', 'xfdd', 'general', 'reported', 'd',"
                     " 'p', '2026-11-23T02:00:00+00:00', '2026-11-23T02:00:00+00:00', 'k')")  # fmt: skip
        for position, file_id in enumerate(("AgACAgUAAxkBAAIBW2d", "BQACAgUAAxkBAAIBXGd")):
            conn.execute("INSERT INTO hazard_photos (hazard_id, position, file_id, file_unique_id, sha256, size,"
                         " media_path) VALUES (1, ?, ?, 'u', 's', 1, 'm')", (position, file_id))  # fmt: skip
        conn.execute("INSERT INTO hazard_threads (hazard_id, unit_id, role, delivered_at)"
                     " VALUES (1, 'xfdd', 'department', '2026-11-23T02:00:00+00:00'), (1, 'cgz', 'township', NULL)")
    db = await Database.open(path)
    try:
        assert [p.kind for p in await HazardRepository(db).get_photos(1)] == [MediaKind.PHOTO, MediaKind.DOCUMENT]
        with sqlite3.connect(path) as conn:
            told = conn.execute("SELECT unit_id, reporter_told FROM hazard_threads ORDER BY unit_id").fetchall()
        assert told == [("cgz", None), ("xfdd", "delivered")]
    finally:
        await db.close()


async def _filed(db: Database) -> int:
    members = MemberRepository(db)
    await members.create_invite("c", InviteSpec(Role.OFFICER, None, "e01"), 1, NOW, NOW + timedelta(days=1))
    await members.redeem_invite("c", 42, "张三", NOW)
    draft = Draft(key="k", enterprise_id="e01", description="灭火器过期", category_id="xfaq", place="仓库",
                  photos=[Photo("BQ1", "u1", "ab" * 32, 10, "ab/x.png", MediaKind.DOCUMENT)], grade=Grade.GENERAL,
                  photos_done=True)  # fmt: skip
    hazard, _ = await HazardRepository(db).file_report(NewReport(draft, 42, "cgz", "xfdd", 2026, NOW, update_id=1))
    return hazard.id


def _followups(path: Path) -> list[dict[str, list[str]]]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT payload FROM outbox WHERE kind = ? ORDER BY key", (DELIVERY,)).fetchall()
    return [json.loads(payload) for (payload,) in rows]


async def test_retries_give_ups_and_one_followup_per_outcome(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    try:
        hazards, groups = HazardRepository(db), GroupRepository(db)
        hazard_id = await _filed(db)
        assert [p.kind for p in await hazards.get_photos(hazard_id)] == [MediaKind.DOCUMENT]
        await groups.bind(GroupBinding("xfdd", -100, "县消防救援大队", True), 1, NOW)
        assert [p.thread.unit_id for p in await hazards.get_undelivered_threads(due_by=NOW, bound_only=True)] == [
            "xfdd"]  # the sweep's look skips the unit without a group

        await hazards.record_delivery_failure(hazard_id, "xfdd", "Bad Gateway", NOW + timedelta(seconds=30), NOW)
        assert await hazards.get_undelivered_threads(due_by=NOW, bound_only=True) == []  # waits its backoff
        due = await hazards.get_undelivered_threads(due_by=NOW + timedelta(seconds=30), bound_only=True)
        assert [p.attempts for p in due] == [1]
        assert not await hazards.queue_reporter_followup(hazard_id, NOW)  # xfdd is still being tried: not yet

        await hazards.record_delivery_failure(hazard_id, "xfdd", "Forbidden", None, NOW)  # given up
        later = await hazards.get_undelivered_threads(due_by=NOW + timedelta(days=1))
        assert [p.thread.unit_id for p in later] == ["cgz"]  # never tried again by itself; cgz waits for a group
        assert await hazards.queue_reporter_followup(hazard_id, NOW)
        assert not await hazards.queue_reporter_followup(hazard_id, NOW)  # each outcome is told once
        lifecycle = LifecycleRepository(db)
        await lifecycle.replan(hazard_id, lambda facts: [], NOW)  # a replan (an action, a reminder sent) keeps it
        assert await lifecycle.get_unplanned_reported() == [hazard_id]  # and it is not mistaken for a reminder plan
        assert [row.kind for row in await lifecycle.get_due(NOW)] == [DELIVERY]
        assert _followups(db.path) == [{"delivered": [], "failed": ["xfdd"], "unbound": ["cgz"]}]

        await hazards.forget_threads_in_chat("xfdd")  # /bind again: tried afresh
        assert [p.attempts for p in await hazards.get_undelivered_threads("xfdd", due_by=NOW)] == [0]
        await hazards.mark_delivered(hazard_id, "xfdd", NOW)
        assert await hazards.queue_reporter_followup(hazard_id, NOW)
        assert _followups(db.path)[1] == {"delivered": ["xfdd"], "failed": [], "unbound": []}
    finally:
        await db.close()


async def test_units_without_a_group_are_told_once_per_hazard_and_not_again_after_migration_12(tmp_path: Path) -> None:
    """Schema 11 → 12: a thread already waiting for a group was told at its filing by the version before, so it
    is not told again; a thread filed after is told once, then marked."""
    path = tmp_path / "db.sqlite3"
    with sqlite3.connect(path) as conn:
        for number, script in _migrations():
            if number < 12:
                conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
        conn.execute("INSERT INTO members (telegram_id, display_name, role, enterprise_id, joined_at)"
                     " VALUES (41, '李四', 'officer', 'e01', '2026-11-23T02:00:00+00:00')")  # fmt: skip
        conn.execute("INSERT INTO hazards (id, code, reporter_id, enterprise_id, township_id, category_id,"
                     " department_id, grade, state, description, place, reported_at, updated_at, draft_key)"
                     " VALUES (7, 'YH-2026-000007', 41, 'e01', 'cgz', 'xfaq', 'xfdd', 'general', 'reported', 'd',"
                     " 'p', '2026-11-23T02:00:00+00:00', '2026-11-23T02:00:00+00:00', 'k7')")  # fmt: skip
        conn.execute("INSERT INTO hazard_threads (hazard_id, unit_id, role) VALUES (7, 'cgz', 'township')")
    db = await Database.open(path)
    try:
        hazards = HazardRepository(db)
        assert await hazards.get_unbound_untold() == []  # told by the version before
        hazard_id = await _filed(db)
        await GroupRepository(db).bind(GroupBinding("xfdd", -100, "县消防救援大队", True), 1, NOW)
        filed = await hazards.get_hazard(hazard_id)
        assert filed is not None
        assert await hazards.get_unbound_untold() == [(hazard_id, filed.code, "cgz")]
        await hazards.mark_unbound_told([(hazard_id, "cgz")], NOW)
        assert await hazards.get_unbound_untold() == []
    finally:
        await db.close()
