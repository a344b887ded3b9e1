"""The services the handlers reach through the typed context, opened in post_init."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from config.settings import Settings
from domain.clock import Clock
from domain.knowledge import KnowledgeBase
from domain.lifecycle import HazardFacts
from domain.org import Organisation
from domain.reminders import PlannedNotification, Policy, plan_notifications
from domain.schedule import Schedule
from domain.throttle import Throttle
from domain.workcalendar import WorkCalendar
from kernel import memory
from kernel.dispatch import Dispatcher
from kernel.repositories import Repositories
from storage.db import Database
from storage.documents import load_knowledge as load_documents
from storage.hazards import HazardRepository
from storage.lifecycle import LifecycleRepository
from storage.media import MediaStore
from storage.members import GroupRepository, MemberRepository

log = logging.getLogger(__name__)


@dataclass
class Guards:
    """What keeps one person from slowing the bot for everyone (issue 13), kept in memory: per-user throttles of
    the expensive commands, the users whose export is being built, and the join hints given in groups."""

    ask: Throttle
    kb_add: Throttle
    export: Throttle
    group_hint: Throttle  # at most one join hint per group a day
    exporting: set[int] = field(default_factory=set)

    @classmethod
    def from_settings(cls, settings: Settings) -> Guards:
        """The throttles the settings describe."""
        minute = timedelta(minutes=1)
        export = Throttle(1, timedelta(seconds=settings.export_cooldown_seconds) or timedelta.resolution)
        return cls(Throttle(settings.ask_per_minute, minute), Throttle(settings.kb_add_per_minute, minute), export,
                   Throttle(1, timedelta(days=1)))


@dataclass
class Services:
    """Everything a use case, handler or the sweep may use: settings, the org, the clock, repositories and media."""

    settings: Settings
    org: Organisation
    clock: Clock
    db: Database
    repos: Repositories
    media: MediaStore
    kb: KnowledgeBase | None  # None until load_knowledge has indexed the documents (or if that failed)
    calendar: WorkCalendar
    policy: Policy
    schedule: Schedule
    # deliveries to groups run one at a time, so a thread is never opened twice concurrently
    delivery_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # one sweep at a time: the JobQueue's and a test's (or the sandbox's time jump) never overlap
    sweep_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    last_sweep: datetime | None = None
    flood_noticed_at: datetime | None = None  # admins hear of a long flood wait at most once an hour
    last_update_at: float = field(default_factory=time.monotonic)  # when the latest update came (or the start)
    kb_loaded: asyncio.Event = field(default_factory=asyncio.Event)  # set once loading is over, worked or not
    removed_ids: set[int] = field(default_factory=set)  # whose membership was ended: refused before any handler
    # supergroups a group the bot was in was upgraded to (migrate_from/migrate_to_chat_id seen): the bot stays there
    migrated_chat_ids: set[int] = field(default_factory=set)
    # admin notices are sent by one caller at a time (a handler's and the sweep's never send the same one twice)
    admin_notice_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    guards: Guards = field(init=False)
    # the outbound pipeline, wired at the composition root once the messenger exists (bot.app's post_init)
    dispatcher: Dispatcher = field(init=False)
    # exports are built one at a time, each in a worker process of its own (reports/worker.py)
    export_turn: asyncio.Lock = field(default_factory=asyncio.Lock)

    def __post_init__(self) -> None:
        self.guards = Guards.from_settings(self.settings)

    @property
    def members(self) -> MemberRepository:
        """Members, roles, invites."""
        return self.repos.members

    @property
    def groups(self) -> GroupRepository:
        """Units' group bindings."""
        return self.repos.groups

    @property
    def hazards(self) -> HazardRepository:
        """Hazards, photos, threads, lists."""
        return self.repos.hazards

    @property
    def lifecycle(self) -> LifecycleRepository:
        """Transitions and the outbox they write."""
        return self.repos.lifecycle

    @property
    def zone(self) -> ZoneInfo:
        """The local time zone."""
        return self.settings.zone

    def now(self) -> datetime:
        """The current instant (UTC) from the injected clock."""
        return self.clock.now()

    def local_now(self) -> datetime:
        """The current instant in the local zone."""
        return self.clock.now().astimezone(self.zone)

    def planner(self) -> Callable[[HazardFacts], list[PlannedNotification]]:
        """The reminder planner with this deployment's policy, calendar and zone, as storage calls it."""
        return lambda facts: plan_notifications(facts, self.policy, self.calendar, self.zone, self.now())

    @classmethod
    async def open(cls, settings: Settings, org: Organisation, clock: Clock, kb: KnowledgeBase | None = None, *,
                   db: Database | None = None, staged: Collection[str] = ()) -> Services:
        """Open the database (migrating it; or take `db`, opened already) and the media folder, keeping the staged
        photos of the drafts in `staged`; the knowledge base is `kb` or loaded later."""
        if db is None:
            db = await Database.open(settings.database_path, exclusive=True)
        media = MediaStore(settings.media_dir)
        media.prepare(keep=staged)
        calendar = WorkCalendar(holidays=org.extra_holidays, workdays=org.extra_workdays)
        services = cls(settings=settings, org=org, clock=clock, db=db, repos=Repositories(db), media=media, kb=kb,
                       calendar=calendar, policy=settings.reminder_policy(), schedule=settings.report_schedule())
        if kb is not None:
            services.kb_loaded.set()
        return services

    async def load_knowledge(self) -> None:
        """Read and index the documents off the event loop (a second or two); questions meanwhile are told to wait.

        A failure propagates (to the application's error handler, which logs it); `kb` then stays None.
        """
        started = time.monotonic()
        try:
            self.kb = await asyncio.to_thread(load_documents, self.settings.corpus_dir, self.settings.knowledge_dir)
        finally:
            self.kb_loaded.set()
        await asyncio.to_thread(memory.give_back)  # what indexing used and let go (jieba's plain dictionary)
        log.info("knowledge base: %d documents indexed in %.1f s", len(self.kb.documents()), time.monotonic() - started)

    async def close(self) -> None:
        """Close the database."""
        await self.db.close()
