"""Scale and memory benchmark: the due-reminder sweep over ledgers of 10,000 to 1,000,000 hazards (1 % due),
and the resident size of the running bot on the largest, printed as one JSON line.

    .venv/bin/python bench/bench_scale.py [--sizes 10000,100000,1000000] [--rows 1000] [--memory-seconds 20]

Each ledger is written straight into a database the bot's migrations made: hazards in 整改中 over the
example org's enterprises, each threaded into its department's and township's groups, each with the
reminders the real planner gives it (3 and 1 days before at 09:00, the morning of the day: ~3 outbox
rows a hazard); for 1 % of them the 3-days-before reminder is due at the benchmark's "now" (a Monday
09:05 in Shanghai). Then the bot, in this process against the Bot API double, runs `sweep` until it has
sent `--rows` due reminders (or all there are): time per reminder sent, and the due query alone. Goal:
1,000,000 within 3x the time of 10,000 (a sweep drains all that is due, so "until" is one sweep). Then
`python -m bot` runs on the largest ledger, its clock moved a day past that Monday, when the next 1/30th of the
ledger has a reminder due, sweeping those: VmRSS after start and its peak (VmHWM). Goal: under 200 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pydantic import SecretStr  # noqa: E402

from bot.app import build_application  # noqa: E402
from bot.jobs import sweep  # noqa: E402
from config.org import load_org  # noqa: E402
from config.settings import Settings  # noqa: E402
from domain.clock import FakeClock  # noqa: E402
from domain.hazards import Grade, State  # noqa: E402
from domain.lifecycle import HazardFacts  # noqa: E402
from domain.org import Organisation  # noqa: E402
from domain.reminders import plan_notifications  # noqa: E402
from domain.workcalendar import WorkCalendar  # noqa: E402
from sandbox.double import BotApiDouble  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.timefmt import to_db  # noqa: E402
from tests.process.botproc import TOKEN, BotProcess, bot_environment  # noqa: E402

DUE_EVERY = 100  # 1 % of hazards have a reminder due now
BUCKETS = 30  # the others' deadlines spread over 4..33 days ahead


def next_monday_morning(zone: Any) -> datetime:
    """09:05 on the coming Monday, local (ahead of the real clock, so the bot's clock can be moved to it)."""
    today = datetime.now(zone).date()
    monday = today + timedelta(days=7 - today.weekday())
    return datetime(monday.year, monday.month, monday.day, 9, 5, tzinfo=zone).astimezone(UTC)


class County:
    """Who the ledger's messages go to: one officer per enterprise, one group per unit (ids as in the double)."""

    def __init__(self, api: BotApiDouble, org: Organisation) -> None:
        self.officers = {e: api.add_user(f"安全员{e}").id for e in org.enterprises}
        self.groups = {u: api.add_group(org.units[u].name, is_forum=False, can_manage_topics=False).id
                       for u in org.units}  # fmt: skip


def build_ledger(database: Path, hazards: int, now: datetime, settings: Settings, org: Organisation,
                 county: County) -> dict[str, Any]:  # fmt: skip
    """A ledger of `hazards` hazards in 整改中 with their planned reminders; returns what it holds."""
    began = time.perf_counter()
    asyncio.run(_migrate(database))
    zone, policy = settings.zone, settings.reminder_policy()
    calendar = WorkCalendar(holidays=org.extra_holidays, workdays=org.extra_workdays)
    local = now.astimezone(zone)
    at_six = local.replace(hour=18, minute=0, second=0, microsecond=0)
    due_deadline = at_six + timedelta(days=3)  # its 3-days-before reminder is at 09:00 today
    deadlines = [due_deadline, *(at_six + timedelta(days=4 + b) for b in range(BUCKETS))]
    set_at = now - timedelta(hours=2)
    enterprises = list(org.enterprises.values())
    templates: dict[tuple[int, str], list[tuple[str, str, str, str, str, str | None]]] = {}
    for n, deadline in enumerate(deadlines):
        for enterprise in enterprises:
            facts = HazardFacts(0, State.RECTIFYING, Grade.GENERAL, enterprise.id,
                                org.categories[enterprise.industry_id].department_id, enterprise.township_id,
                                county.officers[enterprise.id], deadline=deadline.astimezone(UTC),
                                original_deadline=deadline.astimezone(UTC), deadline_set_at=set_at)  # fmt: skip
            templates[(n, enterprise.id)] = [
                (p.key.split(":", 1)[1], p.kind, ",".join(p.audiences), json.dumps({
                    "about": to_db(p.about), "days_before": p.days_before, "overdue_on": None,
                    "working_days_overdue": p.working_days_overdue, "already_told": list(p.already_told)}),
                 to_db(p.due_at), to_db(p.expires_at) if p.expires_at else None)
                for p in plan_notifications(facts, policy, calendar, zone, now)
            ]  # fmt: skip
    stamp = to_db(now - timedelta(days=1))
    with closing(sqlite3.connect(database)) as conn:
        conn.execute("PRAGMA synchronous = OFF")
        with conn:
            conn.executemany(
                "INSERT INTO members (telegram_id, display_name, role, enterprise_id, joined_at)"
                " VALUES (?, ?, 'officer', ?, ?)",
                [(tid, f"安全员{e}", e, stamp) for e, tid in county.officers.items()])  # fmt: skip
            conn.executemany(
                "INSERT INTO group_bindings (unit_id, chat_id, title, is_forum, bound_by, bound_at)"
                " VALUES (?, ?, ?, 0, 0, ?)",
                [(u, cid, org.units[u].name, stamp) for u, cid in county.groups.items()])  # fmt: skip
            for start in range(1, hazards + 1, 50_000):
                _insert_hazards(conn, range(start, min(start + 50_000, hazards + 1)), enterprises, deadlines,
                                templates, org, county, stamp, to_db(set_at))  # fmt: skip
            conn.execute("INSERT INTO hazard_numbers (year, last) VALUES (?, ?)", (local.year, hazards))
        [(rows,)] = conn.execute("SELECT COUNT(*) FROM outbox").fetchall()
        [(due,)] = conn.execute("SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND due_at <= ?",
                                (to_db(now),)).fetchall()  # fmt: skip
    return {"hazards": hazards, "outbox_rows": rows, "due": due, "build_s": round(time.perf_counter() - began, 1),
            "database_mb": round(database.stat().st_size / 2**20)}  # fmt: skip


async def _migrate(database: Path) -> None:
    db = await Database.open(database)
    await db.close()


def _insert_hazards(conn: sqlite3.Connection, ids: range, enterprises: list[Any], deadlines: list[datetime],
                    templates: dict[Any, list[Any]], org: Organisation, county: County, stamp: str,
                    set_at: str) -> None:  # fmt: skip
    hazards: list[tuple[Any, ...]] = []
    threads: list[tuple[Any, ...]] = []
    outbox: list[tuple[Any, ...]] = []
    for i in ids:
        enterprise = enterprises[i % len(enterprises)]
        bucket = 0 if i % DUE_EVERY == 0 else 1 + i % BUCKETS
        deadline = to_db(deadlines[bucket])
        department = org.categories[enterprise.industry_id].department_id
        hazards.append((i, f"YH-2026-{i:07d}", county.officers[enterprise.id], enterprise.id, enterprise.township_id,
                        enterprise.industry_id, department, "general", "rectifying", f"灭火器过期，安全出口堵塞 {i}",
                        f"{i % 9 + 1}号仓库", stamp, stamp, f"bench-{i}", deadline, deadline, set_at, "王五 仓库主管"))
        for unit, role in ((department, "department"), (enterprise.township_id, "township")):
            threads.append((i, unit, role, county.groups[unit], stamp))
        outbox.extend((f"{i}:{rest}", i, kind, audiences, payload, due, expires, stamp)
                      for rest, kind, audiences, payload, due, expires in templates[(bucket, enterprise.id)])
    conn.executemany(
        "INSERT INTO hazards (id, code, reporter_id, enterprise_id, township_id, category_id, department_id, grade,"
        " state, description, place, reported_at, updated_at, draft_key, deadline, original_deadline,"
        " deadline_set_at, responsible_person) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", hazards)
    conn.executemany("INSERT INTO hazard_threads (hazard_id, unit_id, role, chat_id, delivered_at)"
                     " VALUES (?, ?, ?, ?, ?)", threads)  # fmt: skip
    conn.executemany("INSERT INTO outbox (key, hazard_id, kind, audiences, payload, due_at, expires_at, created_at)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", outbox)  # fmt: skip


async def measure_sweep(api: BotApiDouble, settings: Settings, org: Organisation, now: datetime,
                        rows: int) -> dict[str, Any]:  # fmt: skip
    """The bot in this process: the due query alone, then sweeps until `rows` reminders went out."""
    app = build_application(settings, org=org, clock=FakeClock(now))
    await app.initialize()
    assert app.post_init is not None and app.post_shutdown is not None
    await app.post_init(app)
    try:
        services = app.bot_data.services
        query = []
        for _ in range(7):
            began = time.perf_counter()
            due = await services.lifecycle.get_due(now)
            query.append(time.perf_counter() - began)
        sent = messages = sweeps = 0
        began = time.perf_counter()
        while sent < rows:
            report = await sweep(app)
            sweeps += 1
            sent += len(report.keys)
            messages += report.sent
            if not report.keys:
                break
        took = time.perf_counter() - began
    finally:
        await app.shutdown()
        await app.post_shutdown(app)
    return {"due_query_ms": round(statistics.median(query) * 1000, 2), "due_query_rows": len(due),
            "reminders_sent": sent, "messages_sent": messages, "sweeps": sweeps,
            "ms_per_reminder": round(took / max(sent, 1) * 1000, 2)}  # fmt: skip


def rss(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of a process, in MB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return {k: round(int(fields[k].split()[0]) / 1024, 1) for k in ("VmRSS", "VmHWM")}


async def measure_memory(api: BotApiDouble, data: Path, now: datetime, seconds: float) -> dict[str, Any]:
    """`python -m bot` on the ledger, its clock at `now`: resident size after start and at its peak."""
    offset = (now - datetime.now(UTC)).total_seconds()
    env = bot_environment(api, data, clock_offset_seconds=offset, sweep_interval_seconds=1)
    bot = BotProcess(api, env, data / "bot.log", data)
    await bot.start("memory")
    try:
        await bot.ready()
        assert bot.process is not None
        started = rss(bot.process.pid)
        sent_before = len(api.calls("sendMessage"))
        await asyncio.sleep(seconds)  # it sweeps what is due meanwhile
        running = rss(bot.process.pid)
        sent = len(api.calls("sendMessage")) - sent_before
    finally:
        await bot.terminate()
    return {"after_start_mb": started["VmRSS"], "after_sweeping_mb": running["VmRSS"], "peak_mb": running["VmHWM"],
            "messages_sent_meanwhile": sent, "seconds": seconds}  # fmt: skip


async def run_size(hazards: int, args: argparse.Namespace, folder: Path, memory: bool) -> dict[str, Any]:
    """Build one ledger, sweep it, and (for the largest) run the bot on it for its memory."""
    data = folder / f"ledger-{hazards}"
    data.mkdir()
    async with BotApiDouble(token=TOKEN, bot_username="hazard_bot") as api:
        base = Settings(_env_file=None)  # type: ignore[call-arg]
        org = load_org(base.org_file)
        county = County(api, org)
        now = next_monday_morning(base.zone)
        settings = base.model_copy(update={
            "bot_token": SecretStr(TOKEN), "api_base_url": api.base_url, "api_base_file_url": api.base_file_url,
            "database_path": data / "db.sqlite3", "media_dir": data / "media", "knowledge_dir": data / "knowledge",
            "rate_limit": False})  # fmt: skip
        built = await asyncio.to_thread(build_ledger, settings.database_path, hazards, now, settings, org, county)
        result = built | await measure_sweep(api, settings, org, now, args.rows)
        if memory:  # a day on, when the 3-days-before reminders of the next 1/30th fall due: a backlog to sweep
            result["memory"] = await measure_memory(api, data, now + timedelta(days=1), args.memory_seconds)
        api.assert_no_violations()
    return result


async def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Every size, smallest first; the memory of the largest."""
    sizes = sorted(int(s) for s in args.sizes.split(","))
    with tempfile.TemporaryDirectory() as temporary:
        return [await run_size(n, args, Path(temporary), n == sizes[-1]) for n in sizes]


def main() -> None:
    """Parse arguments, run, print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="hazards in the ledger, comma-separated")
    parser.add_argument("--rows", type=int, default=1000, help="due reminders each sweep measurement sends")
    parser.add_argument("--memory-seconds", type=float, default=20.0, help="how long the bot runs for the memory")
    args = parser.parse_args()
    results = asyncio.run(run(args))
    first, last = results[0], results[-1]
    print(json.dumps({
        "bench": "scale",
        "date": datetime.now(UTC).date().isoformat(),
        "machine": f"{os.cpu_count()} cores, Python {sys.version.split()[0]}",
        "ledgers": results,
        "sweep_ratio_largest_to_smallest": round(last["ms_per_reminder"] / first["ms_per_reminder"], 2),
        "due_query_ratio_largest_to_smallest": round(last["due_query_ms"] / first["due_query_ms"], 2),
        "goal": "largest within 3x of the smallest per reminder; the bot under 200 MB resident",
    }, ensure_ascii=False))  # fmt: skip


if __name__ == "__main__":
    main()
