"""The sandbox on Feishu: the Feishu double, the real bot's Feishu composition (bot/feishu.py) against it through the
official SDK, and the same web page (sandbox/feishu/page.py draws Feishu's world on it).

`HAZARD_MESSENGER=feishu make run` without an app id and secret lands here, as `make run` without a Telegram token
lands in the Telegram sandbox; `python -m sandbox --messenger feishu` too.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from bot.feishu import FeishuBot, start_feishu
from config.settings import Settings
from domain.knowledge import KnowledgeBase
from sandbox.feishu.cast import FeishuCast, add_admin, seed
from sandbox.feishu.double import FeishuDouble
from sandbox.runner import DEFAULT_DATA_DIR, DEFAULT_PORT, EXAMPLE_ORG, Place

log = logging.getLogger(__name__)


class FeishuSandbox(Place):
    """Start and stop the Feishu double, the bot on it and the page."""

    def __init__(
        self,
        *,
        port: int = DEFAULT_PORT,
        data_dir: Path = DEFAULT_DATA_DIR,
        org_file: Path = EXAMPLE_ORG,
        kb: KnowledgeBase | None = None,
        env_file: str | None = ".env",
        start_at: datetime | None = None,
    ) -> None:
        super().__init__(port=port, data_dir=data_dir, org_file=org_file, kb=kb, env_file=env_file, start_at=start_at)
        # the app holds the permission to read every group message: answers typed in a thread reach the bot unmentioned
        self.feishu = FeishuDouble(group_messages=True, clock=self.clock.now)
        self.cast: FeishuCast | None = None
        self._bot: FeishuBot | None = None

    @property
    def bot(self) -> FeishuBot:
        """The running bot."""
        assert self._bot is not None, "the sandbox is not started"
        return self._bot

    def settings(self, admin_open_id: str) -> Settings:
        """The bot's settings: the environment's, with the double's app and everything that makes it a sandbox."""
        return Settings(
            **self._local_settings(),
            messenger="feishu",
            feishu_app_id=self.feishu.app_id,
            feishu_app_secret=SecretStr(self.feishu.app_secret),
            feishu_domain=self.feishu.url,
            feishu_admin_open_ids=frozenset({admin_open_id}),
        )

    async def start(self) -> None:
        """Start the double and the bot, set up the cast through the bot, then open the page (see Sandbox.start)."""
        from sandbox.feishu.page import FeishuPage
        from sandbox.web import build_web_app

        page = FeishuPage(self)
        await self._take_port(build_web_app(page))
        self._fresh_data()
        await self.feishu.start()
        admin = add_admin(self.feishu)
        settings = self.settings(admin.open_id)
        self.zone = settings.zone
        self._bot = await start_feishu(settings, org=self.org, clock=self.clock, kb=self._kb)
        self.cast = await seed(self.feishu, self.org, admin)
        page.mark_all_read()
        page.watch(asyncio.get_running_loop())
        await self._listen()

    async def stop(self) -> None:
        """Stop the page, the bot and the double; safe to call after a failed start."""
        await self._close_page()
        bot, self._bot = self._bot, None
        if bot is not None:
            await bot.stop()
        await self.feishu.stop()

    async def advance(self, delta: timedelta) -> int:
        """Move the bot's time forward, then run what fell due: idle conversations end, the sweep sends."""
        self.clock.jump(delta)
        await self.bot.inbound.expire_idle()
        await self.bot.sweep()
        await asyncio.sleep(0)
        return 1

    def describe(self) -> dict[str, Any]:
        """Where things are, for the console and the page."""
        return {"url": self.url, "api": self.feishu.url, "data_dir": str(self.data_dir), "org_file": str(self.org_file)}
