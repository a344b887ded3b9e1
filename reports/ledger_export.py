"""The export worker's side of /export: read the ledger a chunk at a time and write it as .xlsx and .csv.

It runs in a process of its own (reports.worker, started by reports.service), which imports this module and what it
needs — the ledger's storage, the domain and openpyxl — and none of the bot's running parts (the messengers, the
knowledge base, photos' hashes), so that it stays small beside the bot. numpy is kept out of it: openpyxl imports it,
if it can, only to recognise numpy's number types, which the ledger never holds (about 15 MB of the worker's memory).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from domain.hazards import Grade
from domain.members import Scope
from domain.org import Organisation, UnitKind
from domain.periods import Period, quarter_of
from domain.reminders import Policy, acceptance_due
from domain.statistics import StateRow, ledger_rows
from domain.workcalendar import WorkCalendar
from storage.counting import CountingRepository, GroupBy
from storage.db import Database
from storage.statistics import StatisticsRepository


@dataclass(frozen=True, slots=True)
class ExportFiles:
    """The ledger as .xlsx (ledger and quarterly table) and as .csv, written to files in `folder`."""

    xlsx: Path
    csv: Path
    count: int
    name: str  # file name without extension


@dataclass(frozen=True, slots=True)
class ExportJob:
    """What the worker process needs to read and write the ledger files (sent to it pickled: small)."""

    database: Path
    org: Organisation
    scope: Scope
    period: Period
    now: dt.datetime
    zone: dt.tzinfo
    subtitle: str
    name: str
    folder: Path
    policy: Policy  # the 受理 limits (with the calendar): the ledger says whether each was met
    calendar: WorkCalendar

    @property
    def progress(self) -> Path:
        """Where the worker says how far it got."""
        return self.folder / "progress"


def build_export(job: ExportJob) -> ExportFiles:
    """Read the records (a read-only connection of its own) and write the files: in the worker process."""
    if "numpy" not in sys.modules:
        sys.modules["numpy"] = None  # type: ignore[assignment]  # openpyxl then does without it (see above)
    return asyncio.run(_read_and_build(job))


async def _read_and_build(job: ExportJob) -> ExportFiles:
    # openpyxl is imported by the worker, never by the bot's own process
    from reports.workbook import StreamedLedger, TableRow

    org, zone, now, scope, quarter = job.org, job.zone, job.now, job.scope, quarter_of(job.period.start)
    start, end = job.period.start_at(zone), job.period.end_at(zone)
    xlsx, csv = job.folder / f"{job.name}.xlsx", job.folder / f"{job.name}.csv"

    def due(start: dt.datetime, grade: Grade) -> dt.datetime:
        return acceptance_due(start, grade, job.policy, job.calendar, zone)

    db = await Database.open_read_only(job.database)
    ledger = StreamedLedger(xlsx, csv, org, zone)
    try:
        repository = StatisticsRepository(db)
        total = await repository.count_ledger(scope, start, end)
        async for records in repository.ledger_chunks(scope, start, end):
            # the verifiers' names, and the reporters' for the 上报人 column
            names = await repository.get_names(e.actor_id for r in records for e in r.events
                                               if e.action in ("verify_pass", "report"))
            ledger.add(ledger_rows(records, now, zone, due), names)
            job.progress.write_text(f"{ledger.count} {max(total, ledger.count)}", encoding="ascii")
        # the quarterly table counted in the database, not from every record of the quarter in memory
        by = GroupBy.UNIT if scope.everything else GroupBy.ENTERPRISE if scope.unit_id else GroupBy.TOTAL
        counted = await CountingRepository(db).state_rows(scope, quarter.start_at(zone), quarter.end_at(zone), now,
                                                          zone, by)  # fmt: skip
        keys = table_keys(org, scope, counted)
        lines = [TableRow(name, kind, counted.get(key, StateRow())) for name, kind, key in keys]
        ledger.finish(lines, counted.get("", StateRow()), table_subtitle=job.subtitle)
    finally:
        ledger.close()
        await db.close()
    return ExportFiles(xlsx, csv, ledger.count, job.name)


def table_keys(org: Organisation, scope: Scope, counted: Collection[str]) -> list[tuple[str, str, str]]:
    """The rows of a breakdown, as (name, kind, key among the `counted` keys): the county's units, or a unit's
    enterprises (the organisation's, then any other the hazards name), or none for an enterprise. The quarterly table's
    rows here, /stats' and the digest's in reports.service."""
    if scope.everything:
        units = org.units_of_kind(UnitKind.DEPARTMENT) + org.units_of_kind(UnitKind.TOWNSHIP)
        return [(u.name, u.kind.value, u.id) for u in units]
    if scope.unit_id is not None:
        ids = [e.id for e in org.enterprises_in([scope.unit_id])]
        ids += sorted(set(counted) - set(ids) - {""})
        return [(org.enterprises[e].name if e in org.enterprises else e, "enterprise", e) for e in ids]
    return []
