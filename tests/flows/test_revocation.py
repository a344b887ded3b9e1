"""Roles can be taken away and links do not leak (issue 13, part 4): removing members, revoking invites, the
configured admins as the truth, private-only commands, what a group may see, and answers that belong to the chat
and topic where their question was asked."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from tests.flows.conftest import World
from tests.flows.steps import accept, answer, buttons, events, file_hazard, finish, press_as, ready, report_until_photos


def rows(world: World, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with sqlite3.connect(world.database()) as conn:
        return conn.execute(sql, params).fetchall()


async def test_a_line_in_another_group_is_not_the_answer_to_a_question_asked_elsewhere(world: World) -> None:
    """The admin opened 移送 in the department's topic, then in the township's group; a chat line in the department
    group's General topic is not the township question's reason (it used to be, and moved the hazard)."""
    await ready(world)
    card, town_card = await file_hazard(world)
    await press_as(world, world.admin, card, "移送")  # its question waits in the department's topic …
    await world.until(world.dept_group.id, "移送的单位")
    await press_as(world, world.admin, town_card, "移送")  # … and this one in the township's group (no topics)
    units = await world.until(world.town_group.id, "移送的单位")
    await press_as(world, world.admin, units, "县应急管理局")
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
    hint = await world.api.expect(world.town_group.id)  # a stranger's command: only the group's one join hint a day
    assert "私聊管理员索取邀请链接" in hint["plain_text"] and "start=" not in hint["plain_text"]
    await world.api.send_text(world.stranger, "/invite e01 安全员", chat=world.town_group)
    await world.api.expect_nothing(world.town_group.id)  # and then nothing at all
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


async def _remove(world: World, user: Any) -> str:
    """The admin removes `user`: /remove, then 确认移除; returns what the confirmation turned into."""
    asked = await world.command(world.admin, f"/remove {user.id}")
    assert "确认移除" in asked["plain_text"], asked["plain_text"]
    await world.api.press(world.admin, asked, buttons(asked)["确认移除"])
    return (await world.api.expect_edit(world.admin.id)).message["plain_text"]


async def _department_member(world: World) -> Any:
    member = world.api.add_user(first_name="消防一")
    world.api.set_member(world.dept_group, member)
    world.api.set_member(world.town_group, member)
    await world.join(member, "xfdd", "成员")
    return member


async def test_members_are_listed_and_a_removal_is_confirmed_logged_and_at_once(world: World) -> None:
    await ready(world)
    member = await _department_member(world)
    card, _ = await file_hazard(world)
    listed = await world.command(world.admin, "/members xfdd")
    assert "消防一 · 成员" in listed["plain_text"] and str(member.id) in listed["plain_text"]
    officers = await world.command(world.admin, "/members e01")
    assert "张 安全 · 安全员" in officers["plain_text"]
    assert "用法" in (await world.command(world.admin, "/members"))["plain_text"]
    assert "没有编号" in (await world.command(world.admin, "/members zzz"))["plain_text"]

    asked = await world.command(world.admin, f"/remove {member.id}")  # 取消 keeps them
    await world.api.press(world.admin, asked, buttons(asked)["取消"])
    assert "未移除" in (await world.api.expect_edit(world.admin.id)).message["plain_text"]
    assert "消防一" in (await world.command(world.admin, "/members xfdd"))["plain_text"]

    await press_as(world, member, card, "受理定级")  # a question open in the topic when the removal comes
    grade_question = await world.until(world.dept_group.id, "隐患等级")
    assert "已移除 消防一（县消防救援大队 · 成员）" in await _remove(world, member)
    refused = await world.api.press(member, grade_question, buttons(grade_question)["一般隐患"])
    assert "已被管理员移除" in (await world.api.wait_callback_answer(refused))["text"]
    refused = await world.api.press(member, card, buttons(card)["受理定级"])
    assert "已被管理员移除" in (await world.api.wait_callback_answer(refused))["text"]
    for command in ["/my", "/show YH-2026-000001", "/stats", "/help"]:
        told = await world.command(member, command)
        assert "已被管理员移除" in told["plain_text"] and "YH-2026" not in told["plain_text"], command
    await world.api.send_text(member, "/stats", chat=world.dept_group)
    await world.api.expect_nothing(world.dept_group.id)  # in the group: nothing said, nothing shown
    assert [a for a, _ in events(world)] == ["report"]
    assert "消防一" not in (await world.command(world.admin, "/members xfdd"))["plain_text"]
    assert rows(world, "SELECT actor_id, action, telegram_id, role, unit_id FROM membership_log") == [
        (world.admin.id, "remove", member.id, "member", "xfdd")]
    assert rows(world, "SELECT display_name FROM members WHERE telegram_id = ?", (member.id,)) == [("消防一",)]

    await world.restart()  # still refused after a restart
    assert "已被管理员移除" in (await world.command(member, "/my"))["plain_text"]
    await world.join(member, "xfdd", "负责人")  # a new invite lets them in again
    assert "负责人" in (await world.command(member, "/help"))["plain_text"]


async def test_a_removed_officers_open_report_and_a_removed_members_open_action_change_nothing(world: World) -> None:

    await ready(world)
    member = await _department_member(world)
    card, _ = await file_hazard(world)
    await press_as(world, member, card, "移送")
    await press_as(world, member, await world.until(world.dept_group.id, "移送的单位"), "县应急管理局")
    await world.until(world.dept_group.id, "理由")
    confirm_card = await finish(world, await report_until_photos(world))  # the officer's second report, unsent

    await _remove(world, member)
    await _remove(world, world.officer)
    await answer_nothing(world, member, world.dept_group, card["message_thread_id"], "属危化品储存")
    pressed = await world.api.press(world.officer, confirm_card, buttons(confirm_card)["提交"])
    assert "已被管理员移除" in (await world.api.wait_callback_answer(pressed))["text"]
    assert rows(world, "SELECT code, department_id FROM hazards") == [("YH-2026-000001", "xfdd")]
    assert [a for a, _ in events(world)] == ["report"]
    assert not world.app.user_data.get(world.officer.id) and not world.app.user_data.get(member.id)


async def answer_nothing(world: World, user: Any, chat: Any, thread_id: int | None, text: str) -> None:
    """`user` types `text` in the topic; the bot says nothing there."""
    await world.api.send_text(user, text, chat=chat, thread_id=thread_id)
    await world.api.expect_nothing(chat.id)


async def test_configured_admins_and_oneself_cannot_be_removed_and_only_admins_press(world: World) -> None:
    await ready(world)
    member = await _department_member(world)
    assert "自己" in (await world.command(world.admin, f"/remove {world.admin.id}"))["plain_text"]
    deputy = world.api.add_user(first_name="副管理员")
    world.settings = world.settings.model_copy(update={"admin_ids": frozenset({world.admin.id, deputy.id})})
    await world.restart()
    await world.command(deputy, "/help")  # registered on first contact
    assert "HAZARD_ADMIN_IDS" in (await world.command(world.admin, f"/remove {deputy.id}"))["plain_text"]
    assert "不是本系统的成员" in (await world.command(world.admin, f"/remove {world.stranger.id}"))["plain_text"]
    assert "用法" in (await world.command(world.admin, "/remove 张三"))["plain_text"]
    assert "仅限管理员" in (await world.command(member, f"/remove {world.officer.id}"))["plain_text"]
    asked = await world.command(world.admin, f"/remove {world.officer.id}")
    forged = await world.api.press(world.admin, asked, f"rm1:{world.admin.id}:ok")
    assert "自己" in (await world.api.wait_callback_answer(forged))["text"]
    for data in ["rm1", "rm1:x:ok", "rm1:99999999999999999999:ok", "iv1:", "iv1:99999999999999999999", ""]:
        forged = await world.api.press(world.admin, asked, data)
        assert "无效" in (await world.api.wait_callback_answer(forged))["text"], data
    assert rows(world, "SELECT COUNT(*) FROM membership_log") == [(0,)]
    assert rows(world, "SELECT COUNT(*) FROM members WHERE removed_at IS NULL") == [(4,)]


async def test_invites_are_listed_and_revoked_and_a_removed_admins_links_die_with_them(world: World) -> None:
    first = (await world.command(world.admin, "/invite e01 安全员"))["plain_text"].split("start=")[1].split()[0]
    second = (await world.command(world.admin, "/invite cgz 成员"))["plain_text"].split("start=")[1].split()[0]
    listed = await world.command(world.admin, "/invites")
    assert "共 2 个" in listed["plain_text"] and "示范化工有限公司 · 安全员" in listed["plain_text"]
    assert first not in listed["plain_text"] and set(buttons(listed)) == {"撤销 1", "撤销 2"}
    revoke_first = buttons(listed)["撤销 1"]
    await world.api.press(world.admin, listed, revoke_first)
    edited = (await world.api.expect_edit(world.admin.id)).message
    assert "已撤销邀请链接：示范化工有限公司 · 安全员" in edited["plain_text"] and "共 1 个" in edited["plain_text"]
    again = await world.api.press(world.admin, listed, revoke_first)  # a double tap
    assert "已被使用、撤销" in (await world.api.wait_callback_answer(again))["text"]
    assert "已被管理员撤销" in (await world.command(world.officer, f"/start {first}"))["plain_text"]
    assert "加入成功" in (await world.command(world.officer, f"/start {second}"))["plain_text"]
    assert "没有未使用" in (await world.command(world.admin, "/invites"))["plain_text"]

    deputy = world.api.add_user(first_name="副管理员")
    await world.join(deputy, "awb", "管理员")
    link = (await world.command(deputy, "/invite e01 安全员"))["plain_text"].split("start=")[1].split()[0]
    assert "已移除 副管理员" in await _remove(world, deputy)
    assert "已被管理员撤销" in (await world.command(world.stranger, f"/start {link}"))["plain_text"]
    assert rows(world, "SELECT action, role FROM membership_log ORDER BY id") == [
        ("revoke_invite", "officer"), ("remove", "admin"), ("revoke_invite", "officer")]
    assert rows(world, "SELECT COUNT(*) FROM members WHERE telegram_id = ? AND removed_at IS NULL",
                (world.stranger.id,)) == [(0,)]


async def test_an_admin_taken_out_of_the_settings_loses_the_role_at_the_next_start(world: World) -> None:
    other = world.api.add_user(first_name="前任管理员")
    world.settings = world.settings.model_copy(update={"admin_ids": frozenset({world.admin.id, other.id})})
    await world.restart()
    assert "您是管理员" in (await world.command(other, "/help"))["plain_text"]
    world.settings = world.settings.model_copy(update={"admin_ids": frozenset({world.admin.id})})
    await world.restart()
    for command in ["/export", "/my", "/invite e01 安全员"]:
        told = (await world.command(other, command))["plain_text"] or ""  # a document (the ledger) has no text
        assert "已被管理员移除" in told and "start=" not in told, command
    assert world.api.calls("sendDocument") == []
    assert rows(world, "SELECT actor_id, action, telegram_id FROM membership_log") == [
        (None, "admin_unconfigured", other.id)]
    assert "您是管理员" in (await world.command(world.admin, "/help"))["plain_text"]  # the one still configured


async def test_a_removed_reporter_hears_no_more_of_their_hazards(world: World) -> None:
    """Notices about a hazard went to its reporter for ever, also after their membership ended."""
    from bot.jobs import sweep

    await ready(world)
    member = await _department_member(world)
    card, _ = await file_hazard(world)
    await _remove(world, world.officer)
    await accept(world, member, card)
    await sweep(world.app)
    await world.until(world.town_group.id, "王五")  # the notice went out to the township's group …
    await world.api.expect_nothing(world.officer.id)  # … and not to the removed reporter


@pytest.mark.parametrize("overrides", [{"conversation_timeout_seconds": 2.5}])
async def test_a_removed_officers_open_report_does_not_time_out_later_with_a_message(world: World) -> None:
    await ready(world)
    assert "请描述" in (await world.command(world.officer, "/report"))["plain_text"]
    await _remove(world, world.officer)
    await world.api.expect_nothing(world.officer.id, within=4.0)  # past the time-out: not a word
