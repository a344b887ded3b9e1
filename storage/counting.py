"""Counting in the database: domain.statistics' figures and quarterly table computed with SQL aggregates.

/stats, the weekly digest and the monthly ranking read these instead of loading every hazard with its
events (issue 16). The definitions are domain.statistics' (its pure functions stay the reference, and
tests check both give the same figures on generated ledgers); here they become:

- what happened in the window [start, snapshot): ranges of ``event_facts`` (migration 011), where a trigger wrote,
  in each counted event's own transaction, what counting needs of it (a 受理's clock and reported grade, whether a
  销号 closed a round on time, when the round began and, migration 015, how long it ran) beside the hazard's units
  and grade now;
- where things stood at the snapshot: a hazard untouched since (``updated_at`` before it) stands as its
  row says, counted in one walk of the covering index ``hazards_live``; only hazards touched since
  the snapshot (a past period's digest) have their events looked up, one indexed probe each;
- 未按时受理: the 受理 limit is office time over the calendar (Python), but it only grows with the clock's
  start, so for still-unaccepted hazards one binary search per grade finds the latest start that is
  past its limit and SQL counts the starts up to it; of the accepts in the window only those slower than the
  grade's limit in wall time are judged on the calendar."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import chain, repeat

from domain.hazards import Grade, State
from domain.members import Scope
from domain.statistics import LONGEST_OVERDUE, OPEN_STATES, AcceptanceDue, Figures, StateRow, longest_overdue
from storage.db import Database, Tx
from storage.statistics import scope_where
from storage.timefmt import from_db, from_db_required, to_db

_LIVE = ("reported", "rectifying", "awaiting_verification", "recheck")
_SETTERS = "('accept', 'ext_approve', 'rebound')"  # the actions whose deadline_to is the deadline in force
_EVENT_COUNTS = {"accept": "accepted", "rebound": "rebounds", "recheck_pass": "recheck_pass"}
_SEARCH_BACK = dt.timedelta(days=3660)  # no 受理 limit is longer than ten years of office time


class GroupBy(StrEnum):
    """How figures are broken down: one total, per unit (department and township), or per enterprise."""

    TOTAL = "total"
    UNIT = "unit"
    ENTERPRISE = "enterprise"


Where = tuple[str, str, str]  # a hazard's department, township and enterprise: what every query groups by


def _keys_of(by: GroupBy) -> Callable[[Where], tuple[str, ...]]:
    """The keys a group of hazards counts under: the whole ('') and, by the breakdown, its units or enterprise."""
    if by is GroupBy.UNIT:
        return lambda where: ("", where[0], where[1])
    if by is GroupBy.ENTERPRISE:
        return lambda where: ("", where[2])
    return lambda where: ("",)


@dataclass(slots=True)
class _Tally:
    """Figures being added up for one key."""

    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    overdue: Counter[int] = field(default_factory=Counter)  # days overdue → how many hazards

    def figures(self) -> Figures:
        """The figures added up."""
        c = self.counts
        return Figures(
            reported=c["reported"], accepted=c["accepted"], rectified_on_time=c["on_time"],
            rectified_late=c["late"], rebounds=c["rebounds"], rechecks_done=c["rebounds"] + c["recheck_pass"],
            micros_to_close=c["micros_to_close"], overdue=self.overdue.total(), overdue_days=_longest(self.overdue),
            major_open=c["major_open"], rechecks_due=c["rechecks_due"], open=c["open"],
            accepted_late=c["accepted_late"], unaccepted_overdue=c["unaccepted_overdue"],
        )  # fmt: skip


class _Table:
    """Tallies by key; each group of hazards counted under every key it belongs to."""

    def __init__(self, by: GroupBy) -> None:
        self.keys = _keys_of(by)
        self.tallies: dict[str, _Tally] = defaultdict(_Tally)

    def count(self, where: Where, name: str, n: int | bool = 1) -> None:
        """Add ``n`` to one count of the group's keys."""
        if n:
            for key in self.keys(where):
                self.tallies[key].counts[name] += int(n)

    def overdue(self, where: Where, days: int, n: int = 1) -> None:
        """Count `n` hazards of the group overdue by `days`."""
        for key in self.keys(where):
            self.tallies[key].overdue[days] += n

    def merge(self, other: _Table) -> None:
        """Count another table's tallies in too (the snapshot's into a window's)."""
        for key, tally in other.tallies.items():
            mine = self.tallies[key]
            for name, n in tally.counts.items():
                mine.counts[name] += n
            mine.overdue.update(tally.overdue)

    def figures(self) -> dict[str, Figures]:
        """Figures by key; '' always there."""
        table = {key: tally.figures() for key, tally in self.tallies.items()}
        table.setdefault("", Figures())
        return table


def _longest(overdue: Counter[int]) -> tuple[int, ...]:
    """domain.statistics.longest_overdue of the days counted (days overdue → how many hazards; each day at most
    LONGEST_OVERDUE times: no more can be among the longest)."""
    return longest_overdue(chain.from_iterable(repeat(days, min(n, LONGEST_OVERDUE)) for days, n in overdue.items()))


def _days_overdue(deadline: dt.datetime, snapshot: dt.datetime, zone: dt.tzinfo) -> int:
    """domain.statistics.overdue_days for a hazard in 整改中 whose deadline has passed."""
    return max(1, (snapshot.astimezone(zone).date() - deadline.astimezone(zone).date()).days)


def latest_start_overdue(accept_due: AcceptanceDue, grade: Grade, snapshot: dt.datetime) -> dt.datetime | None:
    """The latest clock start whose 受理 limit (for ``grade``) passed before ``snapshot`` (None: none did).

    The limit never moves earlier as the start moves later (office time added to a later start ends no
    earlier), so "past its limit" holds exactly for the starts up to this one: a binary search to the microsecond.
    """
    low = snapshot - _SEARCH_BACK
    if not accept_due(low, grade) < snapshot:
        return None
    step = dt.timedelta(microseconds=1)
    high = snapshot  # accept_due(high) >= high: never past its limit
    while high - low > step:
        middle = low + (high - low) // 2
        if accept_due(middle, grade) < snapshot:
            low = middle
        else:
            high = middle
    return low


_DEADLINE_TO = "json_extract({e}.data, '$.deadline_to')"
_WHERE = "h.department_id, h.township_id, h.enterprise_id"


# a hazard changed since the snapshot, with what its events say of it then (four instants to bind: the snapshot)
_TOUCHED = (
    f"SELECT {_WHERE}, h.state, h.grade, h.deadline, h.reported_at,"
    " EXISTS (SELECT 1 FROM events x WHERE x.hazard_id = h.id),"
    " (SELECT x.to_state FROM events x WHERE x.hazard_id = h.id AND x.at < ? ORDER BY x.id DESC LIMIT 1),"
    f" (SELECT {_DEADLINE_TO.format(e='x')} FROM events x WHERE x.hazard_id = h.id AND x.at < ?"
    f"   AND x.action IN {_SETTERS} AND {_DEADLINE_TO.format(e='x')} IS NOT NULL ORDER BY x.id DESC LIMIT 1),"
    " (SELECT x.at FROM events x WHERE x.hazard_id = h.id AND x.at < ? AND x.action = 'accept'"
    "   ORDER BY x.id LIMIT 1),"
    " (SELECT x.at FROM events x WHERE x.hazard_id = h.id AND x.at < ? AND x.action = 'transfer'"
    "   AND json_extract(x.data, '$.role') = 'department' ORDER BY x.id DESC LIMIT 1)"
)


AcceptanceDues = Callable[[Sequence[dt.datetime], Grade], list[dt.datetime]]


@dataclass(frozen=True, slots=True)
class Acceptance:
    """How 受理 is judged: the limit (one start at a time, and many at once), and each grade's limit as office time
    (no limit ends sooner in wall time)."""

    due: AcceptanceDue
    limits: Mapping[Grade, dt.timedelta]
    dues: AcceptanceDues | None = None  # None: `due` for each

    def dues_of(self, starts: Sequence[dt.datetime], grade: Grade) -> list[dt.datetime]:
        """The limits of hazards reported with `grade` whose clocks started at `starts`."""
        return self.dues(starts, grade) if self.dues is not None else [self.due(s, grade) for s in starts]


class CountingRepository:
    """The statistics' figures read as aggregates from the database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def figures(self, scope: Scope, start: dt.datetime, end: dt.datetime, now: dt.datetime, zone: dt.tzinfo,
                      acceptance: Acceptance | None = None,
                      by: GroupBy = GroupBy.TOTAL) -> dict[str, Figures]:  # fmt: skip
        """domain.statistics.figures of the scope's hazards for [start, end), snapshot at min(end, now), by key.

        The key '' is the whole scope, always there; a unit's or enterprise's key once any of its figures is not 0.
        """
        return (await self.tables(scope, [(start, end)], now, zone, acceptance, by))[0]

    async def tables(self, scope: Scope, periods: Sequence[tuple[dt.datetime, dt.datetime]], now: dt.datetime,
                     zone: dt.tzinfo, acceptance: Acceptance | None = None,
                     by: GroupBy = GroupBy.TOTAL) -> list[dict[str, Figures]]:  # fmt: skip
        """``figures`` for several periods in one read; periods sharing a snapshot (both not over) count it once."""
        scoped, params = scope_where(scope)
        snapshots: dict[dt.datetime, _Table] = {}
        tables = []
        async with self.db.bulk_reading() as tx:  # long reads: on the second connection, no one waits for them
            for start, end in periods:
                snapshot = min(end, now)
                if snapshot not in snapshots:
                    snapshots[snapshot] = _Table(by)
                    await _snapshot(tx, snapshots[snapshot], scoped, params, snapshot, zone, acceptance)
                table = _Table(by)
                await _window(tx, table, scoped, params, start, snapshot, acceptance)
                table.merge(snapshots[snapshot])
                tables.append(table.figures())
        return tables


    async def state_rows(self, scope: Scope, start: dt.datetime, end: dt.datetime, now: dt.datetime,
                         zone: dt.tzinfo, by: GroupBy = GroupBy.TOTAL) -> dict[str, StateRow]:  # fmt: skip
        """domain.statistics.state_rows of the scope's hazards filed in [start, end), by key ('' the whole scope):
        by grade, by state at min(end, now), overdue then. A key appears once it has a hazard."""
        snapshot, keys = min(end, now), _keys_of(by)
        scoped, params = scope_where(scope)
        at = to_db(snapshot)
        rows: dict[str, _StateTally] = defaultdict(_StateTally)

        def add(where: Where, state: State, grade: Grade, n: int, overdue: int) -> None:
            for key in keys(where):
                rows[key].add(state, grade, n, overdue)

        filed = f"{scoped} AND h.reported_at >= ? AND h.reported_at < ?"
        async with self.db.bulk_reading() as tx:  # long reads: on the second connection, no one waits for them
            for d, t, e, state, grade, n, overdue in await tx.all(
                f"SELECT {_WHERE}, h.state, h.grade, COUNT(*), SUM(h.state = 'rectifying' AND h.deadline < ?)"
                f" FROM hazards h WHERE {filed} AND h.updated_at < ? GROUP BY {_WHERE}, h.state, h.grade",
                (at, *params, to_db(start), to_db(end), at),
            ):  # fmt: skip
                add((d, t, e), State(state), Grade(grade), n, overdue)
            for row in await tx.all(f"{_TOUCHED} FROM hazards h WHERE {filed} AND h.updated_at >= ?",
                                    (at, at, at, at, *params, to_db(start), to_db(end), at)):  # fmt: skip
                state, deadline = _as_it_stood(row)
                if row[6] >= at:  # filed after the snapshot (a period still running): counted as 已上报
                    state, deadline = State.REPORTED, None
                late = state is State.RECTIFYING and deadline is not None and deadline < snapshot
                add((row[0], row[1], row[2]), state, Grade(row[4]), 1, int(late))
        return {key: tally.row() for key, tally in rows.items()}


@dataclass(slots=True)
class _StateTally:
    """A StateRow being added up."""

    total: int = 0
    grades: dict[Grade, int] = field(default_factory=lambda: dict.fromkeys(Grade, 0))
    states: dict[State, int] = field(default_factory=lambda: dict.fromkeys(State, 0))
    overdue: int = 0
    major_overdue: int = 0

    def add(self, state: State, grade: Grade, n: int, overdue: int) -> None:
        """Count ``n`` hazards of a grade in a state, ``overdue`` of them overdue."""
        self.total += n
        self.grades[grade] += n
        self.states[state] += n
        self.overdue += overdue
        self.major_overdue += overdue * (grade is Grade.MAJOR)

    def row(self) -> StateRow:
        """The row as domain.statistics builds it."""
        return StateRow(self.total, self.grades, self.states, self.overdue, self.major_overdue)


async def _window(tx: Tx, table: _Table, scoped: str, params: tuple[object, ...], start: dt.datetime,
                  snapshot: dt.datetime, acceptance: Acceptance | None) -> None:  # fmt: skip
    """What happened in [start, snapshot): filings, 受理 (on time or not), 回头看, rectifications verified."""
    window = (to_db(start), to_db(snapshot))
    for d, t, e, n in await tx.all(
        f"SELECT {_WHERE}, COUNT(*) FROM hazards h WHERE {scoped} AND h.reported_at >= ? AND h.reported_at < ?"
        f" GROUP BY {_WHERE}", (*params, *window),
    ):  # fmt: skip
        table.count((d, t, e), "reported", n)
    # the window's events of each kind are ranges of event_facts (migration 011), which carry the hazard's units now
    # (as domain.statistics groups): aliased h, the scope's condition reads them as it reads hazards
    for d, t, e, action, n in await tx.all(
        f"SELECT {_WHERE}, h.action, COUNT(*) FROM event_facts h"
        f" WHERE h.action IN ('accept', 'rebound', 'recheck_pass') AND h.at >= ? AND h.at < ? AND {scoped}"
        f" GROUP BY {_WHERE}, h.action", (*window, *params),
    ):  # fmt: skip
        table.count((d, t, e), _EVENT_COUNTS[action], n)
    if acceptance is not None:
        await _accepted_late(tx, table, scoped, params, window, acceptance)
    # each 销号 that closed a round: on time as worked out when it was written, and its length (migration 015)
    for d, t, e, on_time, n, micros in await tx.all(
        f"SELECT {_WHERE}, h.on_time, COUNT(*), SUM(h.round_micros) FROM event_facts h"
        f" WHERE h.action = 'verify_pass' AND h.at >= ? AND h.at < ? AND {scoped} AND h.on_time IS NOT NULL"
        f" GROUP BY {_WHERE}, h.on_time", (*window, *params),
    ):  # fmt: skip
        table.count((d, t, e), "on_time" if on_time else "late", n)
        table.count((d, t, e), "micros_to_close", micros)


async def _accepted_late(tx: Tx, table: _Table, scoped: str, params: tuple[object, ...], window: tuple[str, str],
                         acceptance: Acceptance) -> None:  # fmt: skip
    """The hazards' first 受理 in the window that came after the limit of the clock they ran on (from filing, or
    from the last 移送 to another department before it), by the grade reported.

    Only a 受理 that came later after its clock's start than the grade's limit in wall time can be late (office
    time passes no faster than the clock): those few are judged on the calendar, the others are on time.
    """
    # a second's slack under each limit: julianday's rounding may only let more through to the exact check
    shortest = " ".join(f"WHEN '{g.value}' THEN {acceptance.limits[g].total_seconds() - 1}" for g in Grade)
    rows = await tx.all(
        f"SELECT {_WHERE}, h.at, COALESCE(h.grade_from, h.grade) AS reported, h.clock_from FROM event_facts h"
        f" WHERE h.action = 'accept' AND h.at >= ? AND h.at < ? AND {scoped} AND h.first_accept"
        f"   AND (julianday(h.at) - julianday(h.clock_from)) * 86400 > CASE reported {shortest} ELSE 0 END",
        (*window, *params),
    )  # fmt: skip
    late: Counter[Where] = Counter()
    for grade in Grade:  # each grade's limits worked out together (domain.workcalendar.add_office_time_many)
        mine = [row for row in rows if row[4] == grade.value]
        dues = acceptance.dues_of([from_db_required(row[5]) for row in mine], grade)
        late.update((d, t, e) for (d, t, e, accepted_at, _, _), due in zip(mine, dues, strict=True)
                    if from_db_required(accepted_at) > due)  # fmt: skip
    for where, n in late.items():
        table.count(where, "accepted_late", n)


async def _snapshot(tx: Tx, table: _Table, scoped: str, params: tuple[object, ...], snapshot: dt.datetime,
                    zone: dt.tzinfo, acceptance: Acceptance | None) -> None:  # fmt: skip
    """Where things stood at the snapshot: open, 重大 open, 回头看 due, overdue, unaccepted past the limit."""
    at = to_db(snapshot)
    # the states written out, not bound: only then can SQLite prove the partial index holds every row wanted
    live = ", ".join(f"'{state}'" for state in _LIVE)
    latest = {g: latest_start_overdue(acceptance.due, g, snapshot) if acceptance else None for g in Grade}
    # untouched since the snapshot: the row is how it stood; one walk of hazards_live in its own order (no sort)
    unaccepted = " ".join(f"WHEN '{g.value}' THEN ?" for g in Grade)
    for d, t, e, state, grade, n, late in await tx.all(
        f"SELECT {_WHERE}, h.state, h.grade, COUNT(*), SUM(h.state = 'reported'"
        f" AND COALESCE(h.accept_clock_from, h.reported_at) <= CASE h.grade {unaccepted} END)"
        f" FROM hazards h INDEXED BY hazards_live WHERE h.state IN ({live}) AND {scoped} AND h.updated_at < ?"
        f" GROUP BY h.state, {_WHERE}, h.grade",
        (*[_opt(latest[g]) for g in Grade], *params, at),
    ):  # fmt: skip
        where = (d, t, e)
        _count_state(table, where, State(state), Grade(grade), n)
        if acceptance is not None:
            table.count(where, "unaccepted_overdue", late)
    overdue_days: dict[str, int] = {}  # a deadline's UTC minute → its days overdue at the snapshot
    for d, t, e, minute, n in await tx.all(
        f"SELECT {_WHERE}, substr(h.deadline, 1, 16), COUNT(*) FROM hazards h INDEXED BY hazards_live"
        f" WHERE h.state IN ({live}) AND h.state = 'rectifying' AND {scoped} AND h.updated_at < ? AND h.deadline < ?"
        f" GROUP BY {_WHERE}, substr(h.deadline, 1, 16)", (*params, at, at),
    ):  # fmt: skip
        # the local day of a deadline is the same all through its UTC minute (zones move by whole minutes)
        days = overdue_days.get(minute)
        if days is None:
            days = overdue_days[minute] = _days_overdue(dt.datetime.fromisoformat(f"{minute}:00+00:00"), snapshot, zone)
        table.overdue((d, t, e), days, n)
    # touched since (a past period): how each stood is read from its events, one indexed probe each
    # through hazards_by_updated: at the snapshot "now" there is none to read, whatever the size of the ledger
    for row in await tx.all(f"{_TOUCHED} FROM hazards h INDEXED BY hazards_by_updated"
                            f" WHERE h.updated_at >= ? AND h.reported_at < ? AND {scoped}",
                            (at, at, at, at, at, at, *params)):
        _count_touched(table, row, snapshot, zone, acceptance)


def _as_it_stood(row: sqlite3.Row | Sequence[object]) -> tuple[State, dt.datetime | None]:
    """A touched hazard's state and deadline at the snapshot, from the _TOUCHED columns (domain.statistics.state_at
    and deadline_at: a hazard without events is as its row says)."""
    _, _, _, state_now, _, deadline_now, _, has_events, state_then, deadline_then, _, _ = row
    if has_events:
        state = State(str(state_then)) if state_then is not None else State.REPORTED
        return state, from_db(deadline_then) if isinstance(deadline_then, str) else None
    return State(str(state_now)), from_db(deadline_now) if isinstance(deadline_now, str) else None


def _opt(instant: dt.datetime | None) -> str:
    """An instant as stored; none: '' (before every instant)."""
    return "" if instant is None else to_db(instant)


def _count_state(table: _Table, where: Where, state: State, grade: Grade, n: int = 1) -> None:
    if state in OPEN_STATES:
        table.count(where, "open", n)
        table.count(where, "major_open", n * (grade is Grade.MAJOR))
    elif state is State.RECHECK:
        table.count(where, "rechecks_due", n)


def _count_touched(table: _Table, row: sqlite3.Row | Sequence[object], snapshot: dt.datetime, zone: dt.tzinfo,
                   acceptance: Acceptance | None) -> None:  # fmt: skip
    """One hazard changed since the snapshot, as domain.statistics.state_at and its kin see it then."""
    d, t, e, _, grade_text, _, reported_at, _, _, _, accepted, moved = row
    where = (str(d), str(t), str(e))
    grade = Grade(str(grade_text))
    state, deadline = _as_it_stood(row)
    _count_state(table, where, state, grade)
    if state is State.RECTIFYING and deadline is not None and deadline < snapshot:
        table.overdue(where, _days_overdue(deadline, snapshot, zone))
    if acceptance is not None and accepted is None and state is State.REPORTED:
        clock_from = from_db_required(str(moved if moved is not None else reported_at))
        table.count(where, "unaccepted_overdue", acceptance.due(clock_from, grade) < snapshot)
