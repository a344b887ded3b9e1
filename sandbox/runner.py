"""The sandbox in one process: the Bot API double, the real bot against it, and the web page.

The bot is built by the same `build_application` as in production; only its settings differ
(the double's URLs, no rate limiting, its own database and media under the data folder, the
example org) and its clock, a SystemClock whose offset the page moves forward.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import shutil
import socket
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from pydantic import SecretStr

from bot.app import App, build_application
from config.org import load_org
from config.settings import PROJECT_ROOT, Settings
from domain.clock import SystemClock
from domain.knowledge import KnowledgeBase
from domain.org import Organisation
from sandbox.cast import ADMIN_ID, Cast, seed
from sandbox.double import BotApiDouble

log = logging.getLogger(__name__)

TOKEN = "700000001:SANDBOX-local-only"
BOT_USERNAME = "hazard_sandbox_bot"
DEFAULT_PORT = 8080
DEFAULT_DATA_DIR = PROJECT_ROOT / "data" / "sandbox"
EXAMPLE_ORG = PROJECT_ROOT / "config" / "org.example.toml"
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]  # as bot/__main__ polls


async def run_due_work(app: App) -> int:
    """Make the bot do what fell due after the clock moved; returns how many sweeps ran.

    The hook for scheduled work: a `sweep(app)` on the services (awaited if it is a
    coroutine), and every job named "sweep" in the job queue, run now instead of at their
    next real-time tick. With neither, nothing happens.
    """
    ran = 0
    sweep = getattr(getattr(app.bot_data, "services", None), "sweep", None)
    if callable(sweep):
        result = sweep(app)
        if inspect.isawaitable(result):
            await result
        ran += 1
    if app.job_queue is not None:
        for job in app.job_queue.get_jobs_by_name("sweep"):
            await job.run(app)
            ran += 1
    return ran


class Place:
    """What every sandbox is, whatever the messenger: the data folder, the clock the page moves, the page's port."""

    def __init__(self, *, port: int, data_dir: Path, org_file: Path, kb: KnowledgeBase | None, env_file: str | None,
                 start_at: datetime | None) -> None:  # fmt: skip
        self.port = port
        self.data_dir = data_dir
        self.org_file = org_file
        self.clock = SystemClock()
        if start_at is not None:
            self.clock.advance(start_at - self.clock.now())
        self._start_offset = self.clock.offset
        self.org: Organisation = load_org(org_file)
        self._kb = kb
        self._env_file = env_file
        self._web: web.AppRunner | None = None
        self._sock: socket.socket | None = None
        self.zone: ZoneInfo = ZoneInfo("Asia/Shanghai")  # the bot's, once started

    @property
    def url(self) -> str:
        """The page's address."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def moved(self) -> timedelta:
        """How far the page has moved time forward."""
        return self.clock.offset - self._start_offset

    async def _take_port(self, web_app: web.Application) -> None:
        """Take the page's port (OSError when it is in use) and set the page up, not yet listening."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", self.port))
        except OSError:
            sock.close()
            raise
        self._sock = sock
        self.port = sock.getsockname()[1]
        self._web = web.AppRunner(web_app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0)
        await self._web.setup()

    async def _listen(self) -> None:
        """Open the page: a page that answers is a sandbox that is ready."""
        assert self._web is not None and self._sock is not None
        await web.SockSite(self._web, self._sock).start()

    async def _close_page(self) -> None:
        if self._web is not None:
            await self._web.cleanup()
            self._web = None
        if self._sock is not None:
            self._sock.close()  # still ours when the start failed before the page listened
            self._sock = None

    def _fresh_data(self) -> None:
        """Every start is a new sandbox: the double's chats live in memory, so the old database would not match."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        for name in ("hazards.sqlite3", "hazards.sqlite3-wal", "hazards.sqlite3-shm"):
            (self.data_dir / name).unlink(missing_ok=True)
        for folder in ("media", "knowledge"):
            shutil.rmtree(self.data_dir / folder, ignore_errors=True)

    def _local_settings(self) -> dict[str, Any]:
        """The settings every sandbox overrides: its own database, media, knowledge, org file."""
        return {"_env_file": self._env_file, "database_path": self.data_dir / "hazards.sqlite3",
                "media_dir": self.data_dir / "media", "knowledge_dir": self.data_dir / "knowledge",
                "org_file": self.org_file}  # fmt: skip


class Sandbox(Place):
    """Start and stop everything; the web page reaches the double, the bot and the clock through this."""

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
        """``start_at``: an aware instant the sandbox's clock starts from (tests pin the weekday); default now."""
        super().__init__(port=port, data_dir=data_dir, org_file=org_file, kb=kb, env_file=env_file, start_at=start_at)
        self.api = BotApiDouble(token=TOKEN, bot_username=BOT_USERNAME, clock=self.clock.now)
        self.cast: Cast | None = None
        self._app: App | None = None

    @property
    def app(self) -> App:
        """The running bot."""
        assert self._app is not None, "the sandbox is not started"
        return self._app

    def settings(self) -> Settings:
        """The bot's settings: the environment's, with everything that makes it a sandbox overridden."""
        return Settings(
            **self._local_settings(),
            bot_token=SecretStr(TOKEN),
            api_base_url=self.api.base_url,
            api_base_file_url=self.api.base_file_url,
            admin_ids=frozenset({ADMIN_ID}),
            rate_limit=False,
        )

    async def start(self) -> None:
        """Start the double and the bot, set up the cast through the bot, then open the page.

        The page's port is taken first (so a port in use fails before anything starts) and
        listened on last, so a page that answers is a sandbox that is ready.
        """
        from sandbox.web import TelegramPage, build_web_app, page_of  # the page needs a sandbox: imported here

        web_app = build_web_app(TelegramPage(self))
        await self._take_port(web_app)
        self._fresh_data()
        await self.api.start()
        settings = self.settings()
        self.zone = settings.zone
        self._app = build_application(settings, org=self.org, clock=self.clock, kb=self._kb)
        await self._app.initialize()
        assert self._app.post_init is not None and self._app.updater is not None
        await self._app.post_init(self._app)
        await self._app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=ALLOWED_UPDATES)
        await self._app.start()
        self.cast = await seed(self.api, self.org)
        page_of(web_app).mark_all_read()
        await self._listen()

    async def stop(self) -> None:
        """Stop the page, the bot (in PTB's order) and the double; safe to call after a failed start."""
        await self._close_page()
        app, self._app = self._app, None
        if app is not None:
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
            await app.shutdown()
            if app.post_shutdown is not None:
                await app.post_shutdown(app)
        await self.api.stop()

    async def advance(self, delta: timedelta) -> int:
        """Move the bot's (and the double's) time forward, then run what fell due (not 补发: nobody was away)."""
        self.clock.jump(delta)
        ran = await run_due_work(self.app)
        await asyncio.sleep(0)
        return ran

    def describe(self) -> dict[str, Any]:
        """Where things are, for the console and the page."""
        return {"url": self.url, "api": self.api.url, "data_dir": str(self.data_dir), "org_file": str(self.org_file)}
