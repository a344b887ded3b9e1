"""Crashes (issue 6 §2): the bot as its own process, killed with SIGKILL at random points and restarted.

Officers report hazards (/report step by step, #隐患 captions with photos and albums) and rectify them; a
department member accepts and verifies, in the department's group with topics. Each run of the bot is
killed — at a random moment, during start-up, or from inside the double the instant it receives a chosen
call (Telegram has acted on it; the bot never hears back) — and the next run starts with its clock moved
on by hours, so reminders, nudges and escalations fall due while it is down. A conversation in progress at
a kill is lost; what the users were told must hold (see tests/process/ledger.py for the checks).

CRASH_SEED=<n> repeats a run's choices (the seed is printed; the processes' timing still varies),
CRASH_CYCLES=<n> sets the number of kills (default 20).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import time
from collections import Counter
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from config.org import load_org
from config.settings import Settings
from handlers import lifecycle, report
from sandbox.double import BotApiDouble, Chat, User
from storage.timefmt import to_db
from tests.process.botproc import TOKEN, BotProcess, bot_environment
from tests.process.ledger import (
    Ledger,
    check_media,
    check_notifications,
    check_reports,
    check_threads,
    check_transitions,
    repeated_cards,
)
from tests.process.people import DepartmentMember, Officer, Reader, bind, join, query
from usecases import sessions as session_codec

pytestmark = pytest.mark.process

SEED = int(os.environ.get("CRASH_SEED") or random.SystemRandom().randrange(1_000_000))
CYCLES = int(os.environ.get("CRASH_CYCLES") or 20)
# calls the double may be told to die on, once the bot polls: a reply or a notice sent, an album, a topic
# opened, a photo about to be downloaded, a button answered, a question edited, the next batch of updates
KILL_ON = ("sendMessage", "sendMessage", "sendMessage", "sendMediaGroup", "createForumTopic", "getFile",
           "answerCallbackQuery", "editMessageText", "getUpdates")  # fmt: skip
# and while it starts: before its database is open (getMe), after (setMyCommands in post_init), as polling
# begins (deleteWebhook); a timer there would mostly land in the imports
KILL_AT_START = ("getMe", "setMyCommands", "deleteWebhook")

@dataclass
class County:
    """The people and groups of the run, in the double and (after `enrol`) known to the bot."""

    admin: User
    officers: list[tuple[User, str]]  # with their enterprise
    member: User
    leads: list[tuple[User, str]]  # with their unit
    groups: dict[str, Chat]  # by unit id


def populate(api: BotApiDouble) -> County:
    """Users and groups in the double: two enterprises' officers, the fire brigade's member and leads."""
    admin = api.add_user("管理员")
    officers = [(api.add_user("张", "安全"), "e01"), (api.add_user("李", "安全"), "e10")]
    member = api.add_user("消防", "队员")
    leads = [(api.add_user("消防", "队长"), "xfdd"), (api.add_user("城关", "镇长"), "cgz"),
             (api.add_user("河西", "乡长"), "hsx")]  # fmt: skip
    lead_of = {unit: user for user, unit in leads}
    groups = {
        "xfdd": api.add_group("县消防救援大队", is_forum=True, members=[admin, member, lead_of["xfdd"]]),
        "cgz": api.add_group("城关镇", is_forum=False, can_manage_topics=False, members=[admin, lead_of["cgz"]]),
        "hsx": api.add_group("河西乡", is_forum=True, members=[admin, lead_of["hsx"]]),
        "awb": api.add_group("县安委办", is_forum=False, can_manage_topics=False, members=[admin]),
    }
    return County(admin, officers, member, leads, groups)


async def enrol(api: BotApiDouble, county: County) -> None:
    """Through the bot itself: everyone joins by invite, every group is bound."""
    for user, enterprise in county.officers:
        await join(api, county.admin, user, enterprise, "安全员")
    await join(api, county.admin, county.member, "xfdd", "成员")
    for user, unit in county.leads:
        await join(api, county.admin, user, unit, "负责人")
    for unit, group in county.groups.items():
        await bind(api, county.admin, group, unit)


class Assassin:
    """Kills the bot from inside the double when it receives the n-th call of a method: the call still runs
    (Telegram has acted on it) and the bot never hears the answer."""

    def __init__(self, api: BotApiDouble) -> None:
        self.method: str | None = None
        self.left = 0
        self.pid = 0
        self.fired = asyncio.Event()
        api.interceptors.append(self)

    def arm(self, pid: int, method: str, nth: int) -> None:
        """Kill process `pid` at its `nth` call of `method` from now."""
        self.pid, self.method, self.left = pid, method, nth
        self.fired = asyncio.Event()

    def disarm(self) -> None:
        """Stand down."""
        self.method = None

    def __call__(self, method: str, params: dict[str, Any]) -> None:
        if method != self.method:
            return None
        self.left -= 1
        if self.left == 0:
            os.kill(self.pid, signal.SIGKILL)
            self.method = None
            self.fired.set()
        return None


class Chaos:
    """Runs of the bot, each killed: its people act while it runs, the kill point is drawn from the seed."""

    def __init__(self, rng: random.Random, api: BotApiDouble, bot: BotProcess, county: County,
                 people: list[Officer | DepartmentMember]) -> None:  # fmt: skip
        self.rng, self.api, self.bot, self.county, self.people = rng, api, bot, county, people
        self.assassin = Assassin(api)
        self.kinds: Counter[str] = Counter()

    async def run(self, label: str, *, setup: bool = False) -> str:
        """Start the bot, kill it somewhere; how it was killed."""
        await self.bot.start(label)
        assert self.bot.process is not None
        kind = self.rng.choices(("start-up", "timer", "call"), (2, 4, 4))[0] if not setup else "timer"
        if kind == "start-up":
            method = self.rng.choice(KILL_AT_START)
            self.assassin.arm(self.bot.process.pid, method, 1)
            await _first_of(self.assassin.fired.wait(), [asyncio.ensure_future(self.bot.process.wait())])
            await self.bot.kill()
            self.kinds[f"start-up:{method}"] += 1
            return f"starting, at {method}"
        await self.bot.ready()
        if setup:
            await enrol(self.api, self.county)
        actors = [asyncio.create_task(person.run()) for person in self.people]
        try:
            if kind == "call":
                method, nth, fallback = self.rng.choice(KILL_ON), self.rng.randint(1, 6), self.rng.uniform(1.0, 2.5)
                self.assassin.arm(self.bot.process.pid, method, nth)
                await _first_of(asyncio.wait_for(self.assassin.fired.wait(), fallback), actors)
                if self.assassin.fired.is_set():
                    self.kinds[f"call:{method}"] += 1
                    return f"at {method} #{nth}"
                self.kinds["timer"] += 1
                return f"after {fallback:.2f}s (no {method} #{nth} by then)"
            delay = self.rng.uniform(0.1, 1.5)
            await _first_of(asyncio.sleep(delay), actors)
            self.kinds["timer"] += 1
            return f"after {delay:.2f}s"
        finally:
            self.assassin.disarm()
            await self.bot.kill()
            for task in actors:
                task.cancel()
            for outcome in await asyncio.gather(*actors, return_exceptions=True):
                if isinstance(outcome, Exception):
                    raise outcome


async def _first_of(trigger: Awaitable[Any], watched: Sequence[asyncio.Future[Any]]) -> None:
    """Wait for `trigger` (its timeout is no error); one of `watched` failing first fails the test with its error."""
    waiting = asyncio.ensure_future(trigger)
    try:
        done, _ = await asyncio.wait({waiting, *watched}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiting.cancel()
    for task in done:
        if task is waiting:
            if not task.cancelled() and isinstance(task.exception(), TimeoutError):
                return
            task.result()
        elif task.exception() is not None:
            task.result()


async def _drained(database: Path, offset: timedelta, timeout: float = 60.0) -> str:  # noqa: ASYNC109
    """Wait until nothing due is left unsent and every hazard is in its groups; the bot's `now` as stored."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        now = to_db(datetime.now(UTC) + offset)
        [(due,)] = query(database, "SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND due_at <= ?", (now,))
        [(undelivered,)] = query(database, "SELECT COUNT(*) FROM hazard_threads WHERE delivered_at IS NULL")
        if due == 0 and undelivered == 0:
            return now
        assert loop.time() < deadline, f"{due} notification(s) due and {undelivered} thread(s) undelivered"
        await asyncio.sleep(0.1)  # the sweep runs every half second; look again


def live_staging_keys(database: Path) -> set[str]:
    """The staging folders of the drafts and actions kept in users' sessions (as the bot wrote them at its stop)."""
    sessions = [session_codec.load(text) for (text,) in query(database, "SELECT data FROM sessions")]
    return {key for data in sessions for key in (report.staging_key(data), lifecycle.staging_key(data)) if key}


def _unused_topics(api: BotApiDouble, database: Path) -> int:
    """Forum topics the bot opened that no hazard thread names (a run killed right after opening one)."""
    named = {(chat, topic) for chat, topic in query(database, "SELECT chat_id, topic_id FROM hazard_threads")}
    chats = {chat for chat, _ in named}
    return sum(1 for chat in chats if chat is not None and api.chat(chat).is_forum
               for t in api.topics(chat) if (chat, t["message_thread_id"]) not in named)  # fmt: skip


async def test_sigkill_at_random_points_loses_nothing_the_users_were_told(tmp_path: Path) -> None:
    print(f"crash test: seed {SEED}, {CYCLES} kills (repeat with CRASH_SEED={SEED})")
    rng = random.Random(SEED)
    began = time.monotonic()
    async with BotApiDouble(token=TOKEN, bot_username="hazard_bot") as api:
        county = populate(api)
        data = tmp_path / "data"
        env = bot_environment(api, data, admin_ids=county.admin.id, sweep_interval_seconds=0.5)
        bot = BotProcess(api, env, tmp_path / "bot.log", tmp_path)
        database = data / "db.sqlite3"
        org = load_org(Settings(_env_file=None).org_file)  # type: ignore[call-arg]
        ledger = Ledger(api, database, tuple(e.name for e in org.enterprises.values()))
        officers = [Officer(api, user, enterprise, database, random.Random(f"{SEED}-{user.id}"))
                    for user, enterprise in county.officers]  # fmt: skip
        member = DepartmentMember(api, county.member, county.groups["xfdd"], "xfdd", database,
                                  random.Random(f"{SEED}-member"))  # fmt: skip
        chaos = Chaos(rng, api, bot, county, [*officers, member])
        offset = timedelta()
        try:
            for run in range(CYCLES):
                ledger.run = run
                bot.env["HAZARD_CLOCK_OFFSET_SECONDS"] = str(offset.total_seconds())
                how = await chaos.run(f"run {run}, clock +{offset}", setup=run == 0)
                ledger.killed.add(run)
                ledger.snapshot()
                print(f"  run {run:2d}: killed {how}")
                offset += timedelta(hours=rng.uniform(2, 12))

            ledger.run = CYCLES
            bot.env["HAZARD_CLOCK_OFFSET_SECONDS"] = str(offset.total_seconds())
            await bot.start(f"final run, clock +{offset}")
            await bot.ready()
            now = await _drained(database, offset)
            code, took = await bot.terminate()
            assert code == 0 and took < 10, f"SIGTERM: exit {code} after {took:.1f}s\n{bot.tail()}"
            ledger.snapshot()
        except BaseException:
            print(bot.tail())
            raise
        finally:
            if bot.alive:
                await bot.kill()

        reports, told = check_reports(ledger, officers, data / "media")
        transitions, confirmed = check_transitions(ledger)
        notices, counts = check_notifications(ledger, now)
        problems = reports + check_media(ledger, data / "media") + transitions + notices + check_threads(ledger)
        cards_extra, cards_after_recorded = repeated_cards(ledger)
        problems.extend(cards_after_recorded)
        # a draft restored with its user's session keeps its photos; any other staged folder was abandoned
        staged = sorted({p.name for p in (data / "media" / "staging").iterdir()} - live_staging_keys(database))
        if staged:
            problems.append(f"abandoned drafts' photos still staged after the last start: {staged}")
        [(integrity,)] = query(database, "PRAGMA integrity_check")
        if integrity != "ok":
            problems.append(f"integrity_check: {integrity}")
        [(hazards,)] = query(database, "SELECT COUNT(*) FROM hazards")
        [(events,)] = query(database, "SELECT COUNT(*) FROM events")
        summary = {
            "seed": SEED, "kills": CYCLES, "kill_points": dict(chaos.kinds),
            "seconds": round(time.monotonic() - began, 1), "clock_moved_hours": round(offset.total_seconds() / 3600),
            "hazards": hazards,
            "told_filed": told, "events": events, "transitions_confirmed": confirmed,
            "outbox_rows_due": dict(counts.rows), "sends_confirmed": counts.confirmed,
            "notices_sent_unrecorded_at_a_kill": counts.unconfirmed, "sends_dropped_with_expired_row": counts.dropped,
            "cards_repeated": cards_extra, "cards_repeated_after_recorded": len(cards_after_recorded),
            "topics_unused": _unused_topics(api, database),
        }  # fmt: skip
        print(json.dumps(summary, ensure_ascii=False))
        assert not problems, f"seed {SEED}:\n" + "\n".join(problems[:40])
        assert told >= 5 and confirmed >= 5, f"seed {SEED}: too little happened to prove anything: {summary}"
        api.assert_no_violations()


async def test_sigterm_stops_the_bot_within_ten_seconds(tmp_path: Path) -> None:
    async with BotApiDouble(token=TOKEN, bot_username="hazard_bot") as api:
        county = populate(api)
        data = tmp_path / "data"
        bot = BotProcess(api, bot_environment(api, data, admin_ids=county.admin.id), tmp_path / "bot.log", tmp_path)
        try:
            # idle: a long poll is waiting
            await bot.start("idle")
            await bot.ready()
            code, took = await bot.terminate()
            assert (code, took < 10) == (0, True), f"idle: exit {code} after {took:.1f}s\n{bot.tail()}"

            # busy: a report half done and messages still arriving
            await bot.start("busy")
            await bot.ready()
            await enrol(api, county)
            officer, _ = county.officers[0]
            chat = Reader(api, officer.id)
            await api.send_text(officer, "/report")
            await chat.next("请描述")
            for n in range(20):
                await api.send_text(officer, f"灭火器过期 {n}")
            code, took = await bot.terminate()
            assert (code, took < 10) == (0, True), f"busy: exit {code} after {took:.1f}s\n{bot.tail()}"
            [(integrity,)] = query(data / "db.sqlite3", "PRAGMA integrity_check")
            assert integrity == "ok"
            assert "Traceback" not in bot.log.read_text(encoding="utf-8"), bot.tail()

            # and it starts again on the same files (the instance lock was released)
            await bot.start("again")
            await bot.ready()
            code, _ = await bot.terminate()
            assert code == 0, bot.tail()
        finally:
            if bot.alive:
                await bot.kill()
        api.assert_no_violations()
