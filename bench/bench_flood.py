"""Flood benchmark: an ordinary member's /help latency alone, during a stranger's flood, during three exports.

    .venv/bin/python bench/bench_flood.py [--helps 200] [--flooders 5] [--flood-rate 200] [--rows 5000]
                                          [--bot-root PATH]

The double runs in this process; the bot runs as deployed (`python -m bot`, its pacing on: HAZARD_RATE_LIMIT=true)
over a database holding `--rows` hazards. An officer of e01 sends /help, one after the other, and waits for each
answer (the latency is taken when the answer reaches the double):

- alone: nothing else happens;
- during a flood: `--flooders` strangers in a group of their own (the bot in it, none of them a member) send
  commands there at `--flood-rate` a second in all, for as long as the officer measures;
- during exports: three admins each ask for the county's ledger of the year at once (`--rows` rows each); the
  officer measures until all three have their files.

Prints one JSON line with `p99_ms_alone`, `p99_ms_during_flood`, `p99_ms_during_exports` (and p50s, counts). Goal:
both loaded p99s within 2x of the p99 alone. `--bot-root` runs another checkout's bot (say, main's, unpacked with
`git archive`) against the same harness, for a before/after comparison. Not a test: the goal is read, not asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench import bench_export  # noqa: E402
from bench.bench_inbound import Stopwatch, cpu_seconds, indexed  # noqa: E402
from config.org import load_org  # noqa: E402
from config.settings import PROJECT_ROOT  # noqa: E402
from sandbox.double import BotApiDouble, User  # noqa: E402
from storage.db import Database  # noqa: E402
from tests.process.botproc import TOKEN, BotProcess, bot_environment  # noqa: E402
from tests.process.people import Reader, join  # noqa: E402


def percentiles(latencies: list[float]) -> dict[str, float]:
    """p50 and p99 in milliseconds."""
    ordered = sorted(latencies)
    return {"p50": round(statistics.median(ordered) * 1000, 1),
            "p99": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 1)}


async def helps(watch: Stopwatch, user: User, *, count: int = 0, until: asyncio.Event | None = None) -> list[float]:
    """The user's /help latencies: `count` of them, or until `until` is set (at least 50)."""
    latencies: list[float] = []
    while len(latencies) < count or (until is not None and (not until.is_set() or len(latencies) < 50)):
        latency, _ = await watch.round_trip(user, watch.api.send_text(user, "/help"), "/report")
        latencies.append(latency)
    return latencies


async def flood(api: BotApiDouble, flooders: list[User], group: Any, rate: float, stop: asyncio.Event) -> int:
    """The strangers send commands into their group at `rate` a second in all until `stop`; how many they sent."""
    sent, began, commands = 0, time.perf_counter(), ("/help", "/stats", "/export", "/ask 四个一律", "/show 1")
    while not stop.is_set():
        user = flooders[sent % len(flooders)]
        await api.send_text(user, commands[sent % len(commands)], chat=group)
        sent += 1
        ahead = began + sent / rate - time.perf_counter()
        if ahead > 0:
            await asyncio.sleep(ahead)
    return sent


async def export_and_wait(api: BotApiDouble, admin: User, period: str = "今年") -> float:
    """An admin asks for the county's ledger of a period (this year); the seconds until both files arrived."""
    chat = Reader(api, admin.id)
    began = time.perf_counter()
    await api.send_text(admin, f"/export {period}")
    for suffix in (".xlsx", ".csv"):
        def arrived(suffix: str = suffix) -> bool:
            messages = api.sent(admin.id)
            for index in range(chat.cursor, len(messages)):
                document = messages[index]["document_file"]
                if document is not None and document.file_name.endswith(suffix):
                    chat.cursor = index + 1
                    return True
            return False

        await api.wait_for(arrived, 300, f"the {suffix} of admin {admin.id}")
    return time.perf_counter() - began


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Start the bot over a filled database and measure the three phases."""
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        data = folder / "data"
        data.mkdir()
        db = await Database.open(data / "db.sqlite3")  # the schema, then the hazards in plain SQL
        await db.close()
        bench_export.ROWS = args.rows
        bench_export.fill(data / "db.sqlite3", load_org(PROJECT_ROOT / "config" / "org.example.toml"))
        async with BotApiDouble(token=TOKEN, bot_username="hazard_bot") as api:
            watch = Stopwatch(api)
            admin = api.add_user("管理员")
            exporters = [api.add_user(f"统计员{i}") for i in range(3)]
            officer = api.add_user("安全员")
            flooders = [api.add_user(f"路人{i}") for i in range(args.flooders)]
            group = api.add_group("路人的群", bot_is_admin=False, members=flooders)
            ids = ",".join(str(u.id) for u in (admin, *exporters))
            # the bot's clock at the end of the filled year, so that 今年 is 2026 whatever the date
            offset = max(0.0, (datetime(2026, 12, 30, 4, 0, tzinfo=UTC) - datetime.now(UTC)).total_seconds())
            env = bot_environment(api, data, admin_ids=ids, rate_limit="true", clock_offset_seconds=offset)
            if args.bot_root is not None:
                env["PYTHONPATH"] = str(args.bot_root.resolve())
            bot = BotProcess(api, env, folder / "bot.log", folder)
            await bot.start("bot")
            await bot.ready()
            await indexed(bot)
            await join(api, admin, officer, "e01", "安全员")
            await helps(watch, officer, count=20)  # warm-up

            alone = await helps(watch, officer, count=args.helps)

            assert bot.process is not None
            stop = asyncio.Event()
            cpu_before = cpu_seconds(bot.process.pid)
            flooding = asyncio.create_task(flood(api, flooders, group, args.flood_rate, stop))
            await asyncio.sleep(1)  # the flood is under way
            during_flood = await helps(watch, officer, count=args.helps)
            stop.set()
            flood_sent = await flooding
            await asyncio.sleep(2)  # what is left of the flood drains
            flood_cpu = cpu_seconds(bot.process.pid) - cpu_before

            done = asyncio.Event()
            exporting = asyncio.gather(*(export_and_wait(api, e) for e in exporters))
            exporting.add_done_callback(lambda _: done.set())
            during_exports = await helps(watch, officer, until=done)
            export_seconds = await exporting
            await bot.terminate(30)
            api.assert_no_violations()
    results = {"alone": percentiles(alone), "during_flood": percentiles(during_flood),
               "during_exports": percentiles(during_exports)}
    return {
        "bench": "flood",
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}",
        "bot_root": str(args.bot_root or REPO),
        "p99_ms_alone": results["alone"]["p99"],
        "p99_ms_during_flood": results["during_flood"]["p99"],
        "p99_ms_during_exports": results["during_exports"]["p99"],
        "p50_ms": {name: r["p50"] for name, r in results.items()},
        "helps": {"alone": len(alone), "during_flood": len(during_flood), "during_exports": len(during_exports)},
        "flood_commands_sent": flood_sent,
        # the bot's CPU over the flood phase (the officer's /help included) per command of the flood
        "bot_cpu_ms_per_flood_command": round(flood_cpu / flood_sent * 1000, 2),
        "export_rows": args.rows,
        "export_seconds": [round(s, 2) for s in export_seconds],
        "goal": "both loaded p99s within 2x of the p99 alone",
        "goal_met": max(results["during_flood"]["p99"], results["during_exports"]["p99"])
        <= 2 * results["alone"]["p99"],
    }


def main() -> None:
    """Parse arguments, run, print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--helps", type=int, default=200, help="/help round trips alone and during the flood")
    parser.add_argument("--flooders", type=int, default=5)
    parser.add_argument("--flood-rate", type=float, default=200, help="commands a second from the strangers in all")
    parser.add_argument("--rows", type=int, default=5000, help="hazards in the database, all in the exports")
    parser.add_argument("--bot-root", type=Path, help="run the bot of another checkout (before/after comparisons)")
    print(json.dumps(asyncio.run(run(parser.parse_args())), ensure_ascii=False))


if __name__ == "__main__":
    main()
