"""Flow tests: the real Application, over HTTP, against the Bot API double, with a fake clock."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from telegram.error import TelegramError

from bot.app import App, build_application
from config.settings import PROJECT_ROOT, Settings
from domain.clock import FakeClock
from domain.knowledge import KnowledgeBase
from sandbox.double import BotApiDouble
from sandbox.model import Message
from storage.documents import load_knowledge

TOKEN = "123456:TEST-TOKEN"
START = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai


@dataclass
class World:
    """The double, the running bot, its clock and settings, and the people and groups of the example county."""

    api: BotApiDouble
    app: App
    clock: FakeClock
    settings: Settings
    admin: Any
    officer: Any
    stranger: Any
    dept_group: Any  # 县消防救援大队's group, with topics
    town_group: Any  # 城关镇's group, without topics
    kb: KnowledgeBase | None

    async def restart(self) -> None:
        """Stop the bot and start a new one on the same database, media and clock."""
        await stop_bot(self.app)
        self.app = await start_bot(self.settings, self.clock, self.kb)

    async def command(self, user: Any, text: str, chat: Any = None) -> Message:
        """Send a command and return the bot's next message in that chat."""
        chat_id = chat.id if chat is not None else user.id
        await self.api.send_text(user, text, chat=chat)
        return await self.api.expect(chat_id)

    async def join(self, user: Any, target: str, role: str) -> None:
        """The admin invites `user` as `role` of `target`; the user follows the link."""
        created = await self.command(self.admin, f"/invite {target} {role}")
        code = re.search(r"start=([\w-]+)", created["text"])
        assert code, created["text"]
        joined = await self.command(user, f"/start {code.group(1)}")
        assert "加入成功" in joined["text"], joined["text"]

    async def bind(self, group: Any, unit_id: str) -> None:
        """The admin binds a group to a unit."""
        answer = await self.command(self.admin, f"/bind {unit_id}", chat=group)
        assert "已将本群绑定" in answer["text"], answer["text"]

    async def until(self, chat_id: int, text: str, timeout: float = 5.0) -> Any:  # noqa: ASYNC109
        """The next message in the chat that shows `text`, skipping (consuming) the ones before it."""
        while True:
            message = await self.api.expect(chat_id, timeout=timeout)
            if text in (message["plain_text"] or message["plain_caption"] or ""):  # a photo shows its caption
                return message

    async def eventually(self, sql: str, expected: list[tuple[Any, ...]], timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until a query returns `expected` (work the bot does after its last message)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            with sqlite3.connect(self.settings.database_path) as conn:
                got = conn.execute(sql).fetchall()
            if got == expected or loop.time() > deadline:
                assert got == expected
                return
            await asyncio.sleep(0.02)

    def database(self) -> Path:
        """The database file."""
        return self.settings.database_path


@pytest.fixture(scope="session")
def shared_kb() -> KnowledgeBase:
    """The bundled speeches indexed once for every flow test that only reads them."""
    return load_knowledge(PROJECT_ROOT / "config" / "corpus")


@pytest.fixture
def world_kb(shared_kb: KnowledgeBase) -> KnowledgeBase | None:
    """The knowledge base the bot gets (override with None to have the bot load its own)."""
    return shared_kb


@pytest.fixture
def overrides() -> dict[str, Any]:
    """Settings a test changes (override this fixture, e.g. with parametrize)."""
    return {}


@pytest.fixture
async def world(tmp_path: Path, overrides: dict[str, Any], world_kb: KnowledgeBase | None) -> AsyncIterator[World]:
    """A running bot with an admin, an officer of e01 (not yet joined), a stranger and two groups."""
    async with BotApiDouble(token=TOKEN, bot_username="hazard_bot") as api:
        admin = api.add_user(first_name="管理员")
        officer = api.add_user(first_name="张", last_name="安全")
        stranger = api.add_user(first_name="路人")
        dept_group = api.add_group(title="县消防救援大队", is_forum=True, bot_is_admin=True, can_manage_topics=True,
                                   members=[admin, officer])
        town_group = api.add_group(title="城关镇", is_forum=False, bot_is_admin=True, can_manage_topics=False,
                                   members=[admin, officer])
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            bot_token=SecretStr(TOKEN),
            api_base_url=api.base_url,
            api_base_file_url=api.base_file_url,
            database_path=tmp_path / "db.sqlite3",
            knowledge_dir=tmp_path / "knowledge",
            media_dir=tmp_path / "media",
            admin_ids=frozenset({admin.id}),
            # the digest/ranking/self-check calendar is off unless a test turns it on (tests/flows/test_statistics.py)
            **({"conversation_timeout_seconds": 600, "rate_limit": False, "schedule_enabled": False} | overrides),
        )
        clock = FakeClock(START)
        world = World(api, await start_bot(settings, clock, world_kb), clock, settings, admin, officer, stranger,
                      dept_group, town_group, world_kb)
        try:
            yield world
        finally:
            await stop_bot(world.app)
        assert not api.violations, api.violations


async def start_bot(settings: Settings, clock: FakeClock, kb: KnowledgeBase | None) -> App:
    """Build and start the bot in the order of Application.run_polling, with its post_init hook."""
    app = build_application(settings, clock=clock, kb=kb)
    await app.initialize()
    assert app.post_init is not None and app.updater is not None
    await app.post_init(app)
    # polling errors reach the error handlers, as run_polling arranges
    def on_polling_error(exc: TelegramError) -> None:
        app.create_task(app.process_error(update=None, error=exc))

    await app.updater.start_polling(poll_interval=0, timeout=1, error_callback=on_polling_error)
    await app.start()
    return app


async def stop_bot(app: App) -> None:
    """Stop the bot as run_polling does on SIGTERM, post_shutdown included."""
    assert app.updater is not None and app.post_shutdown is not None
    if app.updater.running:  # a test may have stopped it already
        await app.updater.stop()
    if app.running:
        await app.stop()
    await app.shutdown()
    await app.post_shutdown(app)
