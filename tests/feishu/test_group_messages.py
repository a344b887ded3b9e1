"""The two set-ups of a group on Feishu (README "Feishu", step 6): without the permission to read every group message
the bot hears only what @-mentions it; with it, answers in the hazard's thread need no mention, and the group's own
talk is left alone either way."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.images import sample_jpeg
from tests.feishu.conftest import FeishuWorld
from tests.scenario.drivers import FeishuDriver


@pytest.fixture
def feishu_options() -> dict[str, Any]:
    """The app holds 获取群组中所有消息 (im:message.group_msg)."""
    return {"group_messages": True}


async def test_with_the_permission_answers_in_the_thread_need_no_mention(fworld: FeishuWorld) -> None:
    d = FeishuDriver(fworld)
    feishu = fworld.feishu
    await d.setup()
    await feishu.send_text(d.member, "大家好，今天下午开会", chat=d.dept)  # the group's own talk: left alone
    await d.private(d.officer, "/report")
    categories = await d.private(d.officer, "二号仓库灭火器过期，安全出口被杂物堵塞")
    place = await d.press_in_place(d.officer, categories, "消防安全")
    assert not place.labels
    await d.private(d.officer, "二号仓库东侧")
    await d.photo(d.officer, sample_jpeg(label="x"))
    received = await d.until(d.officer, "第 1 张")
    grade = await d.press_in_place(d.officer, received, "完成")
    confirm = await d.press_in_place(d.officer, grade, "一般隐患")
    await d.press_in_place(d.officer, confirm, "提交")
    card = await d.until(d.dept, "已上报")
    await d.press(d.member, card, "受理定级")
    grade_question = await d.until(d.dept, "请确定隐患等级")
    await d.press(d.member, grade_question, "一般隐患")
    asked = await d.until(d.dept, "请输入整改期限")
    await feishu.send_text(d.member, "3天内", chat=d.dept, reply_to=asked.raw)  # no @-mention
    echo = await d.until(d.dept, "2026年11月26日")
    assert "确认" in echo.labels
    assert not [m for m in feishu.sent(d.dept) if "开会" in m.text]  # nothing said to the group's own talk
