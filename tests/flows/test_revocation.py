"""Roles can be taken away and links do not leak (issue 13, part 4): removing members, revoking invites, the
configured admins as the truth, private-only commands, what a group may see, and answers that belong to the chat
and topic where their question was asked."""

from __future__ import annotations

import sqlite3
from typing import Any

from tests.flows.conftest import World
from tests.flows.test_lifecycle import answer, events, file_hazard, press
from tests.flows.test_report import ready


def rows(world: World, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with sqlite3.connect(world.database()) as conn:
        return conn.execute(sql, params).fetchall()


async def test_a_line_in_another_group_is_not_the_answer_to_a_question_asked_elsewhere(world: World) -> None:
    """The admin opened 移送 in the department's topic, then in the township's group; a chat line in the department
    group's General topic is not the township question's reason (it used to be, and moved the hazard)."""
    await ready(world)
    card, town_card = await file_hazard(world)
    await press(world, world.admin, card, "移送")  # its question waits in the department's topic …
    await world.until(world.dept_group.id, "移送的单位")
    await press(world, world.admin, town_card, "移送")  # … and this one in the township's group (no topics)
    units = await world.until(world.town_group.id, "移送的单位")
    await press(world, world.admin, units, "县应急管理局")
    await world.until(world.town_group.id, "理由")
    await world.api.send_text(world.admin, "大家下午好", chat=world.dept_group)  # the General topic
    await world.api.expect_nothing(world.dept_group.id)
    await world.api.expect_nothing(world.town_group.id)
    assert [a for a, _ in events(world)] == ["report"]
    assert rows(world, "SELECT department_id FROM hazards") == [("xfdd",)]
    done = await answer(world, world.admin, world.town_group, "属危化品储存")  # the answer where it was asked
    assert "已完成：移送" in done["plain_text"]
    assert rows(world, "SELECT reason FROM events WHERE action = 'transfer'") == [("属危化品储存",)]


async def test_invite_export_and_my_in_a_group_only_say_to_use_the_private_chat(world: World) -> None:
    """An /invite sent in a group posted an admin link there that a stranger redeemed; /export and /my posted the
    ledger and the list for the whole group to read."""
    await ready(world)
    await file_hazard(world)
    for command in ["/invite e01 管理员", "/invite cgz 管理员", "/export", "/my"]:
        answer_ = await world.command(world.admin, command, chat=world.town_group)
        assert "私聊" in answer_["plain_text"] and "start=" not in answer_["plain_text"], (command, answer_)
        assert "YH-2026" not in answer_["plain_text"]
    await world.api.expect_nothing(world.town_group.id)
    assert rows(world, "SELECT COUNT(*) FROM invites") == [(1,)]  # the officer's, from ready()
    assert world.api.calls("sendDocument") == []
    world.api.set_member(world.town_group, world.stranger)
    await world.api.send_text(world.stranger, "/invite e01 安全员", chat=world.town_group)
    await world.api.expect_nothing(world.town_group.id)  # a stranger's command is not answered at all
    mine = await world.command(world.admin, "/my")  # in private chat all three work as before
    assert "YH-2026-000001" in mine["plain_text"]
    created = await world.command(world.admin, "/invite e01 安全员")
    assert "start=" in created["plain_text"]


async def test_show_and_stats_in_a_group_show_what_both_the_caller_and_the_group_may_see(world: World) -> None:
    await ready(world)
    await file_hazard(world)  # 消防安全 at 示范化工 (城关镇): the department xfdd and the township cgz
    other_dept = world.api.add_group(title="县应急管理局", is_forum=False, members=[world.admin])
    await world.bind(other_dept, "yjj")
    unbound = world.api.add_group(title="闲聊群", is_forum=False, members=[world.admin, world.officer])

    shown = await world.command(world.admin, "/show YH-2026-000001", chat=world.town_group)
    assert "二号仓库" in shown["plain_text"]  # the admin and 城关镇 may both see it
    hidden = await world.command(world.admin, "/show YH-2026-000001", chat=other_dept)
    assert "没有找到" in hidden["plain_text"] and "二号仓库" not in hidden["plain_text"]  # 应急管理局 may not
    for command in ["/show YH-2026-000001", "/stats"]:
        told = await world.command(world.admin, command, chat=unbound)
        assert "尚未绑定" in told["plain_text"] and "二号仓库" not in told["plain_text"], command
        told = await world.command(world.officer, command, chat=unbound)
        assert "尚未绑定" in told["plain_text"], command
    await world.api.expect_nothing(unbound.id)

    county = await world.command(world.admin, "/stats")
    assert "隐患统计 · 全县" in county["plain_text"]
    in_dept = await world.command(world.admin, "/stats", chat=world.dept_group)
    assert "隐患统计 · 县消防救援大队" in in_dept["plain_text"]  # the group's unit, not the county
    member = world.api.add_user(first_name="消防一")
    world.api.set_member(world.town_group, member)
    world.api.set_member(world.dept_group, member)
    await world.join(member, "xfdd", "成员")
    own = await world.command(member, "/stats", chat=world.dept_group)
    assert "隐患统计 · 县消防救援大队" in own["plain_text"]
    elsewhere = await world.command(member, "/stats", chat=world.town_group)
    assert "私聊" in elsewhere["plain_text"] and "隐患统计" not in elsewhere["plain_text"]
