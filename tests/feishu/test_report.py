"""Reporting on Feishu, through the same use cases as on Telegram: joining by invite code, binding the units' groups
by @-mentioning the bot, the report's questions answered by typing and by card buttons (each answered card updated in
place), and the report reaching both units' groups."""

from __future__ import annotations

from datetime import timedelta

from sandbox.feishu.double import Message
from sandbox.images import sample_jpeg
from tests.feishu.conftest import FeishuWorld


async def _press(world: FeishuWorld, message: Message, label: str) -> Message:
    """Press a button on the officer's card; the card it answered, as it reads now."""
    edits = len(world.feishu.messages[message.message_id].edits)
    answer = await world.feishu.press(world.officer, message, label)
    assert answer == {"toast": {"type": "info", "content": "已收到，正在处理"}}
    await world.feishu.wait_for(lambda: len(world.feishu.messages[message.message_id].edits) > edits,
                                what="the card updated")
    return world.feishu.messages[message.message_id]


async def test_a_report_by_questions_reaches_both_units_groups(fworld: FeishuWorld) -> None:
    feishu, officer = fworld.feishu, fworld.officer
    assert "还未加入" in (await fworld.command(officer, "/report")).text  # a stranger is told how to join
    await fworld.join(officer, "e01", "安全员")
    await fworld.bind(fworld.dept_group, "xfdd")
    await fworld.bind(fworld.town_group, "cgz")

    assert "请描述" in (await fworld.command(officer, "/report")).text
    categories = await fworld.command(officer, "二号仓库灭火器过期，安全出口被杂物堵塞")
    assert categories.buttons[0][0] == "消防安全"  # suggested from 灭火器 / 安全出口
    chosen = await _press(fworld, categories, "消防安全")
    assert "消防安全" in chosen.text and not chosen.buttons  # answered in place: its buttons gone
    assert "位置" in chosen.text
    photos_question = await fworld.command(officer, "二号仓库东侧")
    assert "照片" in photos_question.text
    await feishu.send_image(officer, sample_jpeg(label="scene"))
    received = await feishu.expect(feishu.p2p(officer))
    assert "已收到第 1 张" in received.text or "1" in received.text
    graded = await _press(fworld, received, "完成")
    grade_card = graded if graded.buttons else await feishu.expect(feishu.p2p(officer))
    confirm = await _press(fworld, grade_card, "一般隐患")
    assert "二号仓库东侧" in confirm.text and [label for label, _ in confirm.buttons] == ["提交", "修改"]
    filed = await _press(fworld, confirm, "提交")
    assert "YH-2026-000001" in filed.text

    await fworld.bot.inbound.background.wait()  # the delivery the submit started
    topic = feishu.sent(fworld.dept_group)
    titles = [m for m in topic if "YH-2026-000001" in m.text]
    assert titles and any(len(m.images) == 1 and "已上报" in m.text for m in topic)
    assert any("已上报" in m.text for m in feishu.sent(fworld.town_group))
    told = await feishu.until(feishu.p2p(officer), "YH-2026-000001")
    assert "县消防救援大队" in told.text


async def test_a_rich_text_message_with_hashtag_is_a_report_in_one_message(fworld: FeishuWorld) -> None:
    feishu, officer = fworld.feishu, fworld.officer
    await fworld.join(officer, "e01", "安全员")
    photos = [sample_jpeg(label="a"), sample_jpeg(label="b")]
    await feishu.send_post(officer, "#隐患 配电箱门损坏，线路裸露 @二号车间", photos)
    asked = await feishu.expect(feishu.p2p(officer))
    assert asked.buttons, asked.text  # the category (or the grade) is what is left to ask
    session = fworld.bot.inbound.sessions.get(await fworld.bot.addresses.local("user", officer.open_id))
    assert len(session["draft"].photos) == 2, [m.text for m in feishu.sent(feishu.p2p(officer))]


async def test_a_report_left_idle_is_ended_and_said_so(fworld: FeishuWorld) -> None:
    feishu, officer = fworld.feishu, fworld.officer
    await fworld.join(officer, "e01", "安全员")
    assert "请描述" in (await fworld.command(officer, "/report")).text
    fworld.clock.advance(timedelta(minutes=29))
    await fworld.bot.inbound.expire_idle()
    assert not [m for m in feishu.sent(feishu.p2p(officer)) if "已自动取消" in m.text]
    fworld.clock.advance(timedelta(minutes=2))  # 31 minutes idle: past HAZARD_CONVERSATION_TIMEOUT_SECONDS
    await fworld.bot.inbound.expire_idle()
    told = await feishu.until(feishu.p2p(officer), "已自动取消")
    assert "30 分钟" in told.text
    answer = await fworld.command(officer, "二号仓库灭火器过期")  # no longer an answer: a question to the speeches
    assert "行业领域" not in answer.text
    session = fworld.bot.inbound.sessions.get(await fworld.bot.addresses.local("user", officer.open_id))
    assert "draft" not in session
