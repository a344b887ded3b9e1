"""What counting reads: hazard records with their events (the self-checks: storage.selfchecks; the schedule:
storage.schedule).

Queries go through indexes (migration 003): hazards by unit/enterprise and filing time or by
state, events by hazard; a county's ledger of 10,000 hazards is two queries.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sqlite3
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Sequence

from domain.hazards import Grade, State
from domain.members import Scope
from domain.statistics import EventRecord, HazardRecord
from storage.db import Database
from storage.timefmt import from_db, from_db_required, to_db

LEDGER_CHUNK = 500  # hazards per read of the export: ≈ 4 MB in hand whatever the ledger's size (2,000: 15 MB)
_LIVE = ("reported", "rectifying", "awaiting_verification", "recheck")


def scope_where(scope: Scope) -> tuple[str, tuple[object, ...]]:
    """The hazards (aliased h) someone with ``scope`` may see."""
    if scope.everything:
        return "1 = 1", ()
    if scope.enterprise_id is not None:
        return "h.enterprise_id = ?", (scope.enterprise_id,)
    return "(h.department_id = ? OR h.township_id = ?)", (scope.unit_id, scope.unit_id)


def _records(rows: Sequence[sqlite3.Row], events: Sequence[sqlite3.Row]) -> list[HazardRecord]:
    by_hazard: dict[int, list[EventRecord]] = defaultdict(list)
    for e in events:
        by_hazard[e["hazard_id"]].append(EventRecord(
            from_db_required(e["at"]), e["action"], State(e["to_state"]), e["actor_id"], from_db(e["deadline_to"]),
            e["moved"], e["grade_from"],
        ))  # fmt: skip
    return [
        HazardRecord(
            id=r["id"], code=r["code"], enterprise_id=r["enterprise_id"], township_id=r["township_id"],
            department_id=r["department_id"], category_id=r["category_id"], grade=Grade(r["grade"]),
            state=State(r["state"]), reported_at=from_db_required(r["reported_at"]), deadline=from_db(r["deadline"]),
            closed_at=from_db(r["closed_at"]), rebounds=r["rebounds"], events=tuple(by_hazard.get(r["id"], ())),
            description=r["description"], place=r["place"], responsible_person=r["responsible_person"],
            measures=r["measures"], photos=r["photos"], after_photos=r["after_photos"],
            plan=tuple(json.loads(r["plan"]).items()) if r["plan"] else (),
        )
        for r in rows
    ]


_EVENTS = (
    "SELECT e.hazard_id, e.at, e.action, e.to_state, e.actor_id, json_extract(e.data, '$.deadline_to') AS deadline_to,"
    " json_extract(e.data, '$.role') AS moved, json_extract(e.data, '$.grade_from') AS grade_from"
    " FROM events e WHERE e.hazard_id IN ({ids}) ORDER BY e.hazard_id, e.id"
)
_HAZARDS = (
    "SELECT h.*, (SELECT COUNT(*) FROM hazard_photos p WHERE p.hazard_id = h.id AND p.stage = 'report') AS photos,"
    " (SELECT COUNT(*) FROM hazard_photos p WHERE p.hazard_id = h.id AND p.stage = (SELECT q.stage FROM hazard_photos q"
    "  WHERE q.hazard_id = h.id AND q.stage LIKE 'submit:%' ORDER BY q.id DESC LIMIT 1)) AS after_photos,"
    " (SELECT json_group_object(part, text) FROM hazard_plan_parts pp WHERE pp.hazard_id = h.id) AS plan"
    " FROM hazards h WHERE {where} ORDER BY h.reported_at, h.id"
)


class StatisticsRepository:
    """Hazard records for counting and for the ledger, and who people are by id."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def _read(self, where: str, params: tuple[object, ...]) -> list[HazardRecord]:
        # thousands of rows: on the second connection (storage/db.py), so no one's reply waits for them
        async with self.db.bulk_reading() as tx:
            rows = await tx.all(_HAZARDS.format(where=where), params)
            # the same condition again as a subquery: one pass over events_by_hazard, no id list to bind
            events = await tx.all(_EVENTS.format(ids=f"SELECT h.id FROM hazards h WHERE {where}"), params)
        # and parsed off the event loop, after the snapshot is let go
        return await asyncio.to_thread(_records, rows, events)

    async def get_records(self, scope: Scope, start: dt.datetime, end: dt.datetime) -> list[HazardRecord]:
        """The hazards in scope that count for [start, end): filed before its end, live or touched since its start."""
        scoped, params = scope_where(scope)
        live = ",".join("?" * len(_LIVE))
        where = f"{scoped} AND h.reported_at < ? AND (h.updated_at >= ? OR h.state IN ({live}))"
        return await self._read(where, (*params, to_db(end), to_db(start), *_LIVE))

    async def count_ledger(self, scope: Scope, start: dt.datetime, end: dt.datetime) -> int:
        """How many hazards in scope were filed in [start, end) (the export's progress: N of this)."""
        scoped, params = scope_where(scope)
        async with self.db.bulk_reading() as tx:
            return int(await tx.scalar(f"SELECT COUNT(*) FROM hazards h WHERE {scoped} AND h.reported_at >= ?"
                                       " AND h.reported_at < ?", (*params, to_db(start), to_db(end))) or 0)

    async def ledger_chunks(self, scope: Scope, start: dt.datetime, end: dt.datetime,
                            size: int = LEDGER_CHUNK) -> AsyncIterator[list[HazardRecord]]:
        """The ledger of get_ledger in chunks of `size`, oldest first: each read starts after the last hazard of the
        one before (its filing time and id), so a read costs a chunk, whatever the size of the ledger."""
        scoped, params = scope_where(scope)
        base, values = f"{scoped} AND h.reported_at >= ? AND h.reported_at < ?", (*params, to_db(start), to_db(end))
        after: tuple[object, ...] = ()
        while True:
            where = base + (" AND (h.reported_at > ? OR (h.reported_at = ? AND h.id > ?))" if after else "")
            chunk = await self._read_chunk(where, (*values, *after), size)
            if chunk:
                yield chunk
            if len(chunk) < size:
                return
            last = chunk[-1]
            after = (to_db(last.reported_at), to_db(last.reported_at), last.id)

    async def _read_chunk(self, where: str, params: tuple[object, ...], size: int) -> list[HazardRecord]:
        async with self.db.bulk_reading() as tx:
            rows = await tx.all(_HAZARDS.format(where=where) + " LIMIT ?", (*params, size))
            ids = [r["id"] for r in rows]
            events = await tx.all(_EVENTS.format(ids=",".join("?" * len(ids))), ids) if ids else []
        return await asyncio.to_thread(_records, rows, events)

    async def get_ledger(self, scope: Scope, start: dt.datetime, end: dt.datetime) -> list[HazardRecord]:
        """The hazards in scope filed in [start, end), oldest first, with their events."""
        scoped, params = scope_where(scope)
        where = f"{scoped} AND h.reported_at >= ? AND h.reported_at < ?"
        return await self._read(where, (*params, to_db(start), to_db(end)))

    async def get_names(self, telegram_ids: Iterable[int]) -> dict[int, str]:
        """Members' names by Telegram id (those who have joined)."""
        wanted = sorted(set(telegram_ids))
        if not wanted:
            return {}
        rows = await self.db.all(
            f"SELECT telegram_id, display_name FROM members WHERE telegram_id IN ({','.join('?' * len(wanted))})",
            wanted,
        )
        return {r[0]: r[1] for r in rows}

    async def get_lead_ids(self, unit_ids: Iterable[str]) -> list[int]:
        """Telegram ids of the leads of these units (removed members are none)."""
        wanted = sorted(set(unit_ids))
        rows = await self.db.all(
            f"SELECT telegram_id FROM members WHERE role = 'lead' AND unit_id IN ({','.join('?' * len(wanted))})"
            " AND removed_at IS NULL ORDER BY telegram_id",
            wanted,
        )
        return [r[0] for r in rows]


# --- self-checks ------------------------------------------------------------------------------------
