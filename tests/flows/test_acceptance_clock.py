"""Issue 12 §2: a clock on 受理. An unaccepted report is reminded in the department's thread, then escalated up the
ladder like an overdue rectification; the outbox in the database carries it across a restart; 受理 ends it."""

from __future__ import annotations

import datetime as dt
import sqlite3
from datetime import timedelta

from bot.jobs import sweep
from domain.periods import month_of
from reports.service import ranking_message, ranking_of
from sandbox.images import sample_jpeg
from tests.flows.conftest import World
from tests.flows.steps import accept, buttons, file_hazard, leads_and_office, people, press, press_as, ready, submit
from texts import Html


def accept_rows(world: World, status: str = "pending") -> list[str]:
    with sqlite3.connect(world.database()) as conn:
        rows = conn.execute("SELECT key FROM outbox WHERE kind LIKE 'accept%' AND status = ? ORDER BY due_at, key",
                            (status,)).fetchall()
    return [r[0] for r in rows]


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


async def test_ignoring_a_report_is_counted_and_ranks_the_department_below_the_one_that_worked_its_own(
        world: World) -> None:
    """县消防救援大队 accepts its hazard; 县住房和城乡建设局 leaves the same kind of report alone all month."""
    await ready(world)
    member, _, _ = await people(world)
    card, _ = await file_hazard(world)  # 消防安全 → 县消防救援大队
    await world.api.send_photo(world.officer, sample_jpeg(label="scaffold"),
                               caption="#隐患 #建筑施工 脚手架连墙件缺失 地点：三号工地")
    grade_question = await world.api.expect(world.officer.id)
    card2 = await press(world, grade_question, next(k for k in buttons(grade_question) if "一般" in k))
    await submit(world, card2)  # 建筑施工 → 县住房和城乡建设局, whose group is not even bound
    await accept(world, member, card)

    world.clock.advance(timedelta(days=2))  # Wednesday 25th: the unaccepted one is a working day past its limit
    await world.api.send_text(world.admin, "/stats")
    county = (await world.until(world.admin.id, "隐患统计"))["plain_text"]
    assert "未按时受理 1 项（超时受理 0，超时仍未受理 1）" in county
    assert "县住房和城乡建设局：上报 1 · 销号 0（按期 0） · 逾期 0 · 重大未改 0 · 反弹 0 · 未按时受理 1" in county
    assert "县消防救援大队：上报 1 · 销号 0（按期 0） · 逾期 0 · 重大未改 0 · 反弹 0 · 未按时受理 0" in county

    world.clock.set(dt.datetime(2026, 12, 1, 1, 5, tzinfo=dt.UTC))  # 1 December: November's ranking
    services = world.app.bot_data.services
    ranking = await ranking_of(services, month_of(dt.date(2026, 11, 1)))
    places = {s.unit_id: s for s in ranking.departments}
    # the worker's hazard is even overdue at month end (deadline 26th): ignoring still ranks lower
    assert places["xfdd"].overdue == 1 and places["zjj"].not_accepted_in_time == 1
    assert places["xfdd"].rank < places["zjj"].rank
    text, _ = await ranking_message(services, month_of(dt.date(2026, 11, 1)), late=False)
    assert "未按时受理 1 项" in Html(text) and "按时受理率×20%" in text


async def test_a_transfer_to_another_department_restarts_the_clock_there(world: World) -> None:
    await ready(world)
    member, _, _ = await people(world)
    card, _ = await file_hazard(world)  # Monday 10:00: 县消防救援大队 has until Tuesday 10:00
    other_dept = world.api.add_group(title="县应急管理局", is_forum=True, members=[world.admin])
    await world.bind(other_dept, "yjj")
    world.clock.advance(timedelta(hours=5))  # Monday 15:00, before the first department's reminder
    await press_as(world, member, card, "移送")
    await press_as(world, member, await world.until(world.dept_group.id, "移送的单位"), "县应急管理局")
    await world.until(world.dept_group.id, "理由")
    await world.api.send_text(member, "属危化品储存", chat=world.dept_group,
                              thread_id=world.api.sent(world.dept_group)[-1]["message_thread_id"])
    await world.until(world.dept_group.id, "已完成：移送")
    await world.api.expect(other_dept.id)  # the new department's thread opens with the card
    # then the 移送 notice with its reason: the sweep delivers new threads before it sends (after a 移送,
    # UNIT_THREADS means the new units)
    assert "属危化品储存" in (await world.api.expect(other_dept.id))["plain_text"]
    assert accept_rows(world) and all(k.endswith("20261124T0700Z") or ":accept_overdue:" in k
                                      for k in accept_rows(world))  # the new limit: Tuesday 15:00

    world.clock.advance(timedelta(hours=1, minutes=1))  # Monday 16:01: the old unit's reminder would be due now
    await sweep(world.app)
    assert not [m for m in world.api.sent(world.dept_group) if "尚未受理" in (m["plain_text"] or "")]
    # (the 移送 notice itself may reach the new thread too, once it is open: only reminders are counted here)
    assert not [m for m in world.api.sent(other_dept) if "尚未受理" in (m["plain_text"] or "")]
    world.clock.advance(timedelta(hours=21))  # Tuesday 13:01: two office hours before the new limit
    await sweep(world.app)
    reminder = await world.until(other_dept.id, "尚未受理")
    assert "2026年11月24日（星期二）15:00" in reminder["plain_text"]
    assert "县应急管理局尽快受理定级" in reminder["plain_text"]
