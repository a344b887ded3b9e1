"""Operations: one instance at a time (lock and Telegram's 409), flood waits that never stall other chats, a stop
that never waits for a backlog."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest

from bot.jobs import sweep
from config.settings import Settings
from reports import worker
from reports.service import PROGRESS_EVERY
from storage.db import AlreadyRunning, Database
from storage.timefmt import to_db
from tests.flows.conftest import World
from tests.flows.steps import NEVER_ANSWERING_WORKER, accepted, finish, ready, report_until_photos, rows, submit


async def test_a_second_instance_cannot_open_the_database(world: World) -> None:
    with pytest.raises(AlreadyRunning):
        await Database.open(world.settings.database_path, exclusive=True)


async def test_telegrams_409_stops_this_instance(world: World) -> None:
    stopped: list[bool] = []
    world.app.stop_running = lambda: stopped.append(True)  # type: ignore[method-assign]
    # another instance polls with the same token: Telegram answers the bot's next poll with 409
    world.api.fail_next("getUpdates", 409, "Conflict: terminated by other getUpdates request; make sure that only"
                        " one bot instance is running")
    await world.api.wait_for(lambda: bool(stopped), timeout=10, what="the bot stopping on 409")


@pytest.mark.parametrize("overrides", [{"rate_limit": True}])
async def test_a_long_flood_wait_on_one_reply_does_not_stall_other_chats(world: World) -> None:
    await world.join(world.officer, "e01", "安全员")
    world.api.fail_next("sendMessage", 429, retry_after=3600, when=lambda p: p.get("chat_id") == world.officer.id)
    await world.api.send_text(world.officer, "/help")
    answer = await world.command(world.stranger, "/help")  # another chat is answered at once
    assert "邀请链接" in answer["plain_text"]
    notice = await world.until(world.admin.id, "限制了机器人的发送频率")
    assert "60 分钟" in notice["plain_text"]
    world.api.fail_next("sendMessage", 429, retry_after=3600, when=lambda p: p.get("chat_id") == world.officer.id)
    await world.api.send_text(world.officer, "/help")
    await world.command(world.stranger, "/help")
    await world.api.expect_nothing(world.admin.id)  # told once, not at every 429


@pytest.mark.parametrize("overrides", [{"rate_limit": True}])
async def test_a_short_flood_wait_is_waited_out_once(world: World) -> None:
    await world.join(world.officer, "e01", "安全员")
    fault = world.api.fail_next("sendMessage", 429, retry_after=1, when=lambda p: p.get("chat_id") == world.officer.id)
    answer = await world.command(world.officer, "/help")
    assert "/report" in answer["plain_text"] and fault.hits == 1


def test_a_webhook_without_a_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="HAZARD_WEBHOOK_SECRET"):
        Settings(_env_file=None, webhook_url="https://bot.example.invalid/telegram")  # type: ignore[call-arg]


async def test_status_for_admins_only(world: World) -> None:
    shown = await world.command(world.admin, "/status")
    assert "待发通知：0 条" in shown["plain_text"] and "数据库大小" in shown["plain_text"]
    await world.join(world.officer, "e01", "安全员")
    assert "仅限管理员" in (await world.command(world.officer, "/status"))["plain_text"]


async def test_a_bot_told_to_stop_ends_its_sweep_after_the_reminder_in_hand(world: World) -> None:
    """SIGTERM within seconds even with a backlog: the sweep stops between reminders; the rest stay due."""
    await accepted(world)
    world.clock.advance(timedelta(days=10))  # long overdue: the nudge and every escalation step fall due at once
    now = to_db(world.clock.now())
    due = "SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND due_at <= ?"
    [(backlog,)] = rows(world, due, (now,))
    assert backlog >= 3
    slow = world.api.fail_next("sendMessage", None, delay=0.3, times=1000)  # each send takes a while
    sweeping = asyncio.create_task(sweep(world.app))
    await world.api.wait_for(lambda: slow.hits >= 1, timeout=10, what="the sweep's first send")
    began = time.monotonic()
    assert world.app.updater is not None
    await world.app.updater.stop()
    await world.app.stop()  # as on SIGTERM
    await asyncio.wait_for(sweeping, 10)  # (or the job queue's sweep, if it had started first: stop waited for it)
    assert time.monotonic() - began < 3
    [(left,)] = rows(world, due, (now,))
    assert 1 <= left < backlog  # some went out (or expired); the rest stay due for the next start, not lost


async def test_a_stop_after_a_burst_of_filings_leaves_the_rest_of_the_deliveries_for_the_next_start(
        world: World) -> None:
    """The delivery in hand ends after its hazard, and so does the sweep it asks for after it (that sweep once ran
    the whole backlog, paced, for two minutes after SIGTERM: it started when the bot was already stopping)."""
    await ready(world)
    groups = {world.dept_group.id, world.town_group.id}
    slow = world.api.fail_next("sendMessage", None, delay=1.0, times=1000, when=lambda p: p.get("chat_id") in groups)
    for _ in range(4):
        await submit(world, await finish(world, await report_until_photos(world)))
    # told to stop while the first hazard's second group gets its card: that hazard is then delivered, its reporter's
    # notice queued, and the sweep that sends it asked for
    await world.api.wait_for(lambda: slow.hits >= 2, timeout=10, what="the first hazard's second card under way")
    began = time.monotonic()
    assert world.app.updater is not None
    await world.app.updater.stop()
    await world.app.stop()  # as on SIGTERM: waits for the delivery tasks
    assert time.monotonic() - began < 4
    [(waiting,)] = rows(world, "SELECT COUNT(*) FROM hazard_threads WHERE delivered_at IS NULL")
    assert waiting >= 2  # the rest stay due for the next start, not lost


async def test_a_stop_during_an_export_stops_its_worker_and_tells_the_person(world: World,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGTERM while an export is being built: the stop waits for no export (a year's took half a minute), the
    worker is stopped, and whoever asked for it is told to ask again."""
    monkeypatch.setattr(worker, "COMMAND", NEVER_ANSWERING_WORKER)
    await world.api.send_text(world.admin, "/export")
    await world.until(world.admin.id, "正在生成隐患台账")  # its worker is started next
    began = time.monotonic()
    assert world.app.updater is not None
    await world.app.updater.stop()
    await world.app.stop()  # as on SIGTERM: waits for the export's task
    assert time.monotonic() - began < PROGRESS_EVERY + 2
    told = await world.until(world.admin.id, "导出已中断")
    assert "请稍后重新发送 /export" in told["plain_text"]
    assert not [m for m in world.api.sent(world.admin.id) if m["document_file"] is not None]


async def test_a_stop_while_an_export_waits_its_turn_tells_the_person_too(world: World) -> None:
    """Exports are built one at a time: one waiting behind another hears the stop while it waits, and is not left
    for the next start (a stop waits for it no more than for the export in hand)."""
    turn = world.app.bot_data.services.export_turn
    await turn.acquire()  # another export's worker is building its files
    try:
        await world.api.send_text(world.admin, "/export")
        await world.until(world.admin.id, "正在生成隐患台账")
        assert world.app.updater is not None
        await world.app.updater.stop()
        await asyncio.wait_for(world.app.stop(), PROGRESS_EVERY + 2)  # not after the export in hand
    finally:
        turn.release()
    told = await world.until(world.admin.id, "导出已中断")
    assert "请稍后重新发送 /export" in told["plain_text"]


async def test_what_a_killed_export_left_is_removed_at_the_next_start(world: World,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """An export's files are made under the media directory (not in the system's temporary folder, where a bot
    killed meanwhile would leave them for ever), and what a killed bot left there is removed at the next start."""
    scratch = world.settings.media_dir / "scratch"
    left = scratch / "export-killed"
    left.mkdir(parents=True)
    (left / "隐患台账.xlsx").write_bytes(b"half a workbook")
    await world.restart()
    assert not left.exists()
    monkeypatch.setattr(worker, "COMMAND", NEVER_ANSWERING_WORKER)
    await world.api.send_text(world.admin, "/export")
    await world.until(world.admin.id, "正在生成隐患台账")
    await world.api.wait_for(lambda: [p.name[:7] for p in scratch.iterdir()] == ["export-"], timeout=5,
                             what="the export's folder in the media directory's scratch")
