"""The composition root on Feishu (飞书): the same services and outbound pipeline as on Telegram, over the Feishu
messenger; Feishu's events through the long connection to feishu.inbound; the sweep every interval, as the JobQueue
runs it for Telegram. `HAZARD_MESSENGER=feishu` (README "Feishu") runs it; the tests and the sandbox start it on the
Feishu double."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from dataclasses import dataclass, field
from datetime import timedelta

from config.org import load_org
from config.settings import Settings
from domain.clock import Clock, SystemClock
from domain.knowledge import KnowledgeBase
from domain.org import Organisation
from feishu.connection import LongConnection
from feishu.inbound import FeishuInbound
from kernel.services import Services
from messenger.feishu import FeishuMessenger, client
from outbound.dispatcher import Outbound
from outbound.sweep import SweepReport
from storage.addresses import AddressBook
from storage.db import Database
from storage.sessions import SessionRepository
from usecases import membership
from usecases.sessions import SessionStore

log = logging.getLogger(__name__)


@dataclass
class FeishuBot:
    """One running bot on Feishu."""

    services: Services
    addresses: AddressBook
    messenger: FeishuMessenger
    outbound: Outbound
    inbound: FeishuInbound
    connection: LongConnection
    running: bool = True
    _sweeper: asyncio.Task[None] | None = field(default=None, repr=False)

    async def sweep(self) -> SweepReport:
        """Send everything due now (the interval's work; a test's or the sandbox's after moving the clock)."""
        return await self.outbound.sweep()

    async def stop(self) -> None:
        """Stop receiving, let the work in hand finish, stop sweeping, close the database."""
        self.running = False
        await self.connection.stop()
        await self.inbound.background.wait()
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        await self.services.close()

    async def _sweep_forever(self, interval: float) -> None:
        while self.running:
            try:
                await self.inbound.expire_idle()
                await self.sweep()
            except Exception:
                log.exception("the sweep failed; trying again at the next interval")
            await asyncio.sleep(interval)


async def start_feishu(settings: Settings, *, org: Organisation | None = None, clock: Clock | None = None,
                       kb: KnowledgeBase | None = None, sweeping: bool = True) -> FeishuBot:  # fmt: skip
    """Open the services, connect to Feishu and start the sweep (`sweeping` False: the caller sweeps)."""
    if not settings.feishu_app_id or settings.feishu_app_secret is None:
        raise ValueError("no Feishu app id and secret")
    organisation = org if org is not None else load_org(settings.org_file)
    the_clock = clock if clock is not None else SystemClock()
    db = await Database.open(settings.database_path, exclusive=True)
    sessions = SessionStore(SessionRepository(db), the_clock)
    services = await Services.open(settings, organisation, the_clock, kb, db=db, staged=await sessions.load())
    if kb is None:
        await services.load_knowledge()
    addresses = AddressBook(db, "feishu")
    admins = {await addresses.local("user", open_id) for open_id in settings.feishu_admin_open_ids}
    for member in await membership.on_start(services, admins):
        log.warning("%s is no longer in HAZARD_FEISHU_ADMIN_OPEN_IDS: admin role removed",
                    await addresses.external("user", member.telegram_id))
    secret = settings.feishu_app_secret.get_secret_value()
    messenger = FeishuMessenger(client(settings.feishu_app_id, secret, settings.feishu_domain), addresses,
                                services.media.path_of)  # fmt: skip
    outbound = Outbound(services, messenger)
    services.dispatcher = outbound
    inbound = FeishuInbound(services, messenger, addresses, sessions, admins)
    connection = LongConnection(settings.feishu_app_id, secret, settings.feishu_domain, inbound.on_message,
                                inbound.on_press, inbound.toast, inbound.on_bot_added)  # fmt: skip
    bot = FeishuBot(services, addresses, messenger, outbound, inbound, connection)
    outbound.running = lambda: bot.running
    bot.connection.start()
    await asyncio.to_thread(bot.connection.connected.wait, 30)
    if sweeping:
        bot._sweeper = asyncio.get_running_loop().create_task(bot._sweep_forever(settings.sweep_interval_seconds))
    return bot


async def run_feishu(settings: Settings) -> None:
    """Run until SIGTERM or SIGINT."""
    clock = SystemClock()
    clock.advance(timedelta(seconds=settings.clock_offset_seconds))  # 0 except in tests and benchmarks
    bot = await start_feishu(settings, clock=clock)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    log.info("running on Feishu: org %s, database %s", settings.org_file, settings.database_path)
    await stop.wait()
    await bot.stop()
