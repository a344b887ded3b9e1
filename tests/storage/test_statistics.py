"""Counting's storage on real SQLite: records with their events, self-checks once a week, the schedule."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from domain.hazards import Draft, Grade, State
from domain.lifecycle import Action, Actor, Payload, decide
from domain.members import InviteSpec, Role, Scope
from domain.org import UnitKind
from domain.periods import Period, PeriodKind, week_of
from domain.schedule import ItemKind, ScheduledItem
from storage.db import Database
from storage.hazards import HazardRepository, NewReport
from storage.lifecycle import LifecycleRepository
from storage.members import MemberRepository
from storage.payloads import RowStatus
from storage.schedule import ScheduleRepository
from storage.selfchecks import SelfCheckRepository
from storage.statistics import StatisticsRepository

ZONE = ZoneInfo("Asia/Shanghai")
MONDAY = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)  # 10:00 local
WEEK = week_of(dt.date(2026, 11, 23))


async def _county(tmp_path: Path) -> Database:
    """An officer of e01 (id 42) and a 消防 member (id 7); three hazards filed Mon, Tue and the week before."""
    db = await Database.open(tmp_path / "db.sqlite3")
    members = MemberRepository(db)
    for code, spec, user in (("a", InviteSpec(Role.OFFICER, None, "e01"), 42),
                             ("b", InviteSpec(Role.MEMBER, "xfdd", None), 7)):  # fmt: skip
        await members.create_invite(code, spec, 1, MONDAY, MONDAY + dt.timedelta(days=1))
        await members.redeem_invite(code, user, f"用户{user}", MONDAY)
    hazards = HazardRepository(db)
    for key, when in (("k1", MONDAY), ("k2", MONDAY + dt.timedelta(days=1)), ("k0", MONDAY - dt.timedelta(days=6))):
        draft = Draft(key=key, enterprise_id="e01", description=f"隐患{key}", category_id="xfaq", place="仓库",
                      grade=Grade.GENERAL, photos_done=True)
        await hazards.file_report(NewReport(draft, 42, "cgz", "xfdd", 2026, when, None))
    return db


async def test_records_carry_events_and_the_deadlines_they_set(tmp_path: Path) -> None:
    db = await _county(tmp_path)
    deadline = MONDAY + dt.timedelta(days=3, hours=8)
    actor = Actor(7, Role.MEMBER, "xfdd", UnitKind.DEPARTMENT)
    payload = Payload(grade=Grade.GENERAL, deadline=deadline, responsible_person="王五")
    accepted = await LifecycleRepository(db).act(
        1, lambda facts: decide(facts, actor, Action.ACCEPT, payload, MONDAY + dt.timedelta(hours=1)),
        lambda facts: [], MONDAY + dt.timedelta(hours=1))  # fmt: skip
    assert accepted is not None
    stats = StatisticsRepository(db)
    start, end = WEEK.start_at(ZONE), WEEK.end_at(ZONE)
    records = {r.code: r for r in await stats.get_records(Scope(everything=True), start, end)}
    # the week before's hazard is still open (已上报), so it counts for this week's snapshot
    assert set(records) == {"YH-2026-000001", "YH-2026-000002", "YH-2026-000003"}
    first = records["YH-2026-000001"]
    assert [(e.action, e.to_state) for e in first.events] == [("report", State.REPORTED), ("accept", State.RECTIFYING)]
    assert first.events[1].deadline_to == deadline and first.events[1].actor_id == 7
    assert first.responsible_person == "王五" and first.state is State.RECTIFYING
    ledger = await stats.get_ledger(Scope(unit_id="cgz"), start, end)
    assert [r.code for r in ledger] == ["YH-2026-000001", "YH-2026-000002"]
    assert await stats.get_ledger(Scope(unit_id="yjj"), start, end) == []
    assert await stats.get_ledger(Scope(enterprise_id="e02"), start, end) == []
    assert await stats.get_names([7, 42, 99]) == {7: "用户7", 42: "用户42"}
    await db.close()


async def test_a_closed_hazard_untouched_since_does_not_count(tmp_path: Path) -> None:
    db = await _county(tmp_path)
    async with db.transaction() as tx:  # closed long ago: state and updated_at as the lifecycle leaves them
        await tx.execute("UPDATE hazards SET state = 'archived', updated_at = '2026-11-17T00:00:00.000000+00:00'"
                         " WHERE code = 'YH-2026-000003'")
    records = await StatisticsRepository(db).get_records(Scope(everything=True), WEEK.start_at(ZONE), WEEK.end_at(ZONE))
    assert sorted(r.code for r in records) == ["YH-2026-000001", "YH-2026-000002"]
    await db.close()


async def test_a_selfcheck_is_made_once_a_week(tmp_path: Path) -> None:
    db = await _county(tmp_path)
    checks = SelfCheckRepository(db)
    found = await checks.get_week_hazards("e01", WEEK.start_at(ZONE), WEEK.end_at(ZONE))
    assert [h.code for h in found] == ["YH-2026-000001", "YH-2026-000002"]
    made, created = await checks.submit("e01", WEEK.start, [h.id for h in found], 42, MONDAY)
    assert created and not made.zero and made.hazards == 2
    again, created_again = await checks.submit("e01", WEEK.start, [], 42, MONDAY + dt.timedelta(hours=1))
    assert not created_again and again == made
    zero, _ = await checks.submit("e02", WEEK.start, [], 43, MONDAY)
    assert zero.zero and zero.hazards == 0
    assert await checks.get("e01", WEEK.start) == made
    assert {c.enterprise_id for c in await checks.get_between(WEEK.start, WEEK.start)} == {"e01", "e02"}
    assert await checks.get_between(dt.date(2026, 11, 30), dt.date(2026, 12, 31)) == []
    await db.close()


async def test_schedule_plans_once_and_sends_once_per_part(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    schedule = ScheduleRepository(db)
    assert await schedule.get_planned_until() is None
    period = Period(PeriodKind.WEEK, dt.date(2026, 11, 16), dt.date(2026, 11, 23))
    item = ScheduledItem("digest:2026-W47:cgz", ItemKind.DIGEST, "cgz", period, MONDAY, MONDAY + dt.timedelta(days=7))
    assert await schedule.plan([item], MONDAY + dt.timedelta(days=8), MONDAY) == 1
    assert await schedule.plan([item], MONDAY + dt.timedelta(days=1), MONDAY) == 0
    assert await schedule.get_planned_until() == MONDAY + dt.timedelta(days=8)  # never moves back
    assert await schedule.get_due(MONDAY - dt.timedelta(seconds=1)) == []
    (due,) = await schedule.get_due(MONDAY)
    assert due.period == period and due.kind is ItemKind.DIGEST and not due.late
    await schedule.add_sends(due.key, [(-100, "text"), (-100, "chart")], late=True)
    await schedule.add_sends(due.key, [(-200, "text")], late=False)  # fixed the first time
    sends = await schedule.get_pending_sends(due.key, MONDAY)
    assert [(s.chat_id, s.part) for s in sends] == [(-100, "text"), (-100, "chart")]
    await schedule.mark_sent(sends[0], 11, MONDAY)
    await schedule.mark_retry(sends[1], "429", MONDAY + dt.timedelta(seconds=30))
    assert await schedule.get_pending_sends(due.key, MONDAY) == []
    assert await schedule.count_unfinished(due.key) == 1
    await schedule.move_chat(sends[1], -300)
    (moved,) = await schedule.get_pending_sends(due.key, MONDAY + dt.timedelta(minutes=1))
    assert (moved.chat_id, moved.attempts) == (-300, 1)
    await schedule.mark_sent(moved, 12, MONDAY)
    await schedule.close(due.key, RowStatus.SENT, MONDAY)
    assert await schedule.get_due(MONDAY + dt.timedelta(days=1)) == []
    await db.close()


async def test_the_ledger_is_read_in_chunks_each_after_the_last(tmp_path: Path) -> None:
    """The export reads a chunk at a time (keyset: filing time, then id): together exactly get_ledger's rows, in order,
    however the chunks fall (two hazards filed at the same instant included)."""
    db = await _county(tmp_path)
    hazards = HazardRepository(db)
    same = Draft(key="k3", enterprise_id="e01", description="隐患k3", category_id="xfaq", place="仓库",
                 grade=Grade.GENERAL, photos_done=True)
    await hazards.file_report(NewReport(same, 42, "cgz", "xfdd", 2026, MONDAY, None))  # at the same instant as k1
    stats, scope = StatisticsRepository(db), Scope(everything=True)
    start, end = MONDAY - dt.timedelta(days=30), MONDAY + dt.timedelta(days=30)
    whole = [r.code for r in await stats.get_ledger(scope, start, end)]
    assert len(whole) == 4 and await stats.count_ledger(scope, start, end) == 4
    for size in (1, 2, 3, 4, 5):
        chunks = [[r.code for r in chunk] async for chunk in stats.ledger_chunks(scope, start, end, size)]
        assert [code for chunk in chunks for code in chunk] == whole
        assert all(len(chunk) <= size for chunk in chunks)
    await db.close()
