"""The lifecycle transaction on a real SQLite file: one transition is the state, its event, its outbox rows and the
replanned reminders, written together or not at all."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from domain.hazards import Draft, Grade, State
from domain.lifecycle import Action, Actor, HazardFacts, Payload, Refusal, Transition, decide
from domain.members import InviteSpec, Role
from domain.org import UnitKind
from domain.reminders import PlannedNotification, Policy, plan_notifications
from domain.workcalendar import WorkCalendar
from storage.db import Database
from storage.hazards import HazardRepository, NewReport
from storage.lifecycle import LifecycleRepository
from storage.members import MemberRepository

ZONE = ZoneInfo("Asia/Shanghai")
MONDAY = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)  # 10:00 local
LATER = MONDAY + dt.timedelta(hours=1)
MEMBER = Actor(7, Role.MEMBER, "xfdd", UnitKind.DEPARTMENT)  # of the responsible department
ACCEPT = Payload(grade=Grade.GENERAL, deadline=MONDAY + dt.timedelta(days=3, hours=8), responsible_person="王五")


def _plan(facts: HazardFacts) -> list[PlannedNotification]:
    return plan_notifications(facts, Policy(), WorkCalendar(), ZONE, LATER)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """A database with one hazard filed by an officer of e01 on Monday (已上报)."""
    database = await Database.open(tmp_path / "db.sqlite3")
    members = MemberRepository(database)
    for code, spec, user in (("a", InviteSpec(Role.OFFICER, None, "e01"), 42),
                             ("b", InviteSpec(Role.MEMBER, "xfdd", None), 7)):  # fmt: skip
        await members.create_invite(code, spec, 1, MONDAY, MONDAY + dt.timedelta(days=1))
        await members.redeem_invite(code, user, f"用户{user}", MONDAY)
    draft = Draft(key="k1", enterprise_id="e01", description="消防通道堆放杂物", category_id="xfaq", place="仓库",
                  grade=Grade.GENERAL, photos_done=True)
    await HazardRepository(database).file_report(NewReport(draft, 42, "cgz", "xfdd", 2026, MONDAY, None))
    yield database
    await database.close()


async def _counts(db: Database) -> tuple[str, int, int]:
    """The hazard's state, its events and its outbox rows."""
    async with db.reading() as tx:
        state = await tx.scalar("SELECT state FROM hazards WHERE id = 1")
        events = await tx.scalar("SELECT count(*) FROM events WHERE hazard_id = 1")
        outbox = await tx.scalar("SELECT count(*) FROM outbox WHERE hazard_id = 1")
    return str(state), int(events), int(outbox)


async def test_a_transition_writes_its_event_and_outbox_rows_with_the_state(db: Database) -> None:
    _, events, outbox = await _counts(db)
    result = await LifecycleRepository(db).act(1, lambda f: decide(f, MEMBER, Action.ACCEPT, ACCEPT, LATER), _plan,
                                               LATER)  # fmt: skip
    assert isinstance(result, Transition)
    async with db.reading() as tx:
        kinds = {str(r[0]) for r in await tx.all("SELECT kind FROM outbox WHERE hazard_id = 1 AND created_at = ?",
                                                 (LATER.isoformat(timespec="microseconds"),))}  # fmt: skip
    state, events_after, outbox_after = await _counts(db)
    assert state == State.RECTIFYING and events_after == events + 1
    assert outbox_after > outbox and {"transition", "card"} <= kinds  # the notice and the card edit, same transaction


async def test_a_refusal_writes_nothing(db: Database) -> None:
    before = await _counts(db)
    outsider = Actor(8, Role.MEMBER, "other", UnitKind.DEPARTMENT)
    result = await LifecycleRepository(db).act(1, lambda f: decide(f, outsider, Action.ACCEPT, ACCEPT, LATER), _plan,
                                               LATER)  # fmt: skip
    assert isinstance(result, Refusal)
    assert await _counts(db) == before


async def test_a_stale_decision_is_refused_by_the_compare_and_set_and_rolled_back(db: Database) -> None:
    """A transition decided on facts that changed since (state no longer what it came from) writes nothing."""
    lifecycle = LifecycleRepository(db)
    stale = await lifecycle.get_facts(1)
    assert stale is not None
    await lifecycle.act(1, lambda f: decide(f, MEMBER, Action.ACCEPT, ACCEPT, LATER), _plan, LATER)
    after_first = await _counts(db)
    # decided on the old facts (已上报 → 整改中 again), although the hazard is 整改中 now: the UPDATE's
    # "WHERE state = from_state" matches no row, and the whole transaction is undone
    with pytest.raises(RuntimeError, match="changed under a transition"):
        await lifecycle.act(1, lambda _f: decide(stale, MEMBER, Action.ACCEPT, ACCEPT, LATER), _plan, LATER)
    assert await _counts(db) == after_first


async def test_a_failure_after_the_state_rolls_back_the_state_and_the_event(db: Database) -> None:
    """The planner runs last in the transaction: if it fails, the state change and the event are undone too."""
    before = await _counts(db)

    def broken(_facts: HazardFacts) -> list[PlannedNotification]:
        raise ValueError("planner failed")

    with pytest.raises(ValueError, match="planner failed"):
        await LifecycleRepository(db).act(1, lambda f: decide(f, MEMBER, Action.ACCEPT, ACCEPT, LATER), broken, LATER)
    assert await _counts(db) == before
    facts = await LifecycleRepository(db).get_facts(1)
    assert facts is not None and facts.state is State.REPORTED
