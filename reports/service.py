"""Counting as the bot does it: the database counts (storage/counting.py), this renders text, charts and files.

Used by /stats, /export and the scheduled digest and ranking (outbound/periodic.py). CPU-heavy
work runs off the event loop so other updates are answered meanwhile: charts in a worker thread, exports (reading
and building) in a worker process.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from domain.hazards import Grade
from domain.members import Member, Role, Scope, scope_of
from domain.org import Organisation, UnitKind
from domain.periods import Period, month_of, quarter_of, week_of
from domain.ranking import UnitInput, UnitScore, rank_units
from domain.reminders import acceptance_due, acceptance_dues
from domain.schedule import selfcheck_times
from domain.statistics import (
    AcceptanceDue,
    Compliance,
    Figures,
    compliance,
)
from kernel.services import Services
from reports import worker
from reports.charts import Panel, bar_chart
from reports.ledger_export import ExportFiles, ExportJob, table_keys
from reports.text import period_block, period_label, ranking_lines, rows_block, scope_label, snapshot_block
from storage.counting import Acceptance, CountingRepository, GroupBy
from storage.selfchecks import SelfCheckRepository
from storage.statistics import StatisticsRepository
from texts import Html, plain, t
from texts.dates import datetime_cn

_NONE = Figures()


def counting_of(services: Services) -> CountingRepository:
    """The figures as the database counts them."""
    return services.repos.counting


def statistics_of(services: Services) -> StatisticsRepository:
    """The counting repository on the bot's database."""
    return services.repos.statistics


def selfchecks_of(services: Services) -> SelfCheckRepository:
    """The self-check repository on the bot's database."""
    return services.repos.selfchecks


def acceptance_of(services: Services) -> Acceptance:
    """The 受理 limit for counting in the database, with each grade's limit as office time."""
    policy, calendar, zone = services.policy, services.calendar, services.zone
    return Acceptance(accept_due_of(services), {g: policy.for_grade(g).accept_limit for g in Grade},
                      lambda starts, grade: acceptance_dues(starts, grade, policy, calendar, zone))


def accept_due_of(services: Services) -> AcceptanceDue:
    """The 受理 time limit as the reminders count it (this deployment's policy, calendar and zone), for counting."""
    return lambda start, grade: acceptance_due(start, grade, services.policy, services.calendar, services.zone)


def _table_rows(org: Organisation, scope: Scope, table: dict[str, Figures], *,
                active_only: bool) -> list[tuple[str, Figures]]:  # fmt: skip
    """The rows of a breakdown (ledger_export.table_keys) with their figures."""
    rows = [(name, table.get(key, _NONE)) for name, _, key in table_keys(org, scope, table)]
    if active_only:
        rows = [(n, f) for n, f in rows
                if f.reported or f.rectified or f.open or f.overdue or f.rechecks_due or f.not_accepted_in_time]
    return rows


def _total(table: dict[str, Figures]) -> Figures:
    """The whole scope's figures in a breakdown (the key '')."""
    return table.get("", _NONE)


def _rows_title(scope: Scope, period: str) -> str:
    return plain("stats.rows_units" if scope.everything else "stats.rows_enterprises", period=period)


async def stats_message(services: Services, member: Member, scope: Scope | None = None) -> Html:
    """/stats: this week and this month in the caller's scope (or `scope`, a part of it); units or enterprises for
    leads and the 安委办."""
    org, zone, now = services.org, services.zone, services.now()
    scope = scope_of(member, org) if scope is None else scope
    today = now.astimezone(zone).date()
    week, month = week_of(today), month_of(today)
    with_rows = member.role is Role.LEAD or member.sees_everything(org)
    by = GroupBy.TOTAL if not with_rows else GroupBy.UNIT if scope.everything else GroupBy.ENTERPRISE
    # one read: both periods are still running, so their snapshot (now) is counted once
    week_table, month_table = await counting_of(services).tables(
        scope, [(week.start_at(zone), week.end_at(zone)), (month.start_at(zone), month.end_at(zone))], now, zone,
        acceptance_of(services), by)  # fmt: skip
    this_week, this_month = _total(week_table), _total(month_table)
    parts = [t("stats.heading", scope=scope_label(org, scope)),
             period_block(plain("stats.this_week", period=period_label(week)), this_week),
             period_block(plain("stats.this_month", period=period_label(month)), this_month),
             snapshot_block(now, zone, this_month)]  # fmt: skip
    if with_rows:
        rows = _table_rows(org, scope, month_table, active_only=not scope.everything)
        if rows:
            parts.append(rows_block(_rows_title(scope, period_label(month)), rows))
    return Html("\n\n".join(parts))


async def digest_message(services: Services, unit_id: str, period: Period, late: bool) -> tuple[Html, bytes | None]:
    """The weekly digest of a unit (the 安委办: the county) and its chart (None when there is nothing per row)."""
    org, zone, now = services.org, services.zone, services.now()
    unit = org.units[unit_id]
    scope = Scope(everything=True) if unit.kind is UnitKind.OFFICE else Scope(unit_id=unit_id)
    start, end = period.start_at(zone), period.end_at(zone)
    by = GroupBy.UNIT if scope.everything else GroupBy.ENTERPRISE
    table = await counting_of(services).figures(scope, start, end, now, zone, acceptance_of(services), by)
    total = _total(table)
    rows = _table_rows(org, scope, table, active_only=not scope.everything)
    label = period_label(period)
    parts = [t("digest.heading", late=t("notice.late") if late else Html(""), scope=scope_label(org, scope),
               period=label), period_block(label, total), snapshot_block(min(end, now), zone, total)]  # fmt: skip
    if rows:
        parts.append(rows_block(_rows_title(scope, label), rows))
    if not rows:
        return Html("\n\n".join(parts)), None
    panel = Panel(plain("digest.panel_units" if scope.everything else "digest.panel_enterprises"),
                  [name for name, _ in rows],
                  [(plain("digest.series_reported"), [f.reported for _, f in rows]),
                   (plain("digest.series_rectified"), [f.rectified for _, f in rows]),
                   (plain("digest.series_overdue"), [f.overdue for _, f in rows])])  # fmt: skip
    title = plain("digest.chart_title", scope=scope_label(org, scope), period=label)
    chart = await asyncio.to_thread(bar_chart, title, [panel])
    return Html("\n\n".join(parts)), chart


def selfcheck_weeks(services: Services, period: Period) -> list[tuple[dt.date, dt.datetime]]:
    """The weeks (Monday, deadline) whose self-check prompt falls in the period."""
    weeks = []
    week = week_of(period.start - dt.timedelta(days=6))
    while week.start < period.end:
        prompt, deadline = selfcheck_times(week, services.schedule, services.calendar, services.zone)
        if period.contains(prompt.astimezone(services.zone).date()):
            weeks.append((week.start, deadline))
        week = week_of(week.end)
    return weeks


@dataclass(frozen=True, slots=True)
class Ranking:
    """A month's ranking of departments and of townships."""

    period: Period
    departments: list[UnitScore]
    townships: list[UnitScore]


async def ranking_of(services: Services, period: Period) -> Ranking:
    """Rank the departments and the townships over a period (a month)."""
    org, zone, now = services.org, services.zone, services.now()
    start, end = period.start_at(zone), period.end_at(zone)
    table = await counting_of(services).figures(Scope(everything=True), start, end, now, zone, acceptance_of(services),
                                                GroupBy.UNIT)
    weeks = selfcheck_weeks(services, period)
    checks = await selfchecks_of(services).get_between(weeks[0][0], weeks[-1][0]) if weeks else []

    def inputs(kind: UnitKind) -> list[UnitInput]:
        result = []
        for unit in org.units_of_kind(kind):
            enterprises = [e.id for e in org.enterprises_in([unit.id])]
            made = compliance(enterprises, weeks, checks, now) if enterprises else Compliance()
            result.append(UnitInput(unit.id, len(enterprises), table.get(unit.id, _NONE), made))
        return result

    return Ranking(period, rank_units(inputs(UnitKind.DEPARTMENT)), rank_units(inputs(UnitKind.TOWNSHIP)))


async def ranking_message(services: Services, period: Period, late: bool) -> tuple[Html, bytes]:
    """The monthly ranking as text and chart."""
    org = services.org
    ranking = await ranking_of(services, period)
    label = period_label(period)
    text = t("ranking.message", late=t("notice.late") if late else Html(""), period=label,
             departments=ranking_lines(org, ranking.departments), townships=ranking_lines(org, ranking.townships))
    panels = [Panel(plain(f"ranking.{kind}"), [org.units[s.unit_id].name for s in scores],
                    [(plain("ranking.series"), [round(s.score or 0.0, 1) for s in scores])], limit=100)
              for kind, scores in (("departments", ranking.departments), ("townships", ranking.townships))
              if scores]  # fmt: skip
    chart = await asyncio.to_thread(bar_chart, plain("ranking.chart_title", period=label), panels)
    return text, chart


Progress = Callable[[int, int], Awaitable[None]]  # rows written so far, rows in all


class ExportStopped(Exception):
    """The bot was told to stop while the files were being built: the worker is stopped, nothing is sent."""


async def export_files(services: Services, scope: Scope, period: Period, folder: Path,
                       progress: Progress | None = None, stopping: Callable[[], bool] = lambda: False) -> ExportFiles:
    """Build the ledger files of a scope and period in `folder`: read and written in a worker process, a chunk at a
    time; `progress` hears how far it got every PROGRESS_EVERY seconds (the worker writes it to a file). Once
    `stopping` says the bot is stopping, the worker is stopped and ExportStopped raised (a stop waits for no export)."""
    org, zone, now = services.org, services.zone, services.now()
    quarter = quarter_of(period.start)
    job = ExportJob(services.db.path, org, scope, period, now, zone,
                    subtitle=plain("export.table_subtitle", scope=scope_label(org, scope),
                                   period=period_label(quarter), at=datetime_cn(now, zone)),
                    name=plain("export.file_name", scope=scope_label(org, scope), period=period.key),
                    folder=folder, policy=services.policy, calendar=services.calendar)  # fmt: skip
    # a worker process, not a thread: reading thousands of rows and openpyxl's seconds of CPU in threads held the event
    # loop up for up to half a second at a time (the GIL), so everyone's replies waited while three exports were built;
    # one at a time (the bot keeps a core): the others wait their turn

    async def waiting() -> None:
        if stopping():
            raise ExportStopped
        if progress is not None and (told := _progress_of(job.progress)) is not None:
            await progress(*told)

    async with _turn(services.export_turn, waiting, PROGRESS_EVERY):
        return await worker.run(job, waiting, PROGRESS_EVERY)


@asynccontextmanager
async def _turn(turn: asyncio.Lock, waiting: Callable[[], Awaitable[None]], every: float) -> AsyncIterator[None]:
    """Hold `turn`; while it is another export's, `waiting` is called every `every` seconds as well (so a stop is
    heard in the queue too, not only once this export's worker runs)."""
    while True:
        try:
            await asyncio.wait_for(turn.acquire(), every)
            break
        except TimeoutError:
            await waiting()
    try:
        yield
    finally:
        turn.release()


PROGRESS_EVERY = 2.0  # seconds between the progress message's edits (Telegram allows about one a second per chat)


def _progress_of(path: Path) -> tuple[int, int] | None:
    """What the worker last wrote: rows written and rows in all (None before its first chunk)."""
    try:
        done, total = path.read_text(encoding="ascii").split()
        return int(done), int(total)
    except (OSError, ValueError):
        return None


