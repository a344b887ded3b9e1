"""Stopping after a burst of filings (issue 16): SIGTERM stops the bot within 10 s while its deliveries into the
units' groups are queued behind the per-group pacing, and what it did not deliver goes out after the next start.

    .venv/bin/python bench/bench_stop.py [--filings 200]

The bot runs as deployed (`python -m bot`, pacing on: 20 messages a minute per group), against the Bot API double
enforcing Telegram's limits, with a one-second sweep. Its two groups are bound and `--officers` officers joined;
they file `--filings` reports between them through the report flow (bench_inbound's: a photo each), every 提交 asking
for its delivery at once; the deliveries, four paced messages a hazard, queue behind the per-group pacing
(`--through-storage` writes the filings into the database instead, for the sweep to deliver). A few seconds into
the deliveries, SIGTERM; the seconds until the process exits are the measure. An export is being built too when the
SIGTERM comes: the bot works beside `--ledger` hazards of 2026 (100,000 by default) and the admin asked for the
year's ledger (/export 2026年, ≈ 20 s of its worker's work) just before the deliveries' seconds; the stop waits for no
export, its worker goes with the bot, and the admin is told to ask again. Then the bot is started again and the
benchmark checks that the deliveries go on. Prints one JSON line (`sigterm_stop_seconds_after_200_filings`). Not a
test: the goal is read, not asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sqlite3
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from domain.hazards import Draft, Grade  # noqa: E402
from sandbox.double import BotApiDouble  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.hazards import HazardRepository, NewReport  # noqa: E402
from tests.process.botproc import TOKEN, BotProcess, bot_environment  # noqa: E402
from tests.process.people import Reader, bind, join, shown  # noqa: E402

sys.path.insert(0, str(REPO / "bench"))
from bench_inbound import Stopwatch, _fill, measure, report_flows  # noqa: E402
from bench_outbound import TelegramLimits  # noqa: E402


async def file_at_once(path: Path, filings: int, reporter: int) -> None:
    """`filings` finished reports of e01 (消防安全: 县消防救援大队 and 城关镇), filed now through the bot's storage."""
    db = await Database.open(path)
    try:
        hazards = HazardRepository(db)
        now = datetime.now(UTC)
        for n in range(filings):
            draft = Draft(key=f"burst{n}", enterprise_id="e01", description=f"第{n}号：消防通道堆放杂物",
                          category_id="xfaq", place="仓库", grade=Grade.GENERAL, photos_done=True)
            await hazards.file_report(NewReport(draft, reporter, "cgz", "xfdd", now.year, now, None))
    finally:
        await db.close()


def export_workers() -> int:
    """Export worker processes running on this machine (`python -m reports.worker`)."""
    count = 0
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            count += b"reports.worker" in cmdline.read_bytes()
        except OSError:
            continue
    return count


def delivered(path: Path) -> int:
    """Threads delivered so far."""
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM hazard_threads WHERE delivered_at IS NOT NULL").fetchone()[0])


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Start, file the burst, stop while delivering, start again."""
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        data = folder / "data"
        async with BotApiDouble(token=TOKEN, bot_username="hazard_bot") as api:
            api.interceptors.append(TelegramLimits())  # 429s as Telegram answers them
            admin, officer = api.add_user("管理员"), api.add_user("安全员")
            officers = [officer, *(api.add_user(f"安全员{i}") for i in range(1, args.officers))]
            dept = api.add_group("县消防救援大队", is_forum=True, members=[admin, officer])
            town = api.add_group("城关镇", is_forum=False, can_manage_topics=False, members=[admin, officer])
            env = bot_environment(api, data, admin_ids=admin.id, rate_limit="true", sweep_interval_seconds=1)
            database = data / "db.sqlite3"
            if args.ledger:
                await _fill(database, args.ledger)
            bot = BotProcess(api, env, folder / "bot.log", folder)
            await bot.start("bot")
            await bot.ready()
            await bind(api, admin, dept, "xfdd")
            await bind(api, admin, town, "cgz")
            for each in officers:
                await join(api, admin, each, "e01", "安全员")
            if args.through_storage:
                await file_at_once(database, args.filings, officer.id)
            else:  # as officers file them: every 提交 asks for a delivery at once (a task of the bot's each)
                watch = Stopwatch(api)
                await measure(bot, officers, report_flows(watch, args.filings // len(officers)))
            await api.wait_for(lambda: delivered(database) >= 2, 120, "the first deliveries")
            admin_chat = Reader(api, admin.id)
            if args.ledger:  # the year's ledger is being built when the stop comes
                await api.send_text(admin, "/export 2026年")
                await admin_chat.next("正在生成隐患台账")
            await asyncio.sleep(args.delivering)  # deliveries under way, the rest queued behind the pacing
            before = delivered(database)
            workers_at_stop = export_workers()
            code, seconds = await bot.terminate(300)
            at_stop = delivered(database)
            export = {}
            if args.ledger:
                told = any("导出已中断" in shown(m) for m in api.sent(admin.id)[admin_chat.cursor:])
                export = {"export_workers_when_told_to_stop": workers_at_stop,
                          "export_workers_at_exit": export_workers(), "export_stop_told": told}
            await bot.start("bot again")
            await bot.ready()
            await api.wait_for(lambda: delivered(database) > at_stop, 120, "the deliveries to go on after the start")
            await bot.terminate(300)
    return {"filings": args.filings, "threads": 2 * args.filings, "delivered_when_told_to_stop": before,
            "delivered_at_exit": at_stop, "exit_status": code, "stop_seconds": round(seconds, 2),
            "hazards_in_database": args.ledger, **export}


def main() -> None:
    """Parse arguments, run, print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--filings", type=int, default=200)
    parser.add_argument("--delivering", type=float, default=5.0, help="seconds of delivering before SIGTERM")
    parser.add_argument("--officers", type=int, default=10, help="officers filing at once (the report flow each)")
    parser.add_argument("--ledger", type=int, default=100_000,
                        help="hazards of 2026 in the database, exported (/export 2026年) when the stop comes; 0: none")
    parser.add_argument("--through-storage", action="store_true",
                        help="write the filings into the database instead (the sweep then delivers them)")
    args = parser.parse_args()
    result = asyncio.run(run(args))
    print(json.dumps({
        "bench": "stop",
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}",
        "sigterm_stop_seconds_after_200_filings": result["stop_seconds"] if args.filings == 200 else None,
        **result,
        "goal": "the bot exits within 10 s of SIGTERM; what it did not deliver goes out after the next start",
    }, ensure_ascii=False))  # fmt: skip


if __name__ == "__main__":
    main()
