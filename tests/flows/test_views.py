"""Records and views officials expect (issue 12 §6): 上报人 and weekdays on cards, /show's 处理记录, /my's badges and
filters, escalations that name who is responsible and offer 查看详情 and 催办."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from bot.jobs import sweep
from domain.lifecycle import Action, available_actions
from sandbox.images import sample_jpeg
from sandbox.model import Message
from tests.flows.conftest import World
from tests.flows.steps import (
    answer,
    buttons,
    file_hazard,
    finish,
    local,
    people,
    press_as,
    ready,
    report_until_photos,
    rows,
    submit,
)
from views.keyboards import member_viewer


async def test_cards_name_the_reporter_and_write_times_with_the_weekday(world: World) -> None:
    await ready(world)
    card, town_card = await file_hazard(world)
    for delivered in (card, town_card):
        text = delivered["plain_text"] or delivered["plain_caption"]
        assert "上报时间：2026年11月23日（星期一）10:00" in text
        assert "上报人：张 安全（示范化工有限公司）" in text
    shown = await world.command(world.officer, "/show YH-2026-000001")
    assert "上报人：张 安全（示范化工有限公司）" in shown["plain_text"]


async def _accept(world: World, member: Any, card: Message, deadline: str) -> None:
    """受理定级 as tests.flows.test_lifecycle.accept, for any day (the echo is not checked)."""
    group = world.dept_group
    await press_as(world, member, card, "受理定级")
    await press_as(world, member, await world.until(group.id, "请确定隐患等级"), "一般隐患")
    await world.until(group.id, "请输入整改期限")
    await press_as(world, member, await answer(world, member, group, deadline), "确认")
    await world.until(group.id, "责任人")
    assert "已完成：受理定级" in (await answer(world, member, group, "王五 仓库主管"))["plain_text"]


async def test_show_records_who_did_what_escalations_and_late_steps(world: World) -> None:
    await ready(world)
    member, _, lead = await people(world)
    card, _ = await file_hazard(world)  # Monday 23rd 10:00; 受理 due in one working day: Tuesday 10:00
    world.clock.set(local(11, 24, 15, 30))  # accepted five and a half hours past the limit
    await _accept(world, member, card, "11月26日18点")
    world.clock.set(local(11, 27, 9))  # Friday: a working day overdue, the township's lead is told
    await sweep(world.app)
    await world.until(lead.id, "逾期 1 个工作日")
    nudge = await world.until(world.officer.id, "已超过整改期限")
    await press_as(world, world.officer, nudge, "提交整改")
    await world.until(world.officer.id, "整改措施")
    await answer(world, world.officer, None, "已更换灭火器")
    await world.api.send_photo(world.officer, sample_jpeg(label="after"))
    await press_as(world, world.officer, await world.until(world.officer.id, "第 1 张"), "完成")
    await world.until(world.officer.id, "已完成：提交整改")

    shown = (await world.command(world.officer, "/show YH-2026-000001"))["plain_text"]
    record = shown.split("处理记录\n")[1].splitlines()
    assert record[0] == "2026年11月23日（星期一）10:00 张 安全（示范化工有限公司 安全员） 上报 → 已上报"
    assert record[1] == (
        "2026年11月24日（星期二）15:30 消防一（县消防救援大队 成员） 受理定级 → 整改中：一般隐患，"
        "整改期限 2026年11月26日（星期四）18:00，企业责任人 王五 仓库主管（⏰ 超过受理时限 5 小时 30 分钟）")
    assert record[2] == "2026年11月27日（星期五）09:00 ⚠️ 系统发出逾期升级提醒（逾期 1 个工作日），已告知：乡镇负责人"
    assert record[3] == (
        "2026年11月27日（星期五）09:00 张 安全（示范化工有限公司 安全员） 提交整改 → 待验收："
        "整改措施 已更换灭火器（照片 1 张）（⏰ 逾期 15 小时 提交）")


async def _my(world: World, user: Any, view: str | None = None) -> str:
    """/my, then (if `view`) its filter button pressed: the page's text."""
    await world.api.send_text(user, "/my")
    page = await world.until(user.id, "隐患清单")
    if view is None:
        return str(page["plain_text"])
    await world.api.press(user, page, buttons(page)[view])
    return str((await world.api.expect_edit(user.id)).message["plain_text"])


def _codes(text: str) -> set[str]:
    return set(re.findall(r"YH-2026-\d{6}", text))


async def test_my_shows_badges_and_filters_by_what_waits_for_the_caller(world: World) -> None:
    await ready(world)
    member, _, lead = await people(world)
    first, _ = await file_hazard(world)  # 000001: accepted below, then overdue
    await submit(world, await finish(world, await report_until_photos(world), grade="重大隐患"))  # 000002: 重大
    await world.until(world.dept_group.id, "YH-2026-000002")
    await file_hazard(world)  # 000003: left 已上报
    await _accept(world, member, first, "11月26日18点")
    world.clock.set(local(11, 28, 10))  # Saturday: 000001 two days overdue

    page = await _my(world, world.officer)
    assert "<b>" not in page and "【整改中】 期限 2026年11月26日（星期四）18:00 ⏰逾期 2 天" in page
    assert "YH-2026-000002 【已上报】 🔴重大" in page
    # 待我处理 is what the lifecycle gives each caller a button for (移送 aside): checked hazard by hazard
    services = world.app.bot_data.services
    for user in (world.officer, member, lead, world.admin):
        listed = _codes(await _my(world, user, "待我处理"))
        person = await services.members.get_member(user.id)
        assert person is not None
        actor = member_viewer(services.org, person)
        expected = set()
        for hazard_id, code in ((1, "YH-2026-000001"), (2, "YH-2026-000002"), (3, "YH-2026-000003")):
            facts = await services.lifecycle.get_facts(hazard_id)
            assert facts is not None
            if set(available_actions(facts, actor)) - {Action.TRANSFER}:
                expected.add(code)
        assert listed == expected, (user.first_name, listed, expected)
    assert _codes(await _my(world, world.officer, "待我处理")) == {"YH-2026-000001", "YH-2026-000002"}
    assert _codes(await _my(world, member, "待我处理")) == {"YH-2026-000002", "YH-2026-000003"}
    assert "暂无待您处理的隐患" in await _my(world, lead, "待我处理")
    overdue = await _my(world, member, "逾期")
    assert _codes(overdue) == {"YH-2026-000001"} and "隐患清单 · 逾期（第 1–1 条，共 1 条）" in overdue
    assert _codes(await _my(world, member, "重大")) == {"YH-2026-000002"}
    assert "暂无已办结的隐患" in await _my(world, member, "已办结")
    # a forged filter or offset changes nothing and is refused
    await world.api.send_text(member, "/my")
    page_message = await world.until(member.id, "隐患清单")
    for forged in ("my2:nope:0", "my2:todo:5", "my2:todo"):
        answer_id = await world.api.press(member, page_message, forged)
        assert "无效" in (await world.api.wait_callback_answer(answer_id))["text"]


async def test_escalations_name_who_answers_and_offer_details_and_urging(world: World) -> None:
    await ready(world)
    member, _, lead = await people(world)
    card, _ = await file_hazard(world)
    await _accept(world, member, card, "11月26日18点")
    world.clock.set(local(11, 27, 9))  # Friday: one working day overdue, the township's lead is told
    await sweep(world.app)
    escalation = await world.until(lead.id, "逾期 1 个工作日")
    assert "责任单位：县消防救援大队（行业主管）、城关镇（属地）\n企业责任人：王五 仓库主管" in escalation["plain_text"]
    offered = buttons(escalation)
    assert list(offered) == ["移送", "🔎 查看详情", "📣 催办"]
    assert all(len(data.encode()) <= 64 for data in offered.values())
    nudge = await world.until(world.officer.id, "已超过整改期限")
    assert "企业责任人：王五 仓库主管" in nudge["plain_text"]
    assert "🔎 查看详情" in buttons(nudge) and "📣 催办" not in buttons(nudge)  # the officer is no lead

    # 查看详情: the card and the 处理记录, as /show
    await world.api.press(lead, escalation, offered["🔎 查看详情"])
    details = await world.until(lead.id, "处理记录")
    assert "上报人：张 安全（示范化工有限公司）" in details["plain_text"] and "逾期升级提醒" in details["plain_text"]
    outsider = world.api.add_user(first_name="河西乡成员")
    await world.join(outsider, "hsx", "成员")
    own = await world.command(outsider, "/help")
    peeked = await world.api.press(outsider, own, offered["🔎 查看详情"])  # forged, not theirs: nothing is shown
    assert "无效" in (await world.api.wait_callback_answer(peeked))["text"]
    await world.api.expect_nothing(outsider.id)

    # 催办: the unit's groups are pressed, the audit log has it, a second press within the cool-down does nothing
    await world.api.press(lead, escalation, offered["📣 催办"])
    assert "已完成：催办" in (await world.until(lead.id, "催办"))["plain_text"]
    await sweep(world.app)
    urged = await world.until(world.dept_group.id, "催办：请尽快处理此隐患")
    assert "城关镇长" in urged["plain_text"] and "当前：整改中" in urged["plain_text"]
    await world.until(world.town_group.id, "催办：请尽快处理此隐患")
    assert rows(world, "SELECT action, actor_id, to_state FROM events WHERE action = 'urge'") == [
        ("urge", lead.id, "rectifying")]
    world.clock.advance(timedelta(hours=1))
    await world.api.press(lead, escalation, offered["📣 催办"])
    assert "4 小时内只催办一次" in (await world.until(lead.id, "催办"))["plain_text"]
    forged = await world.api.press(world.officer, nudge, offered["📣 催办"])  # not a lead: refused on the server
    assert "不能进行" in (await world.api.wait_callback_answer(forged))["text"]
    assert rows(world, "SELECT COUNT(*) FROM events WHERE action = 'urge'") == [(1,)]
    world.clock.advance(timedelta(hours=4))  # after the cool-down, once more
    await world.api.press(lead, escalation, offered["📣 催办"])
    assert "已完成：催办" in (await world.until(lead.id, "催办"))["plain_text"]
    shown = (await world.command(lead, "/show YH-2026-000001"))["plain_text"]
    assert "2026年11月27日（星期五）09:00 城关镇长（城关镇 负责人） 催办" in shown
    # the officer rectifies: the cards are refreshed and earlier messages lose the buttons no longer valid, while the
    # escalation keeps 查看详情 and 催办 (still open)
    await press_as(world, world.officer, nudge, "提交整改")
    await world.until(world.officer.id, "整改措施")
    await answer(world, world.officer, None, "已更换灭火器")
    await world.api.send_photo(world.officer, sample_jpeg(label="after"))
    await press_as(world, world.officer, await world.until(world.officer.id, "第 1 张"), "完成")
    await world.until(world.officer.id, "已完成：提交整改")
    await sweep(world.app)
    kept = next(m for m in world.api.messages(lead.id) if m.message_id == escalation["message_id"])
    assert [b["text"] for b in kept.buttons] == ["移送", "🔎 查看详情", "📣 催办"]
    nudged = next(m for m in world.api.messages(world.officer.id) if m.message_id == nudge["message_id"])
    assert [b["text"] for b in nudged.buttons] == ["🔎 查看详情"]  # 提交整改 and 申请延期 are done with
