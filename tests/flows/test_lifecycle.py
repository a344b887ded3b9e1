"""The closed loop through the bot: accept with a Chinese deadline, reminders and escalation on a fake
clock, rectification, verification, 回头看; stale buttons and double presses change nothing."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from typing import Any

from outbound.sweep import sweep
from sandbox.images import sample_jpeg
from tests.flows.conftest import World
from tests.flows.test_report import buttons, finish, ready, report_until_photos, submit


def events(world: World) -> list[tuple[str, str]]:
    with sqlite3.connect(world.database()) as conn:
        return conn.execute("SELECT action, to_state FROM events ORDER BY id").fetchall()


async def file_hazard(world: World) -> tuple[dict[str, Any], dict[str, Any]]:
    """The officer files one hazard; returns its card in the department's topic and in the township's group."""
    photos_question = await report_until_photos(world)
    await submit(world, await finish(world, photos_question))
    return await world.api.expect(world.dept_group.id), await world.api.expect(world.town_group.id)


async def answer(world: World, user: Any, chat: Any, text: str) -> dict[str, Any]:
    """Type into a group (None: the private chat) and return the bot's next message there."""
    await world.api.send_text(user, text, chat=chat)
    return await world.api.expect(chat.id if chat is not None else user.id)


async def press(world: World, user: Any, message: dict[str, Any], label: str) -> str:
    return await world.api.press(user, message, buttons(message)[label])


async def people(world: World) -> tuple[Any, Any, Any]:
    """Two department members and the township's lead, joined."""
    first = world.api.add_user(first_name="消防一")
    second = world.api.add_user(first_name="消防二")
    lead = world.api.add_user(first_name="城关镇长")
    for user in (first, second):
        world.api.set_member(world.dept_group, user)
        await world.join(user, "xfdd", "成员")
    world.api.set_member(world.town_group, lead)
    await world.join(lead, "cgz", "负责人")
    return first, second, lead


async def accept(world: World, member: Any, card: dict[str, Any], deadline: str = "3天内") -> None:
    """受理定级 in the department's topic: 一般, the deadline typed, confirmed, a person responsible."""
    group = world.dept_group
    await press(world, member, card, "受理定级")
    grade_question = await world.api.expect(group.id)
    assert "请确定隐患等级" in grade_question["plain_text"]
    await press(world, member, grade_question, "一般隐患")
    deadline_question = await world.api.expect(group.id)
    assert "请输入整改期限" in deadline_question["plain_text"]
    echo = await answer(world, member, group, deadline)
    assert "2026年11月26日（星期四）18:00" in echo["plain_text"]
    await press(world, member, echo, "确认")
    person_question = await world.api.expect(group.id)
    assert "责任人" in person_question["plain_text"]
    done = await answer(world, member, group, "王五 仓库主管")
    assert "已完成：受理定级" in done["plain_text"] and "整改中" in done["plain_text"]


async def test_the_whole_loop_for_a_general_hazard(world: World) -> None:
    await ready(world)
    member, other_member, lead = await people(world)
    card, town_card = await file_hazard(world)
    assert set(buttons(card)) == {"受理定级", "移送"} and set(buttons(town_card)) == {"移送"}

    await accept(world, member, card)
    await sweep(world.app)
    told = await world.api.expect(world.officer.id)
    assert "已受理" in told["plain_text"] and "2026年11月26日（星期四）18:00" in told["plain_text"]
    assert "王五" in (await world.api.expect(world.town_group.id))["plain_text"]

    # the deadline passes: Friday 27th is one working day overdue → the township's lead hears of it
    world.clock.advance(timedelta(days=3, hours=23))  # Friday 27th, 09:00 in Shanghai
    await sweep(world.app)
    escalation = await world.api.expect(lead.id)
    assert "逾期 1 个工作日" in escalation["plain_text"] and "YH-2026-000001" in escalation["plain_text"]
    assert "补发" not in escalation["plain_text"]
    nudge = await world.api.expect(world.officer.id)
    assert "已超过整改期限 2026年11月26日（星期四）18:00（逾期 1 天）" in nudge["plain_text"]

    # the officer rectifies from the nudge in private chat
    await press(world, world.officer, nudge, "提交整改")
    measures_question = await world.api.expect(world.officer.id)
    assert "整改措施" in measures_question["plain_text"]
    photos_question = await answer(world, world.officer, None, "已更换灭火器，清理安全出口")
    await world.api.send_photo(world.officer, sample_jpeg(label="after"))
    received = await world.api.expect(world.officer.id)
    assert "第 1 张" in received["plain_text"] and photos_question
    await press(world, world.officer, received, "完成")
    assert "已完成：提交整改" in (await world.api.expect(world.officer.id))["plain_text"]

    # verification in the department's topic; a second member's press a moment later changes nothing
    await sweep(world.app)
    topic_notice = await world.until(world.dept_group.id, "已提交整改")
    await press(world, member, topic_notice, "验收通过")
    second = await press(world, other_member, topic_notice, "验收通过")
    await world.until(world.dept_group.id, "已完成：验收通过")
    assert "已销号" in (await world.api.wait_callback_answer(second))["text"]

    # 30 days later the 回头看 falls due: the threads get the task, the township passes it
    world.clock.advance(timedelta(days=31))
    await sweep(world.app)
    await sweep(world.app)  # the recheck's own notice goes out on the next sweep
    task = await world.until(world.town_group.id, "回头看：销号已满")
    await press(world, lead, task, "复查通过")
    await world.until(world.town_group.id, "已完成：复查通过")
    assert events(world) == [
        ("report", "reported"), ("accept", "rectifying"), ("submit", "awaiting_verification"),
        ("verify_pass", "closed"), ("recheck_start", "recheck"), ("recheck_pass", "archived"),
    ]  # fmt: skip


async def test_stale_and_forbidden_presses(world: World) -> None:
    await ready(world)
    member, _, _ = await people(world)
    card, _ = await file_hazard(world)
    forbidden = await world.api.press(world.officer, card, buttons(card)["受理定级"])
    assert "不能进行" in (await world.api.wait_callback_answer(forbidden))["text"]
    forged = await world.api.press(member, card, "h1:999:accept")
    assert "无效" in (await world.api.wait_callback_answer(forged))["text"]
    await accept(world, member, card)
    stale = await world.api.press(member, card, buttons(card)["受理定级"])
    assert "整改中" in (await world.api.wait_callback_answer(stale))["text"]
    assert [a for a, _ in events(world)] == ["report", "accept"]


async def test_deadline_text_that_names_no_date_is_asked_again(world: World) -> None:
    await ready(world)
    member, _, _ = await people(world)
    card, _ = await file_hazard(world)
    await press(world, member, card, "受理定级")
    await press(world, member, await world.api.expect(world.dept_group.id), "一般隐患")
    await world.api.expect(world.dept_group.id)
    assert "没有具体日期" in (await answer(world, member, world.dept_group, "尽快"))["plain_text"]
    assert "已经过去了" in (await answer(world, member, world.dept_group, "昨天"))["plain_text"]
    assert "确认吗" in (await answer(world, member, world.dept_group, "本周五前"))["plain_text"]
    assert [a for a, _ in events(world)] == ["report"]
