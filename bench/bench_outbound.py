"""Outbound benchmark: due reminders sent through a Bot API double that enforces Telegram's limits, one JSON line.

    .venv/bin/python bench/bench_outbound.py [--reminders 10000] [--sweep-interval 60] [--timeout 1800]

`--reminders` reminders are due at once, each to one chat: 90 % to one of 500 officers' private chats,
10 % to the thread of one of 50 groups, in turn, so no chat gets two in a row. The bot runs as deployed
(`python -m bot`, HAZARD_RATE_LIMIT=true: its pacing, its sweep every `--sweep-interval` seconds, the
production default 60), its clock moved to when they fell due. The double answers 429 with retry_after
when a send would exceed about 30 messages a second overall, 20 a minute in a group or 1 a second in a
private chat. Measured: messages a second from the first send to the last as a share of the 30/s cap,
429s answered, reminders not sent by `--timeout`. Goal: at least 90 % of the cap, none lost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import sqlite3
import sys
import tempfile
import time
from collections import defaultdict, deque
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from config.settings import Settings  # noqa: E402
from sandbox.double import ApiError, BotApiDouble  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.timefmt import to_db  # noqa: E402
from tests.process.botproc import TOKEN, BotProcess, bot_environment  # noqa: E402


def next_monday_morning(zone: Any) -> datetime:
    """09:05 on the coming Monday, local (ahead of the real clock, so the bot's clock can be moved to it)."""
    today = datetime.now(zone).date()
    monday = today + timedelta(days=7 - today.weekday())
    return datetime(monday.year, monday.month, monday.day, 9, 5, tzinfo=zone).astimezone(UTC)


CAP = 30.0  # messages a second, overall
SENDS = {"sendMessage", "sendPhoto", "sendMediaGroup", "sendDocument", "sendLocation"}


class TelegramLimits:
    """An interceptor for the double: 429 when a send would pass 30/s overall, 20/min a group, 1/s a private chat."""

    def __init__(self) -> None:
        self.overall: deque[float] = deque()
        self.per_chat: dict[int, deque[float]] = defaultdict(deque)
        self.refused = 0
        self.sent: list[float] = []
        self.enforce = True  # off: only count (the bot's own pace, for comparison)

    def __call__(self, method: str, params: dict[str, Any]) -> ApiError | None:
        if method not in SENDS:
            return None
        now = time.monotonic()
        chat = int(params["chat_id"])
        own = (self.per_chat[chat], 20, 60.0) if chat < 0 else (self.per_chat[chat], 1, 1.0)
        windows = [(self.overall, 30, 1.0), own]
        wait = 0.0
        for times, limit, window in windows:
            while times and times[0] <= now - window:
                times.popleft()
            if len(times) >= limit:
                wait = max(wait, times[0] + window - now)
        if wait > 0 and self.enforce:
            self.refused += 1
            seconds = max(1, math.ceil(wait))
            return ApiError(429, f"Too Many Requests: retry after {seconds}", retry_after=seconds)
        for times, _, _ in windows:
            times.append(now)
        self.sent.append(now)
        return None


def build_ledger(database: Path, reminders: int, now: datetime, officers: list[int], groups: list[int]) -> None:
    """`reminders` hazards in 整改中, each with one reminder due now (in order) to one chat."""
    asyncio.run(_migrate(database))
    stamp, deadline = to_db(now - timedelta(days=1)), to_db(now + timedelta(days=10))
    hazards: list[tuple[Any, ...]] = []
    threads: list[tuple[Any, ...]] = []
    outbox: list[tuple[Any, ...]] = []
    for i in range(1, reminders + 1):
        to_group = i % 10 == 0
        reporter = officers[i % len(officers)]
        hazards.append((i, f"YH-2026-{i:07d}", reporter, "e01", "cgz", "xfaq", "xfdd", "general", "rectifying",
                        f"灭火器过期 {i}", "仓库", stamp, stamp, f"bench-{i}", deadline, deadline, stamp))
        if to_group:
            threads.append((i, "xfdd", "department", groups[(i // 10) % len(groups)], stamp))
        payload = json.dumps({"about": deadline, "days_before": 3, "overdue_on": None, "working_days_overdue": None,
                              "already_told": []})  # fmt: skip
        due = to_db(now - timedelta(milliseconds=reminders - i))
        outbox.append((f"{i}:before:bench", i, "before", "threads" if to_group else "reporter", payload, due, stamp))
    with closing(sqlite3.connect(database)) as conn, conn:
        conn.executemany("INSERT INTO members (telegram_id, display_name, role, enterprise_id, joined_at)"
                         " VALUES (?, ?, 'officer', 'e01', ?)",
                         [(o, f"安全员{o}", stamp) for o in officers])  # fmt: skip
        conn.executemany(
            "INSERT INTO hazards (id, code, reporter_id, enterprise_id, township_id, category_id, department_id,"
            " grade, state, description, place, reported_at, updated_at, draft_key, deadline, original_deadline,"
            " deadline_set_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", hazards)  # fmt: skip
        conn.executemany("INSERT INTO hazard_threads (hazard_id, unit_id, role, chat_id, delivered_at)"
                         " VALUES (?, ?, ?, ?, ?)", threads)  # fmt: skip
        conn.executemany("INSERT INTO outbox (key, hazard_id, kind, audiences, payload, due_at, created_at)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?)", outbox)  # fmt: skip


async def _migrate(database: Path) -> None:
    db = await Database.open(database)
    await db.close()


def unsent(database: Path) -> int:
    """Bench reminders not yet sent."""
    with closing(sqlite3.connect(database, timeout=10)) as conn:
        [(n,)] = conn.execute("SELECT COUNT(*) FROM outbox WHERE key LIKE '%:before:bench' AND status != 'sent'")
    return int(n)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Build the ledger, run the bot until everything went out (or the timeout), count."""
    with tempfile.TemporaryDirectory() as temporary:
        data = Path(temporary)
        async with BotApiDouble(token=TOKEN, bot_username="hazard_bot") as api:
            officers = [api.add_user(f"安全员{n}").id for n in range(500)]
            groups = [api.add_group(f"群{n}", is_forum=False, can_manage_topics=False).id for n in range(50)]
            limits = TelegramLimits()
            limits.enforce = not args.no_limits
            api.interceptors.append(limits)
            now = next_monday_morning(Settings(_env_file=None).zone)  # type: ignore[call-arg]
            database = data / "db.sqlite3"
            await asyncio.to_thread(build_ledger, database, args.reminders, now, officers, groups)
            env = bot_environment(api, data, rate_limit="true", sweep_interval_seconds=args.sweep_interval,
                                  clock_offset_seconds=(now - datetime.now(UTC)).total_seconds())  # fmt: skip
            bot = BotProcess(api, env, data / "bot.log", data)
            await bot.start("outbound")
            try:
                await bot.ready()
                began = time.monotonic()
                left = args.reminders
                while left and time.monotonic() - began < args.timeout:
                    await asyncio.sleep(1)
                    left = await asyncio.to_thread(unsent, database)
                await bot.terminate()
            finally:
                if bot.alive:
                    await bot.kill()
            api.assert_no_violations()
    sent = limits.sent
    span = sent[-1] - sent[0] if len(sent) > 1 else float("nan")
    rate = (len(sent) - 1) / span if len(sent) > 1 else 0.0
    return {"reminders": args.reminders, "sweep_interval_s": args.sweep_interval, "limits": not args.no_limits,
            "messages_sent": len(sent),
            "seconds_first_to_last": round(span, 1), "messages_per_s": round(rate, 2),
            "share_of_cap": round(rate / CAP, 3), "answered_429": limits.refused, "reminders_not_sent": left,
            "timed_out": bool(left)}  # fmt: skip


def main() -> None:
    """Parse arguments, run, print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--sweep-interval", type=float, default=60.0, help="HAZARD_SWEEP_INTERVAL_SECONDS")
    parser.add_argument("--no-limits", action="store_true", help="the double only counts: the bot's own pace")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds to wait for everything to go out")
    args = parser.parse_args()
    result = asyncio.run(run(args))
    print(json.dumps({"bench": "outbound", "date": datetime.now(UTC).date().isoformat(),
                      "machine": f"{os.cpu_count()} cores, Python {sys.version.split()[0]}", **result,
                      "goal": "at least 90 % of the cap, none lost"}, ensure_ascii=False))  # fmt: skip


if __name__ == "__main__":
    main()
