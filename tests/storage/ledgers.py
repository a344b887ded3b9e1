"""Seeded random ledgers written straight into a migrated database: every state, grade, 移送, 延期, rebound.

Each hazard's history is played forward from its filing by the lifecycle's rules (which action may follow
which), and its row is left as the bot leaves it after the last event: state, grade, deadline (the last
accept, 延期 or rebound), closed_at, rebounds, updated_at, and accept_clock_from (filing, or the last
移送 to another department while 已上报). Used by the counting tests (SQL against domain.statistics)
and by bench/bench_counting.py for ledgers of 100,000 and 1,000,000 hazards.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

HOUR = dt.timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Place:
    """Where a hazard can be filed: an enterprise, its township and the departments it may go to."""

    enterprise_id: str
    township_id: str
    departments: tuple[str, ...]  # the first is the category's own


def _iso(instant: dt.datetime) -> str:
    return instant.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _event_iso(instant: dt.datetime) -> str:
    # the lifecycle writes event data with plain isoformat(): no microseconds when they are 0
    return instant.astimezone(dt.UTC).isoformat()


def _evening(at: dt.datetime, days: int) -> dt.datetime:
    """18:00 in Shanghai ``days`` days after ``at``, as the deadline questions set it (some a minute off)."""
    day = (at + dt.timedelta(hours=8)).date() + dt.timedelta(days=days)
    minute = 1 if days == 7 else 0
    return dt.datetime(day.year, day.month, day.day, 10, minute, tzinfo=dt.UTC)


def _history(rng: random.Random, hid: int, place: Place, reported: dt.datetime,
             stop: dt.datetime) -> tuple[tuple[object, ...], list[tuple[object, ...]]]:  # fmt: skip
    """One hazard's row and events, every event before ``stop``."""
    grade = "major" if rng.random() < 0.12 else "general"
    department, township = place.departments[0], place.township_id
    state, deadline, closed_at, rebounds, clock_from = "reported", None, None, 0, reported
    events: list[tuple[object, ...]] = [(hid, _iso(reported), 1, "report", None, "reported", "{}")]
    at = reported

    def step(hours: float) -> bool:
        # the next event's time; False (and nothing moves) when it would come after the ledger's "now"
        nonlocal at
        later = at + dt.timedelta(hours=hours * rng.uniform(0.2, 1.8))
        if later >= stop:
            return False
        at = later
        return True

    def add(action: str, to: str, data: dict[str, object] | None = None) -> None:
        nonlocal state
        events.append((hid, _iso(at), rng.randrange(2, 9), action, state, to, json.dumps(data or {})))
        state = to

    while True:
        if state == "reported":
            if rng.random() < 0.15 and step(6):
                moves_department = rng.random() < 0.6 and len(place.departments) > 1
                if moves_department:
                    department = rng.choice([d for d in place.departments if d != department])
                    clock_from = at
                add("transfer", "reported", {"role": "department" if moves_department else "township"})
                continue
            if rng.random() < 0.06 or not step(rng.choice((1, 2, 4, 10, 30, 80))):
                break
            deadline = _evening(at, rng.choice((1, 3, 7, 15)))
            data: dict[str, object] = {"deadline_to": _event_iso(deadline)}
            if rng.random() < 0.2:
                data["grade_from"] = grade
                grade = "major" if grade == "general" else "general"
            add("accept", "rectifying", data)
        elif state == "rectifying":
            roll = rng.random()
            if roll < 0.12 and step(24):
                add("ext_request", "rectifying")
                if step(8):
                    assert deadline is not None
                    if rng.random() < 0.7:
                        deadline = deadline + dt.timedelta(days=rng.choice((2, 5)))
                        add("ext_approve", "rectifying", {"deadline_to": _event_iso(deadline)})
                    else:
                        add("ext_refuse", "rectifying")
                continue
            if roll < 0.18 or not step(rng.choice((24, 72, 200, 400))):
                break
            add("submit", "awaiting_verification")
        elif state == "awaiting_verification":
            if rng.random() < 0.04 or not step(20):
                break
            if rng.random() < 0.2:
                add("verify_refuse", "rectifying")
            else:
                add("verify_pass", "closed")
                closed_at = at
        elif state == "closed":
            if rng.random() < 0.1 or not step(24 * 15):
                break
            add("recheck_start", "recheck")
        elif state == "recheck":
            if rng.random() < 0.2 or not step(40):
                break
            if rng.random() < 0.3:
                deadline = _evening(at, rng.choice((3, 7)))
                rebounds += 1
                add("rebound", "rectifying", {"deadline_to": _event_iso(deadline)})
            else:
                add("recheck_pass", "archived")
        else:
            break
    if rng.random() < 0.02:
        events = []  # a row with no events (as the first versions left some): counted from the row alone
    row = (hid, f"YH-{hid:07d}", place.enterprise_id, township, department, grade, state, _iso(reported),
           _iso(at if events else reported), f"gen-{hid}", _iso(deadline) if deadline else None,
           _iso(closed_at) if closed_at else None, rebounds, _iso(clock_from))  # fmt: skip
    return row, events


def histories(seed: int, count: int, places: Sequence[Place], first: dt.datetime, last: dt.datetime,
              stop: dt.datetime, start_id: int = 1) -> Iterator[tuple[tuple[object, ...], list[tuple[object, ...]]]]:
    """``count`` hazards filed between ``first`` and ``last`` (in id order), their histories cut at ``stop``."""
    rng = random.Random(seed)
    span = (last - first).total_seconds()
    offsets = sorted(rng.uniform(0, span) for _ in range(count))
    for n, offset in enumerate(offsets):
        yield _history(rng, start_id + n, rng.choice(places), first + dt.timedelta(seconds=offset), stop)


def write(conn: sqlite3.Connection, generated: Iterator[tuple[tuple[object, ...], list[tuple[object, ...]]]],
          batch: int = 20_000) -> int:
    """Insert the hazards and their events (one reporter, id 1, added if missing); returns how many hazards."""
    conn.execute("INSERT OR IGNORE INTO members (telegram_id, display_name, role, unit_id, joined_at)"
                 " VALUES (1, '上报人', 'member', NULL, '2020-01-01T00:00:00.000000+00:00')")
    total = 0
    rows: list[tuple[object, ...]] = []
    events: list[tuple[object, ...]] = []

    def flush() -> None:
        conn.executemany(
            "INSERT INTO hazards (id, code, reporter_id, enterprise_id, township_id, department_id, category_id, grade,"
            " state, description, place, reported_at, updated_at, draft_key, deadline, original_deadline, closed_at,"
            " rebounds, accept_clock_from) VALUES (?, ?, 1, ?, ?, ?, 'gen', ?, ?, '生成的隐患', '仓库', ?, ?, ?, ?, ?,"
            " ?, ?, ?)",
            [(*r[:10], r[10], *r[10:]) for r in rows])  # fmt: skip
        conn.executemany("INSERT INTO events (hazard_id, at, actor_id, action, from_state, to_state, data)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?)", events)  # fmt: skip
        rows.clear()
        events.clear()

    for row, history in generated:
        rows.append(row)
        events.extend(history)
        total += 1
        if len(rows) >= batch:
            flush()
    flush()
    return total
