"""The closed loop through the bot: accept with a Chinese deadline, reminders and escalation on a fake
clock, rectification, verification, 回头看; stale buttons and double presses change nothing."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from bot.jobs import sweep
from outbound.sweep import PAGE
from sandbox.images import sample_jpeg
from tests.flows.conftest import World
from tests.flows.steps import (
    accept,
    accepted,
    answer,
    asked_for_a_deadline,
    buttons,
    events,
    file_hazard,
    people,
    press_as,
    ready,
    recheck_pass,
    submit_rectification,
    verify,
)


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
    await press_as(world, world.officer, nudge, "提交整改")
    measures_question = await world.api.expect(world.officer.id)
    assert "整改措施" in measures_question["plain_text"]
    photos_question = await answer(world, world.officer, None, "已更换灭火器，清理安全出口")
    await world.api.send_photo(world.officer, sample_jpeg(label="after"))
    received = await world.api.expect(world.officer.id)
    assert "第 1 张" in received["plain_text"] and photos_question
    await press_as(world, world.officer, received, "完成")
    assert "已完成：提交整改" in (await world.api.expect(world.officer.id))["plain_text"]

    # verification in the department's topic; a second member's press a moment later changes nothing
    await sweep(world.app)
    topic_notice = await world.until(world.dept_group.id, "已提交整改")
    await verify(world, member, topic_notice)
    second = await press_as(world, other_member, topic_notice, "验收通过")
    assert "已销号" in (await world.api.wait_callback_answer(second))["text"]

    # 30 days later the 回头看 falls due: the threads get the task, the township passes it
    world.clock.advance(timedelta(days=31))
    await sweep(world.app)  # one sweep starts the 回头看 and sends its task (not a sweep interval later)
    assert any("回头看：销号已满" in (m["plain_text"] or "") for m in world.api.sent(world.town_group.id))  # not waited
    task = await world.until(world.town_group.id, "回头看：销号已满")
    await recheck_pass(world, lead, task)
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
    member, _, _ = await asked_for_a_deadline(world)
    assert "没有具体日期" in (await answer(world, member, world.dept_group, "尽快"))["plain_text"]
    assert "已经过去了" in (await answer(world, member, world.dept_group, "昨天"))["plain_text"]
    assert "确认吗" in (await answer(world, member, world.dept_group, "本周五前"))["plain_text"]
    assert [a for a, _ in events(world)] == ["report"]


async def test_deadlines_as_officials_write_them(world: World) -> None:
    """春节前 is 除夕 of the next Spring Festival (lunar); 3天前 means ago and is asked again; 後天 is read."""
    member, _, _ = await asked_for_a_deadline(world)
    eve = await answer(world, member, world.dept_group, "春节前")
    assert "确认吗" in eve["plain_text"] and "2027年2月5日" in eve["plain_text"]
    assert "已经过去了" in (await answer(world, member, world.dept_group, "3天前"))["plain_text"]
    assert "确认吗" in (await answer(world, member, world.dept_group, "後天下午三時"))["plain_text"]
    assert [a for a, _ in events(world)] == ["report"]


async def test_talk_in_another_topic_is_not_taken_as_an_answer(world: World) -> None:
    """Asked for a deadline in the hazard's topic, the member's words in the group's other topics stay theirs."""
    member, card, asked = await asked_for_a_deadline(world)
    assert "请输入整改期限" in asked["plain_text"] and asked["message_thread_id"] == card["message_thread_id"]
    await world.api.send_text(member, "明天", chat=world.dept_group)  # the group's General topic
    await world.api.expect_nothing(world.dept_group.id)
    assert "确认吗" in (await answer(world, member, world.dept_group, "明天"))["plain_text"]
    assert [a for a, _ in events(world)] == ["report"]


async def test_an_open_question_survives_a_restart_and_a_lost_one_says_so(world: World) -> None:
    member, _, _ = await asked_for_a_deadline(world)
    await world.restart()  # a deploy: the question stays open
    assert "确认吗" in (await answer(world, member, world.dept_group, "明天"))["plain_text"]
    await world.restart()
    with sqlite3.connect(world.database()) as conn:  # this time its answers cannot be read back
        conn.execute("UPDATE sessions SET data = ? WHERE user_id = ?", (b"not a pickle", member.id))
    await world.restart()
    assert "没能恢复" in (await answer(world, member, world.dept_group, "明天"))["plain_text"]
    assert [a for a, _ in events(world)] == ["report"]


async def test_an_open_question_left_idle_while_the_bot_was_stopped_ends_at_start_in_its_topic(world: World) -> None:
    member, card, _ = await asked_for_a_deadline(world)
    await world.restart()
    world.clock.advance(timedelta(seconds=world.settings.conversation_timeout_seconds + 60))
    await world.restart()
    notice = await world.until(world.dept_group.id, "操作已超时取消")
    assert notice["message_thread_id"] == card["message_thread_id"]
    await world.api.send_text(member, "明天", chat=world.dept_group, thread_id=card["message_thread_id"])
    await world.api.expect_nothing(world.dept_group.id)  # no longer an answer
    assert [a for a, _ in events(world)] == ["report"]




async def test_extension_is_decided_by_the_unit_and_keeps_the_original_deadline(world: World) -> None:
    member, _, _, _ = await accepted(world)
    notice = world.api.sent(world.officer.id)[-1]
    await press_as(world, world.officer, notice, "申请延期")
    await world.until(world.officer.id, "理由")
    await answer(world, world.officer, None, "灭火器厂家缺货")
    echo = await answer(world, world.officer, None, "12月5日")
    assert "2026年12月5日（星期六）18:00" in echo["plain_text"]
    await press_as(world, world.officer, echo, "确认")
    await world.until(world.officer.id, "已完成：申请延期")
    await sweep(world.app)
    request = await world.until(world.dept_group.id, "申请延期至")
    await press_as(world, member, request, "同意延期")
    await world.until(world.dept_group.id, "已完成：同意延期")
    await sweep(world.app)
    approved = await world.until(world.officer.id, "同意延期")
    assert "延至 2026年12月5日" in approved["plain_text"] and "最初期限 2026年11月26日" in approved["plain_text"]
    with sqlite3.connect(world.database()) as conn:
        deadline, original = conn.execute("SELECT deadline, original_deadline FROM hazards").fetchone()
    assert deadline.startswith("2026-12-05T10:00") and original.startswith("2026-11-26T10:00")


async def test_refused_verification_goes_back_to_rectification(world: World) -> None:
    member, _, _, _ = await accepted(world)
    notice = world.api.sent(world.officer.id)[-1]
    await press_as(world, world.officer, notice, "提交整改")
    await world.until(world.officer.id, "整改措施")
    await answer(world, world.officer, None, "已整改")
    await world.api.send_photo(world.officer, sample_jpeg(label="after"))
    received = await world.until(world.officer.id, "第 1 张")
    await press_as(world, world.officer, received, "完成")
    await world.until(world.officer.id, "已完成：提交整改")
    await sweep(world.app)
    submitted = await world.until(world.dept_group.id, "已提交整改")
    await press_as(world, member, submitted, "退回整改")
    await world.until(world.dept_group.id, "理由")
    confirm = await answer(world, member, world.dept_group, "出口仍有杂物")
    assert "请确认退回整改" in confirm["plain_text"] and "出口仍有杂物" in confirm["plain_text"]
    await press_as(world, member, confirm, "确认")
    await world.until(world.dept_group.id, "已完成：退回整改")
    await sweep(world.app)
    assert "出口仍有杂物" in (await world.until(world.officer.id, "退回整改"))["plain_text"]
    assert [a for a, _ in events(world)][-2:] == ["submit", "verify_refuse"]
    assert events(world)[-1][1] == "rectifying"


async def test_a_reminder_replanned_away_while_the_sweep_holds_it_is_not_sent(world: World) -> None:
    """An action replans the hazard between the sweep reading a due row and sending it: the row is gone, not an
    error (it used to fail the recipients' insert on the foreign key and abort the sweep)."""
    await accepted(world)
    services = world.app.bot_data.services
    world.clock.advance(timedelta(days=3, hours=23))
    [row, *_] = await services.lifecycle.get_due(services.now(), 10)
    with sqlite3.connect(world.database()) as conn:  # what a replan in another update did meanwhile
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("DELETE FROM outbox WHERE key = ?", (row.key,))
    assert await services.lifecycle.claim_sends(row.key, [(world.officer.id, None, None)], False,
                                                services.now()) == ("gone", [])
    with sqlite3.connect(world.database()) as conn:
        assert conn.execute("SELECT COUNT(*) FROM outbox_sends WHERE key = ?", (row.key,)).fetchone() == (0,)


async def test_a_429_in_a_batch_delays_that_recipient_only(world: World) -> None:
    _, _, lead, _ = await accepted(world)
    world.clock.advance(timedelta(days=3, hours=23))  # Friday 09:00: nudge, threads, the township's lead
    fault = world.api.fail_next("sendMessage", 429, retry_after=30, when=lambda p: p.get("chat_id") == world.officer.id)
    await sweep(world.app)  # (a background sweep may have done the work: the effects are what count)
    assert fault.hits == 1
    assert not [m for m in world.api.sent(world.officer.id) if "已超过整改期限" in m["plain_text"]]
    assert "逾期 1 个工作日" in (await world.until(lead.id, "逾期"))["plain_text"]  # others went on
    with sqlite3.connect(world.database()) as conn:
        waiting = conn.execute("SELECT attempts, error FROM outbox_sends WHERE status = 'pending'").fetchall()
    # waiting, not a failed attempt (the one send policy: outbound.failures)
    assert len(waiting) == 1 and waiting[0][0] == 0 and "retry" in waiting[0][1].lower()
    world.clock.advance(timedelta(seconds=31))
    await sweep(world.app)
    nudges = [m for m in world.api.sent(world.officer.id) if "已超过整改期限" in m["plain_text"]]
    assert len(nudges) == 1
    await sweep(world.app)
    assert len([m for m in world.api.sent(world.officer.id) if "已超过整改期限" in m["plain_text"]]) == 1


async def test_reminders_wait_out_quiet_hours_and_weekends(world: World) -> None:
    await accepted(world)  # deadline Thursday 26th 18:00
    world.clock.advance(timedelta(hours=11, minutes=30))  # Monday 21:30: quiet hours
    await sweep(world.app)
    await world.api.expect_nothing(world.officer.id)
    with sqlite3.connect(world.database()) as conn:
        before = conn.execute("SELECT key, due_at FROM outbox WHERE kind = 'before' ORDER BY due_at").fetchall()
    # 3 days before is Monday 23rd 09:00 — already past when the deadline was set, so not planned;
    # 1 day before is Wednesday 25th 09:00 local, the morning of the day Thursday 08:30
    assert [due[:16] for _, due in before] == ["2026-11-25T01:00", "2026-11-26T00:30"]


async def test_reminders_due_while_the_bot_was_down_go_out_once_after_restart(world: World) -> None:
    _, _, lead, _ = await accepted(world)
    await world.restart()
    world.clock.advance(timedelta(days=3, hours=23, minutes=40))  # Friday 09:40: due at 09:00, sent late
    await sweep(world.app)
    escalation = await world.until(lead.id, "逾期 1 个工作日")
    assert "补发" in escalation["plain_text"]
    nudge = await world.until(world.officer.id, "已超过整改期限")
    assert "补发" in nudge["plain_text"]
    await world.restart()
    await sweep(world.app)
    await world.api.expect_nothing(lead.id)
    await world.api.expect_nothing(world.officer.id)




async def test_a_major_hazard_needs_its_six_part_plan_before_xiaohao(world: World) -> None:
    await ready(world)
    member, _, _ = await people(world)
    card, _ = await file_hazard(world)
    await press_as(world, member, card, "受理定级")
    await press_as(world, member, await world.api.expect(world.dept_group.id), "🔴重大隐患（挂牌督办）")
    await world.until(world.dept_group.id, "整改期限")
    await press_as(world, member, await answer(world, member, world.dept_group, "十五日内"), "确认")
    await world.until(world.dept_group.id, "责任人")
    await answer(world, member, world.dept_group, "王五")
    await sweep(world.app)
    accepted = await world.until(world.officer.id, "已受理")
    assert "【挂牌督办】" in accepted["plain_text"] and "重大隐患" in accepted["plain_text"]
    await submit_rectification(world)
    submitted = await world.until(world.dept_group.id, "已提交整改")
    assert "验收通过" not in buttons(submitted) and "填写治理方案" in buttons(submitted)
    forced = await world.api.press(member, submitted, "h1:1:verify_pass")
    assert "还缺" in (await world.api.wait_callback_answer(forced))["text"]
    for part in ["治理目标和任务", "方法和措施", "经费和物资", "负责机构和人员", "时限和要求", "安全措施和应急预案"]:
        await press_as(world, member, submitted, "填写治理方案")
        await press_as(world, member, await world.until(world.dept_group.id, "治理方案部分"), part)
        asked = await world.until(world.dept_group.id, "该部分内容")
        await world.api.send_text(member, f"{part}：已落实", chat=world.dept_group,
                                  thread_id=asked["message_thread_id"])
        await world.until(world.dept_group.id, "已完成：填写治理方案")
    await sweep(world.app)
    last = [m for m in world.api.sent(world.dept_group.id) if "验收通过" in buttons(m)][-1]
    await verify(world, member, last)
    assert events(world)[-1] == ("verify_pass", "closed")


async def test_rebound_at_the_recheck_reopens_rectification_and_is_counted(world: World) -> None:
    member, _, lead, _ = await accepted(world)
    await submit_rectification(world)
    await verify(world, member, await world.until(world.dept_group.id, "已提交整改"))
    world.clock.advance(timedelta(days=31))
    await sweep(world.app)
    await sweep(world.app)
    task = await world.until(world.town_group.id, "回头看：销号已满")
    await press_as(world, lead, task, "发现反弹")
    await world.until(world.town_group.id, "理由")
    await answer(world, lead, world.town_group, "安全出口又被堵")
    await world.api.send_photo(lead, sample_jpeg(label="rebound"), chat=world.town_group)
    await press_as(world, lead, await world.until(world.town_group.id, "第 1 张"), "完成")
    await world.until(world.town_group.id, "整改期限")
    await press_as(world, lead, await answer(world, lead, world.town_group, "7天内"), "确认")
    await world.until(world.town_group.id, "已完成：发现反弹")
    with sqlite3.connect(world.database()) as conn:
        assert conn.execute("SELECT state, rebounds FROM hazards").fetchone() == ("rectifying", 1)
        assert conn.execute("SELECT COUNT(*) FROM hazard_photos WHERE stage LIKE 'rebound:%'").fetchone() == (1,)


async def test_transfer_opens_a_thread_in_the_new_units_group(world: World) -> None:
    await ready(world)
    member, _, _ = await people(world)
    card, _ = await file_hazard(world)
    other_dept = world.api.add_group(title="县应急管理局", is_forum=True, members=[world.admin])
    await world.bind(other_dept, "yjj")
    await press_as(world, member, card, "移送")
    await press_as(world, member, await world.until(world.dept_group.id, "移送的单位"), "县应急管理局")
    await world.until(world.dept_group.id, "理由")
    assert "已完成：移送" in (await answer(world, member, world.dept_group, "属危化品储存"))["plain_text"]
    opened = await world.api.expect(other_dept.id)
    assert "YH-2026-000001" in opened["plain_text"] and "受理定级" in buttons(opened)
    with sqlite3.connect(world.database()) as conn:
        assert conn.execute("SELECT department_id FROM hazards").fetchone() == ("yjj",)
    await sweep(world.app)
    assert "移送至县应急管理局" in (await world.until(world.dept_group.id, "移送至"))["plain_text"]


async def test_show_tells_the_deadline_and_the_person_responsible(world: World) -> None:
    await accepted(world)
    shown = await world.command(world.officer, "/show YH-2026-000001")
    assert "整改期限：2026年11月26日（星期四）18:00" in shown["plain_text"]
    assert "企业责任人：王五 仓库主管" in shown["plain_text"] and "受理定级 → 整改中" in shown["plain_text"]


async def test_overdue_climbs_the_whole_ladder_once_per_step(world: World) -> None:
    _, _, township_lead, _ = await accepted(world)  # deadline Thursday 26th 18:00
    office_group = world.api.add_group(title="县安委办", is_forum=False, members=[world.admin])
    await world.bind(office_group, "awb")
    department_lead = world.api.add_user(first_name="消防大队长")
    await world.join(department_lead, "xfdd", "负责人")
    # 1 working day: Fri 27th; 3: Tue Dec 1st; 7: Mon Dec 7th (09:00 each) — sweep every day until then
    for _ in range(15):
        world.clock.advance(timedelta(days=1))
        await sweep(world.app)
    township = [m for m in world.api.sent(township_lead.id) if "🔺" in m["plain_text"]]
    department = [m for m in world.api.sent(department_lead.id) if "🔺" in m["plain_text"]]
    office = [m for m in world.api.sent(office_group.id) if "🔺" in m["plain_text"]]
    assert len(township) == len(department) == len(office) == 1
    assert "逾期 3 个工作日" in department[0]["plain_text"] and "乡镇负责人" in department[0]["plain_text"]
    assert "逾期 7 个工作日" in office[0]["plain_text"] and "行业部门负责人" in office[0]["plain_text"]
    nudges = [m for m in world.api.sent(world.officer.id) if "已超过整改期限" in m["plain_text"]]
    assert len(nudges) == 8  # working days Nov 27 – Dec 8 (一般 is nudged on working days), once each


async def test_rows_waiting_out_a_long_429_do_not_hold_back_the_rows_behind_them(world: World) -> None:
    await accepted(world)
    world.clock.advance(timedelta(days=3, hours=23))  # Friday 09:00: nudge, threads, the township's lead
    world.api.fail_next("sendMessage", 429, retry_after=3600, times=50)  # every recipient is flooded
    await sweep(world.app)
    with sqlite3.connect(world.database()) as conn:
        waiting = conn.execute("SELECT COUNT(*) FROM outbox_sends WHERE status = 'pending'").fetchone()[0]
    assert waiting >= 3
    services = world.app.bot_data.services
    assert await services.lifecycle.get_due(services.now(), PAGE) == []  # nothing to do before retry_after
    world.api.clear_faults()
    world.clock.advance(timedelta(hours=1, seconds=1))
    await sweep(world.app)
    assert "YH-2026-000001" in (await world.until(world.officer.id, "已超过整改期限"))["plain_text"]
