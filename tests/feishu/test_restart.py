"""A restart on Feishu: a report half-written survives it (sessions are kept), and HAZARD_FEISHU_ADMIN_OPEN_IDS is
the truth for admins (one taken out of it is an admin no more)."""

from __future__ import annotations

from bot.feishu import start_feishu
from tests.feishu.conftest import FeishuWorld


async def test_a_draft_survives_a_restart_and_an_admin_taken_out_loses_the_role(fworld: FeishuWorld) -> None:
    admin, officer = fworld.admin, fworld.officer
    await fworld.join(officer, "e01", "安全员")
    assert "请描述" in (await fworld.command(officer, "/report")).text

    await fworld.bot.stop()
    fworld.settings = fworld.settings.model_copy(update={"feishu_admin_open_ids": frozenset()})
    fworld.bot = await start_feishu(fworld.settings, clock=fworld.clock, kb=fworld.bot.services.kb, sweeping=False)

    categories = await fworld.command(officer, "二号仓库灭火器过期，安全出口被杂物堵塞")
    assert "行业领域" in categories.text  # the draft went on where it was
    refused = await fworld.command(admin, "/invite e01 安全员")
    assert "已被管理员移除" in refused.text  # an admin by the configuration only: no role left at all, as on Telegram
