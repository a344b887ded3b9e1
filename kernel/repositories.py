"""Every repository of one database, each a typed property: a function's dependencies show in what it reads."""

from __future__ import annotations

from functools import cached_property

from storage.counting import CountingRepository
from storage.db import Database
from storage.hazards import HazardRepository
from storage.lifecycle import LifecycleRepository
from storage.members import GroupRepository, MemberRepository
from storage.notices import AdminNoticeRepository
from storage.schedule import ScheduleRepository
from storage.selfchecks import SelfCheckRepository
from storage.sessions import SessionRepository
from storage.statistics import StatisticsRepository


class Repositories:
    """The repositories over one open database, built once on first use."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @cached_property
    def members(self) -> MemberRepository:
        """Members, roles, invites."""
        return MemberRepository(self.db)

    @cached_property
    def groups(self) -> GroupRepository:
        """Units' group bindings."""
        return GroupRepository(self.db)

    @cached_property
    def hazards(self) -> HazardRepository:
        """Hazards, photos, threads, lists."""
        return HazardRepository(self.db)

    @cached_property
    def lifecycle(self) -> LifecycleRepository:
        """Transitions and the outbox they write."""
        return LifecycleRepository(self.db)

    @cached_property
    def admin_notices(self) -> AdminNoticeRepository:
        """Notices to the admins, kept until sent."""
        return AdminNoticeRepository(self.db)

    @cached_property
    def schedule(self) -> ScheduleRepository:
        """Scheduled items (digest, ranking, self-checks) and their sends."""
        return ScheduleRepository(self.db)

    @cached_property
    def statistics(self) -> StatisticsRepository:
        """Records for statistics and the ledger."""
        return StatisticsRepository(self.db)

    @cached_property
    def sessions(self) -> SessionRepository:
        """What users are in the middle of (drafts, answers so far)."""
        return SessionRepository(self.db)

    @cached_property
    def selfchecks(self) -> SelfCheckRepository:
        """Enterprises' self-checks."""
        return SelfCheckRepository(self.db)

    @cached_property
    def counting(self) -> CountingRepository:
        """Counts in SQL for /stats, the digest and the ranking."""
        return CountingRepository(self.db)
