"""Issue 12 §2: a clock on 受理. An unaccepted report is reminded in the department's thread, then escalated up the
ladder like an overdue rectification; the outbox in the database carries it across a restart; 受理 ends it."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from typing import Any

from outbound.sweep import sweep
from tests.flows.conftest import World
from tests.flows.test_lifecycle import accept, file_hazard, people
from tests.flows.test_report import buttons, ready


def accept_rows(world: World, status: str = "pending") -> list[str]:
    with sqlite3.connect(world.database()) as conn:
        rows = conn.execute("SELECT key FROM outbox WHERE kind LIKE 'accept%' AND status = ? ORDER BY due_at, key",
                            (status,)).fetchall()
    return [r[0] for r in rows]


async def leads_and_office(world: World) -> tuple[Any, Any]:
    """The department's lead joined, and the 安委办's group bound."""
    dept_lead = world.api.add_user(first_name="消防大队长")
    world.api.set_member(world.dept_group, dept_lead)
    await world.join(dept_lead, "xfdd", "负责人")
    office = world.api.add_group(title="县安委办", is_forum=False, bot_is_admin=True, can_manage_topics=False,
                                 members=[world.admin])
    await world.bind(office, "awb")
    return dept_lead, office


async def test_an_unaccepted_report_is_reminded_then_escalated_across_a_restart(world: World) -> None:
    await ready(world)
    _, _, township_lead = await people(world)
    dept_lead, office = await leads_and_office(world)
    await file_hazard(world)  # Monday 23rd, 10:00: one office day to 受理, until Tuesday 10:00
    assert len(accept_rows(world)) >= 5  # planned in the filing's transaction: the database is the record

    world.clock.advance(timedelta(hours=6, minutes=1))  # Monday 16:01: two office hours left
    await sweep(world.app)
    reminder = await world.until(world.dept_group.id, "尚未受理")
    assert "受理时限 2026年11月24日（星期二）10:00" in reminder["plain_text"]
    assert "县消防救援大队尽快受理定级" in reminder["plain_text"] and "受理定级" in buttons(reminder)
    await world.api.expect_nothing(world.town_group.id)  # the township has nothing to accept

    await world.restart()  # nothing of the clock lives in memory
    world.clock.advance(timedelta(hours=41))  # Wednesday 25th, 09:01: one working day past the limit
    await sweep(world.app)
    escalation = await world.api.expect(township_lead.id)
    assert "超过受理时限 1 个工作日" in escalation["plain_text"]
    assert "县消防救援大队仍未受理" in escalation["plain_text"]
    assert "已告知：行业部门工作群" in escalation["plain_text"] and "补发" not in escalation["plain_text"]
    nudge = await world.until(world.dept_group.id, "已超过受理时限")
    assert "受理定级" in buttons(nudge)
    await world.api.expect_nothing(dept_lead.id, within=0.1)

    world.clock.advance(timedelta(days=2))  # Friday 27th: three working days → the department's lead
    await sweep(world.app)
    assert "超过受理时限 3 个工作日" in (await world.api.expect(dept_lead.id))["plain_text"]
    world.clock.advance(timedelta(days=6))  # Thursday 3 December: seven working days → the 安委办
    await sweep(world.app)
    to_office = await world.until(office.id, "受理时限")
    assert "超过受理时限 7 个工作日" in to_office["plain_text"] and "乡镇负责人" in to_office["plain_text"]
    assert {k.split(":")[2] for k in accept_rows(world, "sent") if ":accept_escalate:" in k} == {
        "township", "department", "office"}


async def test_acceptance_ends_the_clock(world: World) -> None:
    await ready(world)
    member, _, township_lead = await people(world)
    card, _ = await file_hazard(world)
    await accept(world, member, card)
    assert accept_rows(world) == []  # the replan of the transition dropped them
    world.clock.advance(timedelta(days=2, hours=23))  # Thursday 26th, 09:00
    await sweep(world.app)
    with sqlite3.connect(world.database()) as conn:
        assert conn.execute("SELECT COUNT(*) FROM outbox WHERE kind LIKE 'accept%' AND status != 'pending'"
                            ).fetchone() == (0,)  # nothing of the clock was ever sent
    await world.api.expect_nothing(township_lead.id, within=0.1)


async def test_a_report_filed_before_the_clock_existed_gets_it_at_the_next_sweep(world: World) -> None:
    await ready(world)
    await file_hazard(world)
    with sqlite3.connect(world.database()) as conn:  # as a database migrated from the version before
        conn.execute("DELETE FROM outbox WHERE kind LIKE 'accept%'")
    await sweep(world.app)
    assert len(accept_rows(world)) >= 5
