"""Benchmark: export a 10,000-hazard ledger (xlsx + csv) and measure how long the event loop was held up.

Prints one JSON line: rows, seconds for the whole export, the workbook's and the CSV's size, and the
longest gap a 10 ms ticker saw on the event loop meanwhile (the bot's other updates wait that long).
"""

from __future__ import annotations

import asyncio
import json
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config.org import load_org
from config.settings import PROJECT_ROOT
from domain.members import Scope
from domain.periods import Period, PeriodKind
from domain.reminders import Policy
from domain.workcalendar import WorkCalendar
from reports.service import export_files
from storage.db import Database

ROWS = 10_000
START = datetime(2026, 1, 1, 1, 0, tzinfo=UTC)


def _iso(instant: datetime) -> str:
    return instant.isoformat(timespec="microseconds")


def fill(path: Path, org: object) -> None:
    """10,000 hazards over 2026 with accept/submit/verify events and a photo each (plain SQL, fast)."""
    rng = random.Random(5)
    enterprises = list(org.enterprises.values())  # type: ignore[attr-defined]
    categories = org.categories  # type: ignore[attr-defined]
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO members (telegram_id, display_name, role, unit_id, joined_at)"
                     " VALUES (7, '消防一', 'member', 'xfdd', ?)", (_iso(START),))
        conn.execute("INSERT INTO members (telegram_id, display_name, role, enterprise_id, joined_at)"
                     " VALUES (42, '张安全', 'officer', 'e01', ?)", (_iso(START),))
        for n in range(1, ROWS + 1):
            e = rng.choice(enterprises)
            reported = START + timedelta(minutes=rng.randrange(0, 360 * 24 * 60))
            deadline = reported + timedelta(days=rng.choice((3, 7, 15)))
            stage = rng.random()
            state = "rectifying" if stage < 0.3 else "closed" if stage < 0.9 else "reported"
            department = categories[e.industry_id].department_id
            conn.execute(
                "INSERT INTO hazards (id, code, reporter_id, enterprise_id, township_id, category_id, department_id,"
                " grade, state, description, place, reported_at, updated_at, draft_key, deadline, original_deadline,"
                " responsible_person, measures, closed_at) VALUES (?, ?, 42, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                " ?, ?, ?)",
                (n, f"YH-2026-{n:06d}", e.id, e.township_id, e.industry_id, department,
                 "major" if rng.random() < 0.05 else "general", state, f"第{n}号隐患：灭火器过期，安全出口堵塞", "仓库",
                 _iso(reported), _iso(reported), f"k{n}", _iso(deadline), _iso(deadline), "王五",
                 "已整改" if state == "closed" else None,
                 _iso(reported + timedelta(days=5)) if state == "closed" else None),
            )  # fmt: skip
            events = [("report", None, "reported", reported, "{}")]
            if state != "reported":
                events.append(("accept", "reported", "rectifying", reported + timedelta(hours=2),
                               json.dumps({"deadline_to": _iso(deadline)})))
            if state == "closed":
                events.append(("submit", "rectifying", "awaiting_verification", reported + timedelta(days=4), "{}"))
                events.append(("verify_pass", "awaiting_verification", "closed", reported + timedelta(days=5), "{}"))
            for action, before, after, at, data in events:
                conn.execute("INSERT INTO events (hazard_id, at, actor_id, action, from_state, to_state, data)"
                             " VALUES (?, ?, 7, ?, ?, ?, ?)", (n, _iso(at), action, before, after, data))
            conn.execute("INSERT INTO hazard_photos (hazard_id, position, file_id, file_unique_id, sha256, size,"
                         " media_path) VALUES (?, 0, 'f', 'u', 'x', 1, 'x')", (n,))


async def main() -> None:
    org = load_org(PROJECT_ROOT / "config" / "org.example.toml")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite3"
        db = await Database.open(path)  # creates and migrates the schema
        await db.close()
        fill(path, org)
        db = await Database.open(path)
        from zoneinfo import ZoneInfo

        now = datetime(2026, 12, 31, 4, 0, tzinfo=UTC)
        # the bot builds each export in a worker process of its own (reports/worker.py), its start timed too
        services = SimpleNamespace(org=org, zone=ZoneInfo("Asia/Shanghai"), db=db, now=lambda: now,
                                   export_turn=asyncio.Lock(), policy=Policy(), calendar=WorkCalendar())
        year = Period(PeriodKind.YEAR, datetime(2026, 1, 1).date(), datetime(2027, 1, 1).date())  # noqa: DTZ001
        gaps: list[float] = []
        stop = asyncio.Event()

        async def ticker() -> None:
            last = time.perf_counter()
            while not stop.is_set():
                await asyncio.sleep(0.01)
                current = time.perf_counter()
                gaps.append(current - last - 0.01)
                last = current

        tick = asyncio.create_task(ticker())
        started = time.perf_counter()
        folder = Path(tempfile.mkdtemp(prefix="bench-export-"))
        files = await export_files(services, Scope(everything=True), year, folder)  # type: ignore[arg-type]
        seconds = time.perf_counter() - started
        stop.set()
        await tick
        await db.close()
        sizes = files.xlsx.stat().st_size // 1024, files.csv.stat().st_size // 1024
        shutil.rmtree(folder)
    print(json.dumps({
        "bench": "export_ledger", "rows": files.count, "seconds": round(seconds, 2),
        "xlsx_kb": sizes[0], "csv_kb": sizes[1],
        "max_event_loop_stall_ms": round(1000 * max(gaps, default=0.0), 1),
    }, ensure_ascii=False))  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main())
