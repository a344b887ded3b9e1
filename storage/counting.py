"""Counting in the database: the figures of domain.statistics.figures computed with SQL aggregates.

/stats, the weekly digest and the monthly ranking read these instead of loading every hazard with its
events (issue 16). The definitions are domain.statistics' (its pure functions stay the reference, and
tests check both give the same figures on generated ledgers); here they become:

- what happened in the window [start, snapshot): events found through ``events_by_action (action, at)``;
- where things stood at the snapshot: a hazard untouched since (``updated_at`` before it) stands as its
  row says, counted from the covering index ``hazards_live`` (migration 011); only hazards touched since
  the snapshot (a past period's digest) have their events looked up, one indexed probe each;
- 未按时受理: the 受理 limit is office time over the calendar (Python), but it only grows with the clock's
  start, so for still-unaccepted hazards one binary search per grade finds the latest start that is
  past its limit and SQL counts the starts up to it; the accepts in the window are judged one by one.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from domain.hazards import Grade, State
from domain.members import Scope
from domain.statistics import OPEN_STATES, AcceptanceDue, Figures
from storage.db import Database, Tx
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


def _scope_where(scope: Scope) -> tuple[str, tuple[object, ...]]:
    """The hazards (aliased h) someone with ``scope`` may see."""
    if scope.everything:
        return "1 = 1", ()
    if scope.enterprise_id is not None:
        return "h.enterprise_id = ?", (scope.enterprise_id,)
    return "(h.department_id = ? OR h.township_id = ?)", (scope.unit_id, scope.unit_id)


def _keys(by: GroupBy) -> tuple[str, ...]:
    """The key expressions a breakdown is grouped by: a hazard counts once under each."""
    if by is GroupBy.UNIT:
        return ("h.department_id", "h.township_id")
    if by is GroupBy.ENTERPRISE:
        return ("h.enterprise_id",)
    return ("''",)


@dataclass(slots=True)
class _Tally:
    """Figures being added up for one key."""

    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    days: list[float] = field(default_factory=list)
    overdue: list[int] = field(default_factory=list)

    def add(self, other: _Tally) -> None:
        """Count another group's figures in too."""
        for name, n in other.counts.items():
            self.counts[name] += n
        self.days += other.days
        self.overdue += other.overdue

    def figures(self) -> Figures:
        """The figures added up (the rounds' days in ascending order)."""
        c = self.counts
        return Figures(
            reported=c["reported"], accepted=c["accepted"], rectified_on_time=c["on_time"],
            rectified_late=c["late"], rebounds=c["rebounds"], rechecks_done=c["rebounds"] + c["recheck_pass"],
            days_to_close=tuple(sorted(self.days)), overdue_days=tuple(sorted(self.overdue, reverse=True)),
            major_open=c["major_open"], rechecks_due=c["rechecks_due"], open=c["open"],
            accepted_late=c["accepted_late"], unaccepted_overdue=c["unaccepted_overdue"],
        )  # fmt: skip


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


class CountingRepository:
    """The statistics' figures read as aggregates from the database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def figures(self, scope: Scope, start: dt.datetime, end: dt.datetime, now: dt.datetime, zone: dt.tzinfo,
                      accept_due: AcceptanceDue | None = None,
                      by: GroupBy = GroupBy.TOTAL) -> dict[str, Figures]:  # fmt: skip
        """domain.statistics.figures of the scope's hazards for [start, end), snapshot at min(end, now), per key.

        A key appears once any of its figures is not zero; the key '' is the whole scope, always there.
        """
        snapshot = min(end, now)
        scoped, params = _scope_where(scope)
        passes: list[dict[str, _Tally]] = []
        async with self.db.reading() as tx:
            for key in _keys(by):
                tallies: dict[str, _Tally] = defaultdict(_Tally)
                await self._window(tx, tallies, key, scoped, params, start, snapshot, accept_due)
                await self._snapshot(tx, tallies, key, scoped, params, snapshot, zone, accept_due)
                passes.append(tallies)
        table = {key: tally.figures() for tallies in passes for key, tally in tallies.items()}
        # the first key (department, enterprise) puts each hazard in exactly one group: their sum is the whole
        whole = _Tally()
        for tally in passes[0].values():
            whole.add(tally)
        table[""] = whole.figures()
        return table

    @staticmethod
    async def _window(tx: Tx, tallies: dict[str, _Tally], key: str, scoped: str, params: tuple[object, ...],
                      start: dt.datetime, snapshot: dt.datetime, accept_due: AcceptanceDue | None) -> None:  # fmt: skip
        """What happened in [start, snapshot): filings, 受理 (on time or not), 回头看, rectifications verified."""
        window = (to_db(start), to_db(snapshot))
        for k, n in await tx.all(
            f"SELECT {key}, COUNT(*) FROM hazards h WHERE {scoped} AND h.reported_at >= ? AND h.reported_at < ?"
            f" GROUP BY {key}", (*params, *window),
        ):  # fmt: skip
            tallies[k].counts["reported"] += n
        # events first (a window of events_by_action), each joined to its hazard for the scope and the key
        for k, action, n in await tx.all(
            f"SELECT {key}, e.action, COUNT(*) FROM events e CROSS JOIN hazards h ON h.id = e.hazard_id"
            f" WHERE e.action IN ('accept', 'rebound', 'recheck_pass') AND e.at >= ? AND e.at < ? AND {scoped}"
            f" GROUP BY {key}, e.action", (*window, *params),
        ):  # fmt: skip
            tallies[k].counts[_EVENT_COUNTS[action]] += n
        if accept_due is not None:
            # the hazard's first 受理 only, judged against the limit of the clock it ran on: from filing, or
            # from the last 移送 to another department before it; by the grade reported
            for k, accepted_at, grade, grade_from, clock_from in await tx.all(
                f"SELECT {key}, e.at, h.grade, json_extract(e.data, '$.grade_from'),"
                " COALESCE((SELECT t.at FROM events t WHERE t.hazard_id = e.hazard_id AND t.id < e.id"
                "   AND t.action = 'transfer' AND json_extract(t.data, '$.role') = 'department'"
                "   ORDER BY t.id DESC LIMIT 1), h.reported_at)"
                " FROM events e CROSS JOIN hazards h ON h.id = e.hazard_id"
                f" WHERE e.action = 'accept' AND e.at >= ? AND e.at < ? AND {scoped}"
                "   AND NOT EXISTS (SELECT 1 FROM events p WHERE p.hazard_id = e.hazard_id AND p.id < e.id"
                "   AND p.action = 'accept')", (*window, *params),
            ):  # fmt: skip
                due = accept_due(from_db_required(clock_from), Grade(grade_from or grade))
                tallies[k].counts["accepted_late"] += from_db_required(accepted_at) > due
        # each 销号 in the window closes the round of the submit just before it (none: not a round)
        for k, verified_at, submitted_at, deadline, started in await tx.all(
            f"SELECT {key}, v.at, s.at,"
            " (SELECT json_extract(d.data, '$.deadline_to') FROM events d WHERE d.hazard_id = v.hazard_id"
            f"   AND d.id < s.id AND d.action IN {_SETTERS} AND json_extract(d.data, '$.deadline_to') IS NOT NULL"
            "   ORDER BY d.id DESC LIMIT 1),"
            " COALESCE((SELECT r.at FROM events r WHERE r.hazard_id = v.hazard_id AND r.id < v.id"
            "   AND r.action = 'rebound' ORDER BY r.id DESC LIMIT 1), h.reported_at)"
            " FROM events v CROSS JOIN hazards h ON h.id = v.hazard_id"
            " JOIN events s ON s.id = (SELECT p.id FROM events p WHERE p.hazard_id = v.hazard_id AND p.id < v.id"
            "   AND p.action IN ('submit', 'rebound', 'verify_pass') ORDER BY p.id DESC LIMIT 1)"
            f" WHERE v.action = 'verify_pass' AND v.at >= ? AND v.at < ? AND {scoped} AND s.action = 'submit'",
            (*window, *params),
        ):  # fmt: skip
            in_force = from_db(deadline)
            on_time = in_force is None or from_db_required(submitted_at) <= in_force
            tallies[k].counts["on_time" if on_time else "late"] += 1
            tallies[k].days.append((from_db_required(verified_at) - from_db_required(started)).total_seconds() / 86400)

    @staticmethod
    async def _snapshot(tx: Tx, tallies: dict[str, _Tally], key: str, scoped: str, params: tuple[object, ...],
                        snapshot: dt.datetime, zone: dt.tzinfo, accept_due: AcceptanceDue | None) -> None:  # fmt: skip
        """Where things stood at the snapshot: open, 重大 open, 回头看 due, overdue, unaccepted past the limit."""
        at = to_db(snapshot)
        live = ",".join("?" * len(_LIVE))
        # untouched since the snapshot: the row is how it stood (hazards_live answers without the table)
        for k, state, grade, n in await tx.all(
            f"SELECT {key}, h.state, h.grade, COUNT(*) FROM hazards h WHERE h.state IN ({live}) AND {scoped}"
            f" AND h.updated_at < ? GROUP BY {key}, h.state, h.grade", (*_LIVE, *params, at),
        ):  # fmt: skip
            _count_state(tallies[k], State(state), Grade(grade), n)
        for k, deadline, n in await tx.all(
            f"SELECT {key}, h.deadline, COUNT(*) FROM hazards h WHERE h.state = 'rectifying' AND {scoped}"
            f" AND h.updated_at < ? AND h.deadline < ? GROUP BY {key}, h.deadline", (*params, at, at),
        ):  # fmt: skip
            tallies[k].overdue += [_days_overdue(from_db_required(deadline), snapshot, zone)] * n
        if accept_due is not None:
            for grade in Grade:
                latest = latest_start_overdue(accept_due, grade, snapshot)
                if latest is None:
                    continue
                for k, n in await tx.all(
                    f"SELECT {key}, COUNT(*) FROM hazards h WHERE h.state = 'reported' AND {scoped}"
                    " AND h.updated_at < ? AND h.grade = ? AND COALESCE(h.accept_clock_from, h.reported_at) <= ?"
                    f" GROUP BY {key}", (*params, at, grade.value, to_db(latest)),
                ):  # fmt: skip
                    tallies[k].counts["unaccepted_overdue"] += n
        # touched since (a past period): how each stood is read from its events, one indexed probe each
        for row in await tx.all(
            f"SELECT {key}, h.state, h.grade, h.deadline, h.reported_at,"
            " EXISTS (SELECT 1 FROM events x WHERE x.hazard_id = h.id),"
            " (SELECT x.to_state FROM events x WHERE x.hazard_id = h.id AND x.at < ? ORDER BY x.id DESC LIMIT 1),"
            " (SELECT json_extract(x.data, '$.deadline_to') FROM events x WHERE x.hazard_id = h.id AND x.at < ?"
            f"   AND x.action IN {_SETTERS} AND json_extract(x.data, '$.deadline_to') IS NOT NULL"
            "   ORDER BY x.id DESC LIMIT 1),"
            " (SELECT x.at FROM events x WHERE x.hazard_id = h.id AND x.at < ? AND x.action = 'accept'"
            "   ORDER BY x.id LIMIT 1),"
            " (SELECT x.at FROM events x WHERE x.hazard_id = h.id AND x.at < ? AND x.action = 'transfer'"
            "   AND json_extract(x.data, '$.role') = 'department' ORDER BY x.id DESC LIMIT 1)"
            f" FROM hazards h WHERE h.updated_at >= ? AND h.reported_at < ? AND {scoped}",
            (at, at, at, at, at, at, *params),
        ):  # fmt: skip
            _count_touched(tallies[row[0]], row, snapshot, zone, accept_due)


def _count_state(tally: _Tally, state: State, grade: Grade, n: int = 1) -> None:
    if state in OPEN_STATES:
        tally.counts["open"] += n
        tally.counts["major_open"] += n * (grade is Grade.MAJOR)
    elif state is State.RECHECK:
        tally.counts["rechecks_due"] += n


def _count_touched(tally: _Tally, row: sqlite3.Row | Sequence[object], snapshot: dt.datetime, zone: dt.tzinfo,
                   accept_due: AcceptanceDue | None) -> None:  # fmt: skip
    """One hazard changed since the snapshot, as domain.statistics.state_at and its kin see it then."""
    _, state_now, grade_text, deadline_now, reported_at, has_events, state_then, deadline_then, accepted, moved = row
    grade = Grade(str(grade_text))
    if has_events:
        state = State(str(state_then)) if state_then is not None else State.REPORTED
        deadline = from_db(deadline_then) if isinstance(deadline_then, str) else None
    else:
        state, deadline = State(str(state_now)), from_db(deadline_now) if isinstance(deadline_now, str) else None
    _count_state(tally, state, grade)
    if state is State.RECTIFYING and deadline is not None and deadline < snapshot:
        tally.overdue.append(_days_overdue(deadline, snapshot, zone))
    if accept_due is not None and accepted is None and state is State.REPORTED:
        clock_from = from_db_required(str(moved if moved is not None else reported_at))
        tally.counts["unaccepted_overdue"] += accept_due(clock_from, grade) < snapshot
