"""Counting in SQL gives domain.statistics' figures: seeded random ledgers, every scope, breakdown and period."""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import sqlite3
from contextlib import closing
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from config.org import load_org
from config.settings import PROJECT_ROOT
from domain.hazards import Grade
from domain.members import Scope
from domain.org import Organisation, UnitKind
from domain.periods import month_of, week_of
from domain.reminders import Policy, acceptance_due, acceptance_dues
from domain.statistics import AcceptanceDue, Figures, HazardRecord, breakdown, figures
from domain.workcalendar import WorkCalendar
from storage.counting import Acceptance, CountingRepository, GroupBy, latest_start_overdue
from storage.db import Database
from storage.statistics import StatisticsRepository
from tests.storage import ledgers

ZONE = ZoneInfo("Asia/Shanghai")
FIRST = dt.datetime(2026, 8, 1, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 11, 26, 7, 30, tzinfo=dt.UTC)  # a Thursday afternoon in Shanghai


def _places(org: Organisation) -> list[ledgers.Place]:
    departments = [u.id for u in org.units_of_kind(UnitKind.DEPARTMENT)]
    return [ledgers.Place(e.id, e.township_id, (org.categories[e.industry_id].department_id,
                                                 *[d for d in departments[:3] if d != org.categories[e.industry_id]
                                                   .department_id]))
            for e in org.enterprises.values()]  # fmt: skip


def _accept_due() -> AcceptanceDue:
    policy, calendar = Policy(), WorkCalendar()
    return lambda start, grade: acceptance_due(start, grade, policy, calendar, ZONE)


def _acceptance() -> Acceptance:
    """As the bot counts: a period's 受理 limits worked out together (the reference works them out one by one)."""
    policy, calendar = Policy(), WorkCalendar()
    return Acceptance(_accept_due(), {g: policy.for_grade(g).accept_limit for g in Grade},
                      lambda starts, grade: acceptance_dues(starts, grade, policy, calendar, ZONE))


def _nonzero(table: dict[str, Figures]) -> dict[str, Figures]:
    return {k: f for k, f in table.items() if f != Figures()}


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Organisation]:
    """3,000 hazards filed from August to now, with every kind of history."""
    org = load_org(PROJECT_ROOT / "config" / "org.example.toml")
    path = tmp_path_factory.mktemp("counting") / "db.sqlite3"
    import asyncio

    async def migrate() -> None:
        await (await Database.open(path)).close()

    asyncio.run(migrate())
    with sqlite3.connect(path) as conn:
        ledgers.write(conn, ledgers.histories(16, 3000, _places(org), FIRST, NOW, NOW))
    return path, org


def _groups(org: Organisation, by: GroupBy, records: list[HazardRecord]) -> dict[str, object]:
    if by is GroupBy.UNIT:
        units = org.units_of_kind(UnitKind.DEPARTMENT) + org.units_of_kind(UnitKind.TOWNSHIP)
        return {u.id: (lambda r, u=u.id: u in r.unit_ids) for u in units}
    if by is GroupBy.ENTERPRISE:
        return {e: (lambda r, e=e: r.enterprise_id == e) for e in {r.enterprise_id for r in records}}
    return {"": lambda r: True}


PERIODS = [
    ("this week", week_of(NOW.astimezone(ZONE).date()), NOW),
    ("this month", month_of(NOW.astimezone(ZONE).date()), NOW),
    ("a past week (hazards changed since)", week_of(dt.date(2026, 10, 12)), NOW),
    ("a past month", month_of(dt.date(2026, 9, 1)), NOW),
    ("a month looked at in its middle", month_of(dt.date(2026, 10, 1)), dt.datetime(2026, 10, 17, 3, tzinfo=dt.UTC)),
]


@pytest.mark.parametrize(("name", "period", "now"), PERIODS, ids=[p[0] for p in PERIODS])
@pytest.mark.parametrize(("scope", "by"), [
    (Scope(everything=True), GroupBy.TOTAL), (Scope(everything=True), GroupBy.UNIT),
    (Scope(unit_id="xfdd"), GroupBy.ENTERPRISE), (Scope(unit_id="cgz"), GroupBy.TOTAL),
    (Scope(enterprise_id="e01"), GroupBy.TOTAL),
], ids=["county", "county-by-unit", "department-by-enterprise", "township", "enterprise"])  # fmt: skip
async def test_sql_figures_equal_the_reference(ledger: tuple[Path, Organisation], name: str, period: object,
                                               now: dt.datetime, scope: Scope, by: GroupBy) -> None:  # fmt: skip
    path, org = ledger
    start, end = period.start_at(ZONE), period.end_at(ZONE)  # type: ignore[attr-defined]
    due = _accept_due()
    db = await Database.open(path)
    try:
        records = await StatisticsRepository(db).get_records(scope, start, end)
        expected = breakdown(records, _groups(org, by, records), start, end, now, ZONE, due)  # type: ignore[arg-type]
        got = await CountingRepository(db).figures(scope, start, end, now, ZONE, _acceptance(), by)
    finally:
        await db.close()
    total = figures(records, start, end, now, ZONE, due)
    assert _nonzero(got) == _nonzero({**expected, "": total})
    assert got[""] == total  # the whole scope is always there
    # the ledger is not trivial: each kind of figure is there to be got wrong
    if scope.everything and "month" in name and now == NOW:
        assert all(getattr(total, f) for f in ("reported", "accepted", "rectified_on_time", "rectified_late",
                                               "rebounds", "rechecks_done", "overdue", "major_open", "rechecks_due",
                                               "accepted_late", "unaccepted_overdue"))  # fmt: skip


async def test_without_a_limit_no_acceptance_is_judged(ledger: tuple[Path, Organisation]) -> None:
    path, _ = ledger
    month = month_of(NOW.astimezone(ZONE).date())
    db = await Database.open(path)
    try:
        got = await CountingRepository(db).figures(Scope(everything=True), month.start_at(ZONE), month.end_at(ZONE),
                                                   NOW, ZONE)  # fmt: skip
    finally:
        await db.close()
    assert got[""].accepted and got[""].not_accepted_in_time == 0


@pytest.mark.parametrize("grade", list(Grade))
@pytest.mark.parametrize("snapshot", [NOW, dt.datetime(2026, 10, 3, 1, tzinfo=dt.UTC),  # a holiday week
                                      dt.datetime(2026, 11, 23, 0, 59, tzinfo=dt.UTC)])  # a Monday before office
def test_the_latest_overdue_start_is_the_boundary(grade: Grade, snapshot: dt.datetime) -> None:
    due = _accept_due()
    latest = latest_start_overdue(due, grade, snapshot)
    assert latest is not None
    assert due(latest, grade) < snapshot <= due(latest + dt.timedelta(microseconds=1), grade)
    assert not math.isnan(latest.timestamp())


async def test_migration_works_out_the_facts_of_events_written_before_it(tmp_path: Path,
                                                                          ledger: tuple[Path, Organisation]) -> None:
    """A database of the version before gets the same event_facts from 011's backfill as the trigger writes."""
    from storage.db import _migrations

    _, org = ledger
    old = tmp_path / "old.sqlite3"
    with sqlite3.connect(old) as conn:
        for number, script in _migrations():
            if number < 11:
                conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
        ledgers.write(conn, ledgers.histories(16, 600, _places(org), FIRST, NOW, NOW))
    new = tmp_path / "new.sqlite3"
    await (await Database.open(new)).close()
    with sqlite3.connect(new) as conn:
        ledgers.write(conn, ledgers.histories(16, 600, _places(org), FIRST, NOW, NOW))
    await (await Database.open(old)).close()  # migrates to 011

    def facts(path: Path) -> list[tuple[object, ...]]:
        with sqlite3.connect(path) as conn:
            return conn.execute("SELECT * FROM event_facts ORDER BY event_id").fetchall()

    written = facts(new)
    assert written == facts(old)
    assert {row[0] for row in written} == {"accept", "rebound", "recheck_pass", "verify_pass"}
    on_time = [c[0] for c in sqlite3.connect(new).execute("SELECT * FROM event_facts").description].index("on_time")
    assert {row[on_time] for row in written if row[0] == "verify_pass"} == {0, 1}  # late and on time


@pytest.mark.parametrize(("first_day", "now"), [
    (dt.date(2026, 10, 1), NOW),  # the quarter running: its snapshot is now
    (dt.date(2026, 7, 1), NOW),  # a past quarter: hazards changed since are read from their events
    (dt.date(2026, 10, 1), dt.datetime(2026, 10, 20, 2, tzinfo=dt.UTC)),  # filed after "now" count as 已上报
])
@pytest.mark.parametrize(("scope", "by"), [
    (Scope(everything=True), GroupBy.UNIT), (Scope(unit_id="xfdd"), GroupBy.ENTERPRISE),
    (Scope(enterprise_id="e01"), GroupBy.TOTAL),
], ids=["county-by-unit", "department-by-enterprise", "enterprise"])  # fmt: skip
async def test_sql_quarterly_table_equals_the_reference(ledger: tuple[Path, Organisation], first_day: dt.date,
                                                        now: dt.datetime, scope: Scope, by: GroupBy) -> None:
    from domain.periods import quarter_of
    from domain.statistics import StateRow, state_rows

    path, org = ledger
    quarter = quarter_of(first_day)
    start, end = quarter.start_at(ZONE), quarter.end_at(ZONE)
    db = await Database.open(path)
    try:
        records = await StatisticsRepository(db).get_records(scope, start, end)
        got = await CountingRepository(db).state_rows(scope, start, end, now, ZONE, by)
    finally:
        await db.close()
    groups = _groups(org, by, records)
    expected = state_rows(records, groups, start, end, now, ZONE)  # type: ignore[arg-type]
    expected[""] = state_rows(records, {"": lambda _: True}, start, end, now, ZONE)[""]
    assert {k: r for k, r in got.items()} == {k: r for k, r in expected.items() if r.total}
    assert got[""].total and got[""].overdue and got[""].major_overdue and got[""] != StateRow()


async def test_a_hazard_moved_after_its_events_is_counted_where_it_is_now(tmp_path: Path,
                                                                          ledger: tuple[Path, Organisation]) -> None:
    """A 移送 or a new grade after the events were written moves the counted events with the hazard."""
    import shutil

    path = tmp_path / "moved.sqlite3"
    shutil.copy(ledger[0], path)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE hazards SET department_id = 'xfdd', township_id = 'cgz', enterprise_id = 'e01',"
                     " grade = CASE grade WHEN 'major' THEN 'general' ELSE 'major' END WHERE id % 7 = 0")
    month = month_of(NOW.astimezone(ZONE).date())
    start, end = month.start_at(ZONE), month.end_at(ZONE)
    db = await Database.open(path)
    try:
        records = await StatisticsRepository(db).get_records(Scope(everything=True), start, end)
        got = await CountingRepository(db).figures(Scope(everything=True), start, end, NOW, ZONE, _acceptance(),
                                                   GroupBy.UNIT)  # fmt: skip
        one = await CountingRepository(db).figures(Scope(unit_id="xfdd"), start, end, NOW, ZONE, _acceptance())
    finally:
        await db.close()
    expected = breakdown(records, _groups(ledger[1], GroupBy.UNIT, records), start, end, NOW, ZONE, _accept_due())  # type: ignore[arg-type]
    expected[""] = figures(records, start, end, NOW, ZONE, _accept_due())
    assert _nonzero(got) == _nonzero(expected)
    assert one[""] == _nonzero(expected)["xfdd"]


def test_a_rounds_length_is_counted_to_the_microsecond(tmp_path: Path) -> None:
    """Each closed round's length is worked out in SQL (migration 015) from integer microseconds, exactly as
    timedelta does (SQLite's own date functions round fractions to milliseconds: .9996 s would carry a second)."""
    from storage.timefmt import to_db

    base, us = dt.datetime(2026, 3, 1, 23, 59, 59, 999_600, tzinfo=dt.UTC), dt.timedelta(microseconds=1)
    pairs = [(base, base + 500 * us), (base, base + dt.timedelta(days=40) + us),
             (base - dt.timedelta(days=400) - 999_999 * us, base), (base, base)]  # fmt: skip
    asyncio.run(_migrated(tmp_path / "db.sqlite3"))
    with closing(sqlite3.connect(tmp_path / "db.sqlite3")) as conn, conn:
        for i, (start, end) in enumerate(pairs):
            conn.execute("INSERT INTO event_facts (action, at, event_id, hazard_id, department_id, township_id,"
                         " enterprise_id, grade, on_time, round_started) VALUES ('verify_pass', ?, ?, 1, 'd', 't',"
                         " 'e', 'general', 1, ?)", (to_db(end), i, to_db(start)))  # fmt: skip
        got = conn.execute("SELECT round_micros FROM event_facts ORDER BY event_id").fetchall()
    assert [micros for (micros,) in got] == [(end - start) // us for start, end in pairs]


async def _migrated(path: Path) -> None:
    await (await Database.open(path)).close()
