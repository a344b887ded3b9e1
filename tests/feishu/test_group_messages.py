"""The two set-ups of a group on Feishu (README "Feishu", step 6): without the permission to read every group message
the bot hears only what @-mentions it; with it, answers in the hazard's thread need no mention, and the group's own
talk is left alone either way."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.feishu import start_feishu
from config.settings import Settings
from domain.clock import FakeClock
from domain.knowledge import KnowledgeBase
from sandbox.feishu.double import FeishuDouble
from sandbox.images import sample_jpeg
from tests.feishu.conftest import FeishuWorld
from tests.flows.conftest import START
from tests.scenario.drivers import FeishuDriver


@pytest.fixture
async def reading_all(tmp_path: Path, feishu_kb: KnowledgeBase) -> AsyncIterator[FeishuWorld]:
    """A Feishu world whose app holds 获取群组中所有消息 (im:message.group_msg)."""
    async with FeishuDouble(group_messages=True) as feishu:
        admin, officer = feishu.add_user("管理员"), feishu.add_user("张安全")
        dept = feishu.add_group("县消防救援大队", [admin], topics=True)
        town = feishu.add_group("城关镇", [admin])
        settings = Settings(_env_file=None, database_path=tmp_path / "db.sqlite3",  # type: ignore[call-arg]
                            media_dir=tmp_path / "media", knowledge_dir=tmp_path / "knowledge",
                            feishu_app_id=feishu.app_id, feishu_app_secret=SecretStr(feishu.app_secret),
                            feishu_domain=feishu.url, feishu_admin_open_ids=frozenset({admin.open_id}),
                            schedule_enabled=False)  # fmt: skip
        clock = FakeClock(START)
        bot = await start_feishu(settings, clock=clock, kb=feishu_kb, sweeping=False)
        try:
            yield FeishuWorld(feishu, bot, clock, settings, admin, officer, dept, town)
        finally:
            await bot.stop()
        assert not feishu.violations, feishu.violations


async def test_with_the_permission_answers_in_the_thread_need_no_mention(reading_all: FeishuWorld) -> None:
    d = FeishuDriver(reading_all)
    feishu = reading_all.feishu
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
