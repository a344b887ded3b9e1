"""Inbound benchmark: complete report flows through the Bot API double over loopback, printed as one JSON line.

    .venv/bin/python bench/bench_inbound.py [--users 10] [--flows 4] [--solo-flows 15] [--echo-rounds 240]
                                            [--hazards 100000]

The double runs in this process; the bot runs as its own process (`python -m bot`, as deployed, with
HAZARD_RATE_LIMIT=false for a local server) and so does, on the same double in the same run, a bare
python-telegram-bot echo bot (bench/echo_bot.py): the framework's floor, with PTB's own transport (httpx). The
bot's calls go over aiohttp (bot/transport.py), so the echo bot runs once more with that transport, for
comparison. Each bot is measured alone with one user (reply latency of an idle bot) and with `--users` users at
once (throughput; updates are handled in order, so latency there is mostly queueing). A report flow is eight
updates — /report, description, category button, place, one photo, 完成, grade button, 提交 — each answered by
one message; the photo is downloaded and checked, and 提交 files the hazard (then delivered to two groups in the
background). The 10-user report flows are run once more with the bot paced as deployed (HAZARD_RATE_LIMIT=true:
PTB's rate limiter before every call), and the echo bot on aiohttp with the same pacing, for
`ratio_bot_cpu_per_update_same_transport_paced`.

Cost per update: the bot process's CPU time (user + system, from /proc) per update handled, and wall
time per update at saturation. Goal: ours within 2x of the floor. Not a test: the goal is read, not asserted. The
bot works beside `--hazards` hazards of 2026 already in its database (100,000 by default, as issue 16 asks; 0: an
empty one).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sandbox.double import BotApiDouble, Message, User  # noqa: E402
from sandbox.images import sample_jpeg  # noqa: E402
from sandbox.model import WorldEvent  # noqa: E402
from tests.process.botproc import TOKEN, BotProcess, bot_environment  # noqa: E402
from tests.process.people import Reader, bind, join, shown  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


class Stopwatch:
    """When each of the bot's messages reached the double (taken as it is created, not when a waiter wakes)."""

    def __init__(self, api: BotApiDouble) -> None:
        self.api = api
        self.created: dict[tuple[int, int], float] = {}
        self.edited: dict[tuple[int, int], float] = {}
        api.world.subscribe(self._on_event)

    def _on_event(self, event: WorldEvent) -> None:
        message = event.message
        if event.kind in ("message", "edit") and message is not None and message.sender is self.api.bot:
            times = self.created if event.kind == "message" else self.edited
            times[(message.chat.id, message.message_id)] = time.perf_counter()

    async def round_trip(self, user: User, act: Awaitable[Any], needle: str) -> tuple[float, Message]:
        """Do `act` (not yet started) as the user; the seconds until the bot's answer showing `needle`, and it."""
        chat = Reader(self.api, user.id)
        began = time.perf_counter()
        await act
        answer = await chat.next(needle)
        assert answer is not None
        return self.created[(user.id, answer.message_id)] - began, answer

    async def pressed(self, user: User, message: Message, button: str, needle: str) -> tuple[float, Message]:
        """Press `button` on `message`; the seconds until the bot edited it to show `needle` (answered in place)."""
        began = time.perf_counter()
        await self.api.press(user, message, button=button)
        await self.api.wait_for(lambda: needle in shown(message), 10, f"{needle!r} on message {message.message_id}")
        return self.edited[(user.id, message.message_id)] - began, message


@dataclass
class Phase:
    """One measured stretch: updates handled, latencies, wall and CPU time of the bot and of the double."""

    updates: int = 0
    latencies: list[float] = field(default_factory=list)
    wall: float = 0.0
    bot_cpu: float = 0.0
    double_cpu: float = 0.0
    calls: int = 0  # Bot API calls the bot made (getUpdates and file downloads included)

    def summary(self) -> dict[str, Any]:
        """The phase as JSON-ready numbers."""
        ordered = sorted(self.latencies)
        return {
            "updates": self.updates,
            "updates_per_s": round(self.updates / self.wall, 1),
            "p50_ms": round(statistics.median(ordered) * 1000, 2),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 2),
            "wall_ms_per_update": round(self.wall / self.updates * 1000, 3),
            "bot_cpu_ms_per_update": round(self.bot_cpu / self.updates * 1000, 3),
            "double_cpu_ms_per_update": round(self.double_cpu / self.updates * 1000, 3),
            "bot_api_calls_per_update": round(self.calls / self.updates, 2),
            "bot_cpu_ms_per_call": round(self.bot_cpu / self.calls * 1000, 3),
        }


async def measure(bot: BotProcess, users: list[User], work: Callable[[User, Phase], Awaitable[None]],
                  profile: Path | None = None) -> Phase:
    """Run `work` for every user at once and time it; `profile`: py-spy samples the bot's thread holding the GIL
    meanwhile (collapsed stacks written there; sampling costs the bot a little: do not read that run's timings)."""
    assert bot.process is not None
    spy = None
    if profile is not None:
        spy = await asyncio.create_subprocess_exec(
            str(Path(sys.executable).with_name("py-spy")), "record", "--pid", str(bot.process.pid), "--rate", "250",
            "--gil", "--format", "raw", "--output", str(profile), stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        await asyncio.sleep(1)  # py-spy attaches
    phase = Phase()
    calls0 = len(bot.api.requests) + len(bot.api.downloads)
    cpu0, own0, wall0 = cpu_seconds(bot.process.pid), time.process_time(), time.perf_counter()
    await asyncio.gather(*(work(user, phase) for user in users))
    phase.wall = time.perf_counter() - wall0
    phase.calls = len(bot.api.requests) + len(bot.api.downloads) - calls0
    phase.bot_cpu = cpu_seconds(bot.process.pid) - cpu0
    phase.double_cpu = time.process_time() - own0
    if spy is not None:
        spy.send_signal(signal.SIGINT)
        await spy.wait()
    return phase


def echo_rounds(watch: Stopwatch, rounds: int) -> Callable[[User, Phase], Awaitable[None]]:
    """Each user sends `rounds` texts, one after the other, and waits for each echo."""

    async def work(user: User, phase: Phase) -> None:
        for n in range(rounds):
            text = f"回声 {user.id} {n}"
            latency, _ = await watch.round_trip(user, watch.api.send_text(user, text), text)
            phase.latencies.append(latency)
            phase.updates += 1

    return work


def shaped_flows(watch: Stopwatch, flows: int) -> Callable[[User, Phase], Awaitable[None]]:
    """The echo bot driven in a report flow's shape: text, text, press, text, photo, press, press, press (each press
    answered and its message edited in place, as the bot does)."""
    api = watch.api

    async def work(user: User, phase: Phase) -> None:
        for n in range(flows):

            async def step(act: Awaitable[Any], needle: str) -> Message:
                latency, answer = await watch.round_trip(user, act, needle)
                phase.latencies.append(latency)
                phase.updates += 1
                return answer

            async def press(message: Message, ticks: int) -> None:
                latency, _ = await watch.pressed(user, message, "下一步", " ✓" * ticks)
                phase.latencies.append(latency)
                phase.updates += 1

            await step(api.send_text(user, f"▶ 上报 {n}"), f"▶ 上报 {n}")
            asked = await step(api.send_text(user, f"▶ 灭火器过期 {n}"), f"▶ 灭火器过期 {n}")
            await press(asked, 1)
            await step(api.send_text(user, f"▶ 二号仓库 {n}"), f"▶ 二号仓库 {n}")
            got = await step(api.send_photo(user, sample_jpeg(640, 480, label=f"e{user.id}-{n}")), "字节")
            for ticks in range(1, 4):
                await press(got, ticks)

    return work


def report_flows(watch: Stopwatch, flows: int) -> Callable[[User, Phase], Awaitable[None]]:
    """Each user files `flows` reports, one after the other, waiting for each answer."""
    api = watch.api

    async def work(user: User, phase: Phase) -> None:
        for n in range(flows):

            async def step(act: Awaitable[Any], needle: str) -> Message:
                latency, answer = await watch.round_trip(user, act, needle)
                phase.latencies.append(latency)
                phase.updates += 1
                return answer

            async def press(message: Message, button: str, needle: str) -> None:
                latency, _ = await watch.pressed(user, message, button, needle)
                phase.latencies.append(latency)
                phase.updates += 1

            await step(api.send_text(user, "/report"), "请描述")
            asked = await step(api.send_text(user, f"灭火器过期，安全出口被杂物堵塞 {n}"), "请选择隐患所属行业领域")
            await press(asked, "消防安全", "具体位置")
            await step(api.send_text(user, "二号仓库东门"), "现场照片")
            got = await step(api.send_photo(user, sample_jpeg(640, 480, label=f"{user.id}-{n}")), "已收到第 1 张")
            await press(got, "完成", "请初步判定隐患等级")
            await press(got, "一般隐患", "请确认隐患报告")
            await press(got, "提交", "已立案")

    return work


async def indexed(bot: BotProcess, timeout: float = 30.0) -> None:  # noqa: ASYNC109
    """Wait until the bot has indexed its knowledge base (a second of CPU after start-up, not an update's cost)."""
    deadline = time.monotonic() + timeout
    while "knowledge base:" not in bot.tail():
        assert time.monotonic() < deadline, f"no knowledge base after {timeout}s\n{bot.tail()}"
        await asyncio.sleep(0.1)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Both bots, one after the other, on one double."""
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        async with BotApiDouble(token=TOKEN, bot_username="hazard_bot") as api:
            watch = Stopwatch(api)
            admin = api.add_user("管理员")
            officers = [api.add_user(f"安全员{i}") for i in range(args.users)]
            dept = api.add_group("县消防救援大队", is_forum=True, members=[admin])
            town = api.add_group("城关镇", is_forum=False, can_manage_topics=False, members=[admin])

            env = bot_environment(api, folder / "data", admin_ids=admin.id)
            echo = BotProcess(api, env, folder / "echo.log", folder, argv=(str(REPO / "bench" / "echo_bot.py"),))
            await echo.start("echo")
            await echo.ready()
            await measure(echo, officers, echo_rounds(watch, 5))  # warm-up
            solo = await measure(echo, officers[:1], echo_rounds(watch, args.echo_rounds))
            crowd = await measure(echo, officers, echo_rounds(watch, args.echo_rounds // len(officers) * 2))
            await measure(echo, officers, shaped_flows(watch, 1))  # warm-up
            shaped = await measure(echo, officers, shaped_flows(watch, args.flows),
                                   args.profile / "echo.txt" if args.profile else None)
            await echo.terminate()
            results["echo"] = {"one_user": solo.summary(), f"{args.users}_users": crowd.summary()}
            results["echo_in_report_shape"] = {f"{args.users}_users": shaped.summary()}

            echo_argv = (str(REPO / "bench" / "echo_bot.py"), "--aiohttp")  # the bot's transport, for comparison
            same = BotProcess(api, env, folder / "echo-aiohttp.log", folder, argv=echo_argv)
            await same.start("echo --aiohttp")
            await same.ready()
            await measure(same, officers, echo_rounds(watch, 5))  # warm-up
            crowd = await measure(same, officers, echo_rounds(watch, args.echo_rounds // len(officers) * 2))
            await measure(same, officers, shaped_flows(watch, 1))  # warm-up
            shaped = await measure(same, officers, shaped_flows(watch, args.flows))
            await same.terminate()
            results["echo_aiohttp"] = {f"{args.users}_users": crowd.summary()}
            results["echo_aiohttp_in_report_shape"] = {f"{args.users}_users": shaped.summary()}

            # the same, paced as our bot is deployed: the floor for the paced report flows below
            paced_echo = BotProcess(api, env, folder / "echo-paced.log", folder, argv=(*echo_argv, "--paced"))
            await paced_echo.start("echo --aiohttp --paced")
            await paced_echo.ready()
            await measure(paced_echo, officers, echo_rounds(watch, 5))  # warm-up
            crowd = await measure(paced_echo, officers, echo_rounds(watch, args.echo_rounds // len(officers) * 2))
            await paced_echo.terminate()
            results["echo_aiohttp_paced"] = {f"{args.users}_users": crowd.summary()}

            if args.hazards:  # the ledger the bot works beside, as in a county after a year or more
                await _fill(folder / "data" / "db.sqlite3", args.hazards)
            ours = BotProcess(api, env, folder / "bot.log", folder)
            await ours.start("bot")
            await ours.ready()
            await indexed(ours)
            await bind(api, admin, dept, "xfdd")
            await bind(api, admin, town, "cgz")
            for officer in officers:
                await join(api, admin, officer, "e01", "安全员")
            await measure(ours, officers, report_flows(watch, 1))  # warm-up: first of everything
            solo = await measure(ours, officers[:1], report_flows(watch, args.solo_flows))
            crowd = await measure(ours, officers, report_flows(watch, args.flows),
                                  args.profile / "bot.txt" if args.profile else None)
            await ours.terminate()
            results["report"] = {"one_user": solo.summary(), f"{args.users}_users": crowd.summary()}

            # as deployed: PTB's rate limiter pacing every call (29.5 a second, 19.5 a minute per group)
            paced = BotProcess(api, env | {"HAZARD_RATE_LIMIT": "true"}, folder / "bot-paced.log", folder)
            await paced.start("bot, paced")
            await paced.ready()
            await indexed(paced)
            await measure(paced, officers, report_flows(watch, 1))  # warm-up
            crowd = await measure(paced, officers, report_flows(watch, args.flows))
            await paced.terminate(30)
            results["report_paced"] = {f"{args.users}_users": crowd.summary()}
            api.assert_no_violations()
    return results


async def _fill(path: Path, hazards: int) -> None:
    """A migrated database holding `hazards` hazards of 2026 with their events (bench_export's filler)."""
    from bench import bench_export
    from config.org import load_org
    from storage.db import Database

    path.parent.mkdir(parents=True, exist_ok=True)
    await (await Database.open(path)).close()
    bench_export.ROWS = hazards
    await asyncio.to_thread(bench_export.fill, path, load_org(REPO / "config" / "org.example.toml"))
    with sqlite3.connect(path) as conn:  # the next filing is numbered after them
        conn.execute("INSERT INTO hazard_numbers (year, last) VALUES (2026, ?)", (hazards,))


def main() -> None:
    """Parse arguments, run, print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--flows", type=int, default=4, help="report flows per user with all users at once")
    parser.add_argument("--solo-flows", type=int, default=15, help="report flows of one user alone")
    parser.add_argument("--echo-rounds", type=int, default=240, help="echoes of one user alone")
    parser.add_argument("--hazards", type=int, default=100_000, help="hazards in the bot's database (issue 16)")
    parser.add_argument("--profile", type=Path,
                        help="a folder: py-spy's collapsed stacks of both bots in report flows, all users at once")
    args = parser.parse_args()
    results = asyncio.run(run(args))
    crowd = f"{args.users}_users"
    ours, floor = results["report"][crowd], results["echo"][crowd]
    print(json.dumps({
        "bench": "inbound",
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}",
        **results,
        "ratio_bot_cpu_per_update": round(ours["bot_cpu_ms_per_update"] / floor["bot_cpu_ms_per_update"], 2),
        "ratio_wall_per_update": round(ours["wall_ms_per_update"] / floor["wall_ms_per_update"], 2),
        "ratio_p50_one_user": round(results["report"]["one_user"]["p50_ms"] / results["echo"]["one_user"]["p50_ms"], 2),
        "ratio_bot_cpu_per_update_same_transport": round(
            ours["bot_cpu_ms_per_update"] / results["echo_aiohttp"][crowd]["bot_cpu_ms_per_update"], 2),
        # both paced as deployed (PTB's rate limiter, 29.5 calls a second): the bot's report flows, the echo's echoes
        "ratio_bot_cpu_per_update_same_transport_paced": round(
            results["report_paced"][crowd]["bot_cpu_ms_per_update"]
            / results["echo_aiohttp_paced"][crowd]["bot_cpu_ms_per_update"], 2),
        # the paced bot against the echo bot unpaced (as measured before the paced echo was)
        "ratio_bot_cpu_per_update_paced_vs_unpaced_echo": round(
            results["report_paced"][crowd]["bot_cpu_ms_per_update"]
            / results["echo_aiohttp"][crowd]["bot_cpu_ms_per_update"], 2),
        "ratio_bot_cpu_per_update_same_calls": round(
            ours["bot_cpu_ms_per_update"] / results["echo_in_report_shape"][crowd]["bot_cpu_ms_per_update"], 2),
        # against the echo bot making a report flow's calls (downloads, presses answered, edits) on the same transport
        "ratio_bot_cpu_per_update_same_transport_same_calls": round(
            ours["bot_cpu_ms_per_update"] / results["echo_aiohttp_in_report_shape"][crowd]["bot_cpu_ms_per_update"], 2),
        "hazards_in_database": args.hazards,
        "goal": "ours within 2x of the floor per update",
    }, ensure_ascii=False))  # fmt: skip


if __name__ == "__main__":
    main()
