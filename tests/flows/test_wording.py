"""Issue 12 §6, wording: no "逾期 0 个工作日", a deadline on a day off or far in a year not typed is pointed out,
the deadline examples are dates ahead of today, and a non-image file at the photo step gets the photo step's hint."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from typing import Any

from bot.jobs import sweep
from sandbox.model import Message
from tests.flows.conftest import World
from tests.flows.steps import accept, answer, file_hazard, people, press_as, ready


async def deadline_question(world: World, member: Any, card: Message, grade: str = "一般隐患") -> str:
    """受理定级 pressed and a grade chosen in the department's topic: the deadline question's text."""
    await press_as(world, member, card, "受理定级")
    grade_question = await world.api.expect(world.dept_group.id)
    await press_as(world, member, grade_question, grade)
    asked = await world.api.expect(world.dept_group.id)
    assert "请输入整改期限" in asked["plain_text"]
    return str(asked["plain_text"])


async def test_an_escalation_as_the_deadline_passes_does_not_say_zero_days_overdue(world: World) -> None:
    await ready(world)
    member, _, township_lead = await people(world)
    card, _ = await file_hazard(world)
    await deadline_question(world, member, card, "🔴重大隐患（挂牌督办）")
    echo = await answer(world, member, world.dept_group, "3天内")
    await press_as(world, member, echo, "确认")
    await world.until(world.dept_group.id, "责任人")
    await answer(world, member, world.dept_group, "王五 仓库主管")
    await sweep(world.app)
    world.clock.advance(timedelta(days=3, hours=8, minutes=1))  # Thursday 26th 18:01: the 重大 deadline just passed
    await sweep(world.app)
    escalation = await world.until(township_lead.id, "整改期限")
    assert "逾期 0" not in escalation["plain_text"]
    assert "已到整改期限（2026年11月26日（星期四）18:00）仍未整改完成" in escalation["plain_text"]


async def test_a_deadline_on_a_day_off_and_a_year_not_typed_are_pointed_out(world: World) -> None:
    await ready(world)
    member, _, _ = await people(world)
    card, _ = await file_hazard(world)
    await deadline_question(world, member, card)
    saturday = await answer(world, member, world.dept_group, "12月5日前")
    assert "2026年12月5日（星期六）" in saturday["plain_text"] and "休息日" in saturday["plain_text"]
    assert "注意年份" not in saturday["plain_text"]
    await press_as(world, member, saturday, "重新输入")
    await world.api.expect(world.dept_group.id)
    friday = await answer(world, member, world.dept_group, "12月4日前")
    assert "休息日" not in friday["plain_text"]
    await press_as(world, member, friday, "重新输入")
    await world.api.expect(world.dept_group.id)
    far = await answer(world, member, world.dept_group, "6月1日前")  # June of next year
    assert "2027年6月1日" in far["plain_text"] and "注意年份：2027年" in far["plain_text"]
    await press_as(world, member, far, "重新输入")
    await world.api.expect(world.dept_group.id)
    typed = await answer(world, member, world.dept_group, "2027年6月1日前")
    assert "注意年份" not in typed["plain_text"]


async def test_the_deadline_example_is_a_date_ahead_of_today(world: World) -> None:
    await ready(world)
    member, _, _ = await people(world)
    card, _ = await file_hazard(world)
    world.clock.set(dt.datetime(2026, 12, 15, 2, 0, tzinfo=dt.UTC))  # 15 December: "12月10日" would be past
    asked = await deadline_question(world, member, card)
    assert "12月29日前" in asked and "12月10日" not in asked
    no_date = await answer(world, member, world.dept_group, "尽快")
    assert "12月29日前" in no_date["plain_text"]


async def test_a_file_that_is_not_an_image_at_the_photo_step_gets_the_photo_hint(world: World) -> None:
    await ready(world)
    member, _, _ = await people(world)
    card, _ = await file_hazard(world)
    await accept(world, member, card)
    await sweep(world.app)
    notice = await world.until(world.officer.id, "已受理")
    await press_as(world, world.officer, notice, "提交整改")
    await world.until(world.officer.id, "整改措施")
    photos_question = await answer(world, world.officer, None, "已更换灭火器，清理安全出口")
    assert "照片" in photos_question["plain_text"]
    await world.api.send_document(world.officer, b"%PDF-1.4 a scan", file_name="report.pdf",
                                  mime_type="application/pdf")
    refused = await world.api.expect(world.officer.id)
    assert "只能接收图片" in refused["plain_text"]
    again = await world.api.expect(world.officer.id)
    assert again["plain_text"] == photos_question["plain_text"] and "隐患描述" not in again["plain_text"]
