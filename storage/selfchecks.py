"""The weekly self-checks (每周自查自报): made once per enterprise and week, with the hazards they list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from domain.statistics import SelfCheckRecord
from storage.db import Database, Tx
from storage.timefmt import from_db_required, to_db


@dataclass(frozen=True, slots=True)
class WeekHazard:
    """A hazard an enterprise filed in a week."""

    id: int
    code: str


class SelfCheckRepository:
    """The weekly self-checks (每周自查自报)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get_week_hazards(self, enterprise_id: str, start: dt.datetime, end: dt.datetime) -> list[WeekHazard]:
        """The hazards the enterprise filed in [start, end), oldest first."""
        rows = await self.db.all(
            "SELECT id, code FROM hazards WHERE enterprise_id = ? AND reported_at >= ? AND reported_at < ?"
            " ORDER BY reported_at, id",
            (enterprise_id, to_db(start), to_db(end)),
        )
        return [WeekHazard(r[0], r[1]) for r in rows]

    async def get(self, enterprise_id: str, week: dt.date) -> SelfCheckRecord | None:
        """The enterprise's self-check for the week, or None."""
        async with self.db.reading() as tx:
            return await self._get(tx, enterprise_id, week)

    @staticmethod
    async def _get(tx: Tx, enterprise_id: str, week: dt.date) -> SelfCheckRecord | None:
        row = await tx.one(
            "SELECT s.*, (SELECT COUNT(*) FROM selfcheck_hazards l WHERE l.enterprise_id = s.enterprise_id"
            " AND l.week = s.week) AS hazards FROM selfchecks s WHERE enterprise_id = ? AND week = ?",
            (enterprise_id, week.isoformat()),
        )
        if row is None:
            return None
        return SelfCheckRecord(enterprise_id, week, from_db_required(row["submitted_at"]), bool(row["zero"]),
                               row["hazards"])

    async def submit(self, enterprise_id: str, week: dt.date, hazard_ids: Sequence[int], submitted_by: int,
                     now: dt.datetime) -> tuple[SelfCheckRecord, bool]:
        """Record the week's self-check once (no hazards: 零报告); a second submit returns the first (False)."""
        async with self.db.transaction() as tx:
            existing = await self._get(tx, enterprise_id, week)
            if existing is not None:
                return existing, False
            await tx.execute(
                "INSERT INTO selfchecks (enterprise_id, week, zero, submitted_by, submitted_at) VALUES (?, ?, ?, ?, ?)",
                (enterprise_id, week.isoformat(), int(not hazard_ids), submitted_by, to_db(now)),
            )
            for hazard_id in hazard_ids:
                await tx.execute(
                    "INSERT INTO selfcheck_hazards (enterprise_id, week, hazard_id) VALUES (?, ?, ?)",
                    (enterprise_id, week.isoformat(), hazard_id),
                )
        return SelfCheckRecord(enterprise_id, week, now, not hazard_ids, len(hazard_ids)), True

    async def get_between(self, first_week: dt.date, last_week: dt.date) -> list[SelfCheckRecord]:
        """Every self-check for the weeks (Mondays) first_week..last_week."""
        rows = await self.db.all(
            "SELECT s.*, (SELECT COUNT(*) FROM selfcheck_hazards l WHERE l.enterprise_id = s.enterprise_id"
            " AND l.week = s.week) AS hazards FROM selfchecks s WHERE week >= ? AND week <= ?",
            (first_week.isoformat(), last_week.isoformat()),
        )
        return [SelfCheckRecord(r["enterprise_id"], dt.date.fromisoformat(r["week"]),
                                from_db_required(r["submitted_at"]), bool(r["zero"]), r["hazards"]) for r in rows]
