"""Feishu benchmark: the bot on Feishu (飞书) as deployed (`python -m bot`, HAZARD_MESSENGER=feishu) against the Feishu
double in this process, printed as one JSON line.

    .venv/bin/python bench/bench_feishu.py [--users 10] [--flows 3] [--reminders 2000] [--skip inbound|outbound]

Inbound: `--users` officers at once each file `--flows` reports through the private chat — eight updates a report
(/report, description, category press, place, one picture, 完成 press, grade press, 提交 press), each waited for
(a new card, or the pressed card updated). The bot process's CPU time per update, beside a bare echo bot on the same
transport (bench/feishu_echo_bot.py: the SDK's long connection in a thread and the SDK's Open API calls, one card or
one card update per update): `feishu_ratio_bot_cpu_per_update_same_transport`, as bench_inbound.py measures for
Telegram.

Outbound: `--reminders` reminders due at once (90 % to 500 officers' private chats, 10 % to 50 groups), sent by the
bot's sweep through its pacing; the double enforces Feishu's limits for sending (1,000 a minute and 50 a second for
the app, 5 a second to a chat) and answers 99991400/230020 beyond them. Measured: messages a second from the first
send to the last as a share of the sustained cap (1,000 a minute), refusals, reminders not sent by the timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sqlite3
import sys
import tempfile
import time
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench_inbound import cpu_seconds  # noqa: E402
from bench_outbound import build_ledger, next_monday_morning, unsent  # noqa: E402

from config.settings import Settings  # noqa: E402
from sandbox.feishu.double import FeishuDouble, Message, User  # noqa: E402
from sandbox.images import sample_jpeg  # noqa: E402
from storage.addresses import OFFSET  # noqa: E402

SUSTAINED_CAP = 1000 / 60  # Feishu: 1,000 sends a minute for the app (and 50 a second in a burst)


def environment(feishu: FeishuDouble, data: Path, admin: User | None, **extra: object) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HAZARD_")}
    env = clean | {"PYTHONPATH": str(REPO), "HAZARD_MESSENGER": "feishu", "HAZARD_FEISHU_APP_ID": feishu.app_id,
                   "HAZARD_FEISHU_APP_SECRET": feishu.app_secret, "HAZARD_FEISHU_DOMAIN": feishu.url,
                   "HAZARD_DATABASE_PATH": str(data / "db.sqlite3"), "HAZARD_MEDIA_DIR": str(data / "media"),
                   "HAZARD_KNOWLEDGE_DIR": str(data / "knowledge"), "HAZARD_SCHEDULE_ENABLED": "false"}  # fmt: skip
    if admin is not None:
        env["HAZARD_FEISHU_ADMIN_OPEN_IDS"] = admin.open_id
    return env | {f"HAZARD_{k.upper()}": str(v) for k, v in extra.items()}


def rss_mb(pid: int) -> float:
    """A process's resident memory now, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


async def spawn(argv: list[str], env: dict[str, str], data: Path, feishu: FeishuDouble) -> asyncio.subprocess.Process:
    """Start a process and wait until it holds the long connection."""
    connections = feishu.connections
    log = (data / "process.log").open("ab")
    process = await asyncio.create_subprocess_exec(sys.executable, *argv, env=env, cwd=data, stdout=log, stderr=log)
    await feishu.wait_for(lambda: feishu.connections > connections, 90, "the long connection")
    return process


async def stop(process: asyncio.subprocess.Process) -> None:
    process.terminate()
    await asyncio.wait_for(process.wait(), 60)


async def _edited(feishu: FeishuDouble, user: User, card: Message, label: str) -> Message:
    edits = len(card.edits)
    await feishu.press(user, card, label)
    await feishu.wait_for(lambda: len(card.edits) > edits, 60, f"{label} answered")
    return card


async def report(feishu: FeishuDouble, user: User, photo: bytes) -> int:
    """One report through the bot's questions; the updates it took."""
    chat = feishu.p2p(user)
    await feishu.send_text(user, "/report")
    await feishu.until(chat, "请描述", 60)
    await feishu.send_text(user, "二号仓库灭火器过期，安全出口被杂物堵塞")
    categories = await feishu.until(chat, "行业领域", 60)
    await _edited(feishu, user, categories, "消防安全")
    await feishu.send_text(user, "二号仓库东侧")
    await feishu.until(chat, "照片", 60)
    await feishu.send_image(user, photo)
    received = await feishu.until(chat, "第 1 张", 60)
    card = await _edited(feishu, user, received, "完成")
    card = await _edited(feishu, user, card, "一般隐患")
    await _edited(feishu, user, card, "提交")
    return 8


async def echo_round(feishu: FeishuDouble, user: User, photo: bytes) -> int:
    """The same eight updates' shapes, to the echo bot."""
    chat = feishu.p2p(user)
    for text in ("/report", "二号仓库灭火器过期"):  # (the bot's notices before it, in the same chat, are skipped)
        await feishu.send_text(user, text)
        card = await feishu.until(chat, text, 60)
    await _edited(feishu, user, card, "下一步")
    await feishu.send_text(user, "二号仓库东侧")
    await feishu.until(chat, "二号仓库东侧", 60)
    await feishu.send_image(user, photo)
    card = await feishu.until(chat, "照片", 60)
    for _ in range(3):
        await _edited(feishu, user, card, "下一步")
    return 8


async def measured(process: asyncio.subprocess.Process, users: list[User], rounds: int, work: Any,
                   feishu: FeishuDouble, photos: list[bytes]) -> dict[str, float]:  # fmt: skip
    """Every user's `rounds` of `work` at once: the process's CPU and the wall time per update."""
    cpu0, wall0 = cpu_seconds(process.pid), time.perf_counter()

    async def one(user: User, photo: bytes) -> int:
        return sum([await work(feishu, user, photo) for _ in range(rounds)])

    updates = sum(await asyncio.gather(*(one(u, p) for u, p in zip(users, photos, strict=True))))
    wall, cpu = time.perf_counter() - wall0, cpu_seconds(process.pid) - cpu0
    return {"updates": updates, "bot_cpu_ms_per_update": round(cpu / updates * 1000, 2),
            "wall_ms_per_update": round(wall / updates * 1000, 2), "updates_per_s": round(updates / wall, 1)}


async def inbound(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as temporary:
        data = Path(temporary)
        try:
            return await _inbound(args, data)
        except Exception:
            print((data / "process.log").read_text(errors="replace")[-4000:], file=sys.stderr)  # what the bot said
            raise


async def _inbound(args: argparse.Namespace, data: Path) -> dict[str, Any]:
    if True:
        async with FeishuDouble() as feishu:
            admin = feishu.add_user("管理员")
            users = [feishu.add_user(f"安全员{n}") for n in range(args.users)]
            dept, town = feishu.add_group("县消防救援大队", [admin], topics=True), feishu.add_group("城关镇", [admin])
            photos = [sample_jpeg(label=f"scene {n}") for n in range(args.users)]
            bot = await spawn(["-m", "bot"], environment(feishu, data, admin), data, feishu)
            try:
                for group, unit in ((dept, "xfdd"), (town, "cgz")):
                    await feishu.send_text(admin, f"/bind {unit}", chat=group, mention=True)
                    await feishu.until(group, "已将本群绑定", 30)
                for user in users:
                    await feishu.send_text(admin, "/invite e01 安全员")
                    code = re.search(r"/start (\S+)", (await feishu.until(feishu.p2p(admin), "邀请码", 30)).text)
                    assert code is not None
                    await feishu.send_text(user, f"/start {code.group(1)}")
                    await feishu.until(feishu.p2p(user), "加入成功", 30)
                await measured(bot, users, 1, report, feishu, photos)  # warm-up: not counted
                ours = await measured(bot, users, args.flows, report, feishu, photos)
                ours["rss_mb_after"] = rss_mb(bot.pid)
            finally:
                await stop(bot)
            echo = await spawn([str(REPO / "bench" / "feishu_echo_bot.py")], environment(feishu, data, None), data,
                               feishu)  # fmt: skip
            try:
                await measured(echo, users, 1, echo_round, feishu, photos)
                floor = await measured(echo, users, args.flows, echo_round, feishu, photos)
                floor["rss_mb_after"] = rss_mb(echo.pid)
            finally:
                await stop(echo)
            assert not feishu.violations, feishu.violations[:5]
    return {"feishu_inbound_bot": ours, "feishu_inbound_echo_same_transport": floor,
            "feishu_ratio_bot_cpu_per_update_same_transport":
                round(ours["bot_cpu_ms_per_update"] / floor["bot_cpu_ms_per_update"], 2)}  # fmt: skip


def address_rows(database: Path, officers: list[User], groups: list[Any]) -> tuple[list[int], list[int]]:
    """The officers' and groups' ledger integers, paired with their Feishu ids in the address book."""
    rows = [(n, "feishu", "user", u.open_id, n + OFFSET) for n, u in enumerate(officers, 1)]
    rows += [(n, "feishu", "chat", g.chat_id, -(n + OFFSET)) for n, g in enumerate(groups, len(officers) + 1)]
    with closing(sqlite3.connect(database)) as conn, conn:
        conn.executemany("INSERT INTO addresses (n, messenger, kind, external_id, local_id) VALUES (?, ?, ?, ?, ?)",
                         rows)  # fmt: skip
    return [r[4] for r in rows if r[2] == "user"], [r[4] for r in rows if r[2] == "chat"]


async def outbound(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as temporary:
        data = Path(temporary)
        async with FeishuDouble(limits=True) as feishu:
            officers = [feishu.add_user(f"安全员{n}") for n in range(500)]
            groups = [feishu.add_group(f"群{n}") for n in range(50)]
            now = next_monday_morning(Settings(_env_file=None).zone)  # type: ignore[call-arg]
            database = data / "db.sqlite3"
            officer_ids = [n + OFFSET for n in range(1, 501)]
            group_ids = [-(n + OFFSET) for n in range(501, 551)]
            await asyncio.to_thread(build_ledger, database, args.reminders, now, officer_ids, group_ids)
            await asyncio.to_thread(address_rows, database, officers, groups)
            env = environment(feishu, data, None, sweep_interval_seconds=1,
                              clock_offset_seconds=(now - datetime.now(UTC)).total_seconds())  # fmt: skip
            bot = await spawn(["-m", "bot"], env, data, feishu)
            began = time.monotonic()
            left = args.reminders
            try:
                while left and time.monotonic() - began < args.timeout:
                    await asyncio.sleep(1)
                    left = await asyncio.to_thread(unsent, database)
            finally:
                await stop(bot)
            assert not feishu.violations, feishu.violations[:5]
            sent = feishu.sends
    span = sent[-1] - sent[0] if len(sent) > 1 else float("nan")
    rate = (len(sent) - 1) / span if len(sent) > 1 else 0.0
    return {"feishu_outbound_reminders": args.reminders, "feishu_outbound_messages_sent": len(sent),
            "feishu_outbound_seconds_first_to_last": round(span, 1), "feishu_outbound_messages_per_s": round(rate, 2),
            "feishu_outbound_share_of_cap": round(rate / SUSTAINED_CAP, 3),
            "feishu_outbound_refused_for_rate": feishu.refused_for_rate, "feishu_outbound_not_sent": left}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--flows", type=int, default=3)
    parser.add_argument("--reminders", type=int, default=2000)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--skip", choices=["inbound", "outbound"])
    args = parser.parse_args()
    result: dict[str, Any] = {}
    if args.skip != "inbound":
        result |= asyncio.run(inbound(args))
    if args.skip != "outbound":
        result |= asyncio.run(outbound(args))
    print(json.dumps({"bench": "feishu", "date": datetime.now(UTC).date().isoformat(),
                      "machine": f"{os.cpu_count()} cores, Python {sys.version.split()[0]}", **result,
                      "goal": "inbound CPU per update and outbound share of the limit beside Telegram's"},
                     ensure_ascii=False))  # fmt: skip


if __name__ == "__main__":
    main()
