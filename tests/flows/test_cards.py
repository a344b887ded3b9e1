"""The card is the truth (issue 12 §4): each thread's anchor card is edited at every transition — state, grade,
deadline with weekday, days overdue, the person responsible, the next step, exactly the buttons valid now — older
messages lose buttons that no longer apply, and an edit that fails never loses the transition."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from typing import Any

from bot.jobs import sweep
from tests.flows.conftest import World
from tests.flows.steps import (
    MAJOR,
    accept_in_topic,
    anchors,
    answer,
    buttons,
    card,
    filed,
    press_as,
    rectify,
    scene,
    shown,
    verify,
)


async def test_the_card_in_each_thread_follows_every_transition_with_the_buttons_valid_now(world: World) -> None:
    member, _ = await filed(world, [])
    department = card(world, world.dept_group, "xfdd")
    assert "状态：已上报" in shown(department) and "下一步：等待县消防救援大队受理定级" in shown(department)
    assert set(buttons(department)) == {"受理定级", "移送"}

    await accept_in_topic(world, member, department)
    await sweep(world.app)
    for chat, unit in ((world.dept_group, "xfdd"), (world.town_group, "cgz")):
        now = shown(card(world, chat, unit))
        assert "状态：整改中" in now and "整改期限：2026年12月8日（星期二）18:00" in now
        assert "企业责任人：王五 仓库主管" in now and "下一步：等待示范化工有限公司整改并提交整改" in now
        assert set(buttons(card(world, chat, unit))) == {"移送"}
    accepted_notice = await world.until(world.officer.id, "已受理")
    assert set(buttons(accepted_notice)) == {"提交整改", "申请延期"}
    in_topic = await world.until(world.dept_group.id, "已受理")
    assert set(buttons(in_topic)) == {"移送"}

    world.clock.advance(timedelta(days=16))  # Wednesday 9th: a day past the deadline
    await sweep(world.app)
    await rectify(world, "YH-2026-000001", [scene(100)])
    await sweep(world.app)
    department = card(world, world.dept_group, "xfdd")
    assert "状态：待验收" in shown(department) and "下一步：等待县消防救援大队验收" in shown(department)
    assert set(buttons(department)) == {"验收通过", "退回整改", "移送"}
    assert set(buttons(card(world, world.town_group, "cgz"))) == {"移送"}
    # an earlier notice keeps what still applies and gains nothing; the officer's no longer offer 提交整改 / 申请延期
    assert set(buttons(world.api.chat(world.dept_group).messages[in_topic["message_id"]])) == {"移送"}
    stale = [m for m in world.api.sent(world.officer.id) if any(d.startswith("h1:") for d in buttons(m).values())]
    assert stale == [], [shown(m) for m in stale]

    submitted = await world.until(world.dept_group.id, "已提交整改")
    await verify(world, member, submitted)
    await sweep(world.app)
    department = card(world, world.dept_group, "xfdd")
    assert "状态：已销号" in shown(department) and "下一步：等待2027年1月8日（星期五）回头看" in shown(department)
    assert buttons(department) == {}
    assert buttons(world.api.chat(world.dept_group).messages[submitted["message_id"]]) == {}
    assert buttons(world.api.chat(world.dept_group).messages[in_topic["message_id"]]) == {}

    world.clock.advance(timedelta(days=31))
    await sweep(world.app)
    await sweep(world.app)
    town = card(world, world.town_group, "cgz")
    assert "状态：回头看" in shown(town) and set(buttons(town)) == {"复查通过", "发现反弹", "移送"}
    edits = [e for e in world.api.edits(world.dept_group) if e.message_id == anchors(world)["xfdd"]]
    assert len(edits) >= 4  # accepted, submitted, closed, recheck


async def test_a_major_card_says_so_and_what_the_plan_still_needs(world: World) -> None:
    member, _ = await filed(world, [])
    await accept_in_topic(world, member, card(world, world.dept_group, "xfdd"), MAJOR)
    await sweep(world.app)
    department = shown(card(world, world.dept_group, "xfdd"))
    assert "🔴重大隐患（挂牌督办）" in department and "治理方案：0/6 项" in department
    await rectify(world, "YH-2026-000001", [scene(101)])
    await sweep(world.app)
    department_card = card(world, world.dept_group, "xfdd")
    assert "下一步：等待县消防救援大队验收（须先补齐治理方案 6 项）" in shown(department_card)
    assert "验收通过" not in buttons(department_card) and "填写治理方案" in buttons(department_card)
    submitted = await world.until(world.dept_group.id, "已提交整改")
    assert "须先补齐治理方案才能验收通过（销号），还差 6 项" in submitted["plain_text"]


async def test_a_photo_card_is_edited_in_its_caption(world: World) -> None:
    member, _ = await filed(world, [scene(102)])
    department = card(world, world.dept_group, "xfdd")
    assert department["photo"] and "状态：已上报" in shown(department)
    await accept_in_topic(world, member, department)
    await sweep(world.app)
    department = card(world, world.dept_group, "xfdd")
    assert department["photo"] and "状态：整改中" in shown(department)
    assert set(buttons(department)) == {"移送"}


async def test_a_card_that_can_no_longer_be_edited_is_posted_anew(world: World) -> None:
    member, _ = await filed(world, [])
    old = anchors(world)["xfdd"]
    await press_as(world, member, card(world, world.dept_group, "xfdd"), "受理定级")  # the question is open ...
    world.api.chat(world.dept_group).messages[old].deleted = True  # ... when someone deletes the card
    await press_as(world, member, await world.until(world.dept_group.id, "隐患等级"), "一般隐患")
    await world.until(world.dept_group.id, "整改期限")
    await press_as(world, member, await answer(world, member, world.dept_group, "十五日内"), "确认")
    await world.until(world.dept_group.id, "责任人")
    assert "已完成：受理定级" in (await answer(world, member, world.dept_group, "王五"))["plain_text"]
    await sweep(world.app)
    new = anchors(world)["xfdd"]
    assert new != old
    reposted = world.api.chat(world.dept_group).messages[new]
    assert "状态：整改中" in shown(reposted) and reposted["message_thread_id"] == card(world, world.dept_group,
                                                                                     "xfdd")["message_thread_id"]
    with sqlite3.connect(world.database()) as conn:
        assert conn.execute("SELECT state FROM hazards").fetchone() == ("rectifying",)


async def test_an_edit_refused_for_now_is_retried_and_the_transition_stands(world: World) -> None:
    member, _ = await filed(world, [])
    fault = world.api.fail_next("editMessageText", 429, retry_after=60, times=5)
    await accept_in_topic(world, member, card(world, world.dept_group, "xfdd"))
    with sqlite3.connect(world.database()) as conn:
        assert conn.execute("SELECT state FROM hazards").fetchone() == ("rectifying",)  # committed first
    await sweep(world.app)
    assert fault.hits >= 1 and "状态：已上报" in shown(card(world, world.dept_group, "xfdd"))
    world.api.clear_faults()
    await world.restart()  # the edit is outbox work: it survives a restart
    world.clock.advance(timedelta(seconds=61))
    await sweep(world.app)
    assert "状态：整改中" in shown(card(world, world.dept_group, "xfdd"))
    assert "状态：整改中" in shown(card(world, world.town_group, "cgz"))


def answer_buttons_left(world: World, chat: Any) -> list[str]:
    """The texts of the bot's messages in the chat that still carry a question's answer buttons (h1a:…)."""
    left = []
    for message in world.api.chat(chat).messages.values():
        markup = message.get("reply_markup") or {}
        data = [b.get("callback_data") or "" for row in markup.get("inline_keyboard", []) for b in row]
        if any(d.startswith("h1a:") for d in data):
            left.append(shown(message))
    return left


async def test_a_questions_buttons_come_off_once_it_is_answered(world: World) -> None:
    """受理定级's questions (grade, 用默认期限 answered by typing, 确认, the person), 提交整改's photos (完成 under
    each photo) and 验收's (无意见, 确认): once answered, none of their buttons is left to press."""
    member, _ = await filed(world, [scene(1)])
    await accept_in_topic(world, member, card(world, world.dept_group, "xfdd"))
    assert answer_buttons_left(world, world.dept_group) == []
    await sweep(world.app)  # the officer's 已受理 notice, with 提交整改
    await rectify(world, "YH-2026-000001", [scene(2), scene(3)])
    assert answer_buttons_left(world, world.officer.id) == []
    await sweep(world.app)
    notice = next(m for m in reversed(world.api.sent(world.dept_group.id)) if "验收通过" in buttons(m))
    await verify(world, member, notice)
    assert answer_buttons_left(world, world.dept_group) == []
