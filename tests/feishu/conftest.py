"""Feishu flow tests: the bot's Feishu composition (bot/feishu.py) through the real SDK — Open API and long connection
— against the Feishu double, with a fake clock; the same example county as the Telegram flow tests."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from bot.feishu import FeishuBot, start_feishu
from config.settings import PROJECT_ROOT, Settings
from domain.clock import FakeClock
from domain.knowledge import KnowledgeBase
from sandbox.feishu.double import Chat, FeishuDouble, Message, User
from storage.documents import load_knowledge
from tests.flows.conftest import START


@dataclass
class FeishuWorld:
    """The double, the running bot, its clock, and the example county's people and groups on Feishu."""

    feishu: FeishuDouble
    bot: FeishuBot
    clock: FakeClock
    settings: Settings
    admin: User
    officer: User
    dept_group: Chat  # 县消防救援大队's 话题群
    town_group: Chat  # 城关镇's ordinary group

    async def command(self, user: User, text: str) -> Message:
        """A command in the user's private chat with the bot, and the bot's next message there."""
        await self.feishu.send_text(user, text)
        return await self.feishu.expect(self.feishu.p2p(user))

    async def join(self, user: User, target: str, role: str) -> None:
        created = await self.command(self.admin, f"/invite {target} {role}")
        code = re.search(r"/start (\S+)", created.text)
        assert code, created.text
        joined = await self.command(user, f"/start {code.group(1)}")
        assert "加入成功" in joined.text, joined.text

    async def press_in_place(self, user: User, card: Message, label: str) -> None:
        """`user` presses `label` on `card` and the bot answers by changing that card."""
        edits = len(card.edits)
        await self.feishu.press(user, card, label)
        await self.feishu.wait_for(lambda: len(card.edits) > edits, what=f"{label} answered in place")

    async def bind(self, group: Chat, unit_id: str) -> None:
        await self.feishu.send_text(self.admin, f"/bind {unit_id}", chat=group, mention=True)
        answer = await self.feishu.until(group, "已将本群绑定")
        assert unit_id and answer.root_id  # answered in the thread of the command


@pytest.fixture(scope="session")
def feishu_kb() -> KnowledgeBase:
    return load_knowledge(PROJECT_ROOT / "config" / "corpus")


@pytest.fixture
def feishu_options() -> dict[str, Any]:
    """How the double is set up (override this fixture: e.g. the app's permission to read every group message)."""
    return {}


@pytest.fixture
def feishu_settings() -> dict[str, Any]:
    """Settings a test changes (override this fixture: e.g. the digests' calendar on)."""
    return {}


@pytest.fixture
async def fworld(tmp_path: Path, feishu_kb: KnowledgeBase, feishu_options: dict[str, Any],
                 feishu_settings: dict[str, Any]) -> AsyncIterator[FeishuWorld]:  # fmt: skip
    async with FeishuDouble(**feishu_options) as feishu:
        admin, officer = feishu.add_user("管理员"), feishu.add_user("张安全")
        dept = feishu.add_group("县消防救援大队", [admin], topics=True)
        town = feishu.add_group("城关镇", [admin])
        settings = Settings(_env_file=None, database_path=tmp_path / "db.sqlite3",  # type: ignore[call-arg]
                            media_dir=tmp_path / "media", knowledge_dir=tmp_path / "knowledge",
                            feishu_app_id=feishu.app_id, feishu_app_secret=SecretStr(feishu.app_secret),
                            feishu_domain=feishu.url, feishu_admin_open_ids=frozenset({admin.open_id}),
                            **({"schedule_enabled": False} | feishu_settings))  # fmt: skip
        clock = FakeClock(START)
        world = FeishuWorld(feishu, await start_feishu(settings, clock=clock, kb=feishu_kb, sweeping=False), clock,
                            settings, admin, officer, dept, town)  # fmt: skip
        try:
            yield world
        finally:
            await world.bot.stop()  # the bot running now (a test may have restarted it)
        assert not feishu.violations, feishu.violations
