"""Each failed send and each late job is logged once, with its cause: the records the real sweep writes."""

from __future__ import annotations

import datetime as dt
import logging
from datetime import timedelta

import pytest

from bot.jobs import sweep
from tests.flows.conftest import World
from tests.flows.steps import accepted, ready, rows

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
FRIDAY_NUDGE = timedelta(days=3, hours=23)  # from _accepted (Monday 10:00) to Friday 09:00: the first overdue nudge


def logged(caplog: pytest.LogCaptureFixture, logger: str, words: str) -> list[str]:
    """The messages of the records `logger` wrote that contain `words`."""
    return [r.getMessage() for r in caplog.records if r.name == logger and words in r.getMessage()]


def keyed(messages: list[str], keys: list[str]) -> dict[str, list[str]]:
    """The messages that name each key."""
    return {key: [m for m in messages if m.startswith(f"{key} ") or f" {key} " in m] for key in keys}


async def test_reminders_sent_late_after_downtime_are_logged_once_each(world: World,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="outbound.sweep")
    await accepted(world)
    await world.restart()
    world.clock.advance(FRIDAY_NUDGE + timedelta(minutes=40))  # the bot was down over Friday 09:00
    # one recipient of a late row is flooded: the row is finished in a later sweep, which must not log it again
    world.api.fail_next("sendMessage", 429, retry_after=30, when=lambda p: p.get("chat_id") == world.officer.id)
    await sweep(world.app)
    world.clock.advance(timedelta(seconds=31))
    await sweep(world.app)
    assert "补发" in (await world.until(world.officer.id, "已超过整改期限"))["plain_text"]
    await world.restart()
    await sweep(world.app)

    late = [key for (key,) in rows(world, "SELECT key FROM outbox WHERE late = 1 AND status = 'sent'")]
    assert len(late) >= 2  # the nudge and the township lead's escalation at least
    messages = logged(caplog, "outbound.sweep", "goes out late")
    assert len(messages) == len(late)
    for key, said in keyed(messages, late).items():
        assert len(said) == 1, (key, messages)
        assert "0:40:00 after it was due" in said[0]  # all of them were due at 09:00
        assert said[0].endswith("it fell due while the bot was not running (first sweep since start)")


async def test_a_send_that_fails_is_logged_once_with_telegrams_reason(world: World,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="outbound.sweep")
    await accepted(world)
    world.clock.advance(FRIDAY_NUDGE)
    world.api.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user",
                        when=lambda p: p.get("chat_id") == world.officer.id)
    await sweep(world.app)
    await world.until(world.admin.id, "bot was blocked by the user")  # the admins are told too
    world.clock.advance(timedelta(hours=1))
    await sweep(world.app)
    await world.restart()
    await sweep(world.app)

    [(key, error)] = rows(world, "SELECT key, error FROM outbox_sends WHERE status = 'failed'")
    assert "blocked" in error
    assert logged(caplog, "outbound.sweep", "giving up") == [
        f"giving up a send of {key} to {world.officer.id}: Forbidden: bot was blocked by the user"]


async def test_recipients_dropped_when_their_row_expires_are_logged_once(world: World,
                                                                        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="outbound.sweep")
    await accepted(world)
    world.clock.advance(FRIDAY_NUDGE)
    # Friday's nudge waits three days for the officer: by then Monday's nudge has replaced it
    world.api.fail_next("sendMessage", 429, retry_after=3 * 24 * 3600,
                        when=lambda p: p.get("chat_id") == world.officer.id)
    await sweep(world.app)
    [(key,)] = rows(world, "SELECT key FROM outbox_sends WHERE status = 'pending'")
    world.clock.advance(timedelta(days=3, minutes=1))  # Monday 09:01
    await sweep(world.app)
    await sweep(world.app)

    assert rows(world, "SELECT status FROM outbox WHERE key = ?", (key,)) == [("expired",)]
    assert rows(world, "SELECT status FROM outbox_sends WHERE key = ? AND chat_id = ?", (key, world.officer.id)) == [
        ("failed",)]
    [said] = logged(caplog, "outbound.sweep", "dropping")
    assert said.startswith(f"dropping 1 unsent recipient(s) of {key}: it expired at ")


@pytest.mark.parametrize("overrides", [{"schedule_enabled": True}])
async def test_a_digest_sent_late_after_downtime_is_logged_once(world: World,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="outbound.periodic")
    await ready(world)
    await sweep(world.app)  # planned ahead: the database knows Monday's digest is due
    await world.restart()
    world.clock.set(dt.datetime(2026, 11, 30, 15, tzinfo=SHANGHAI))  # the bot was down over Monday 09:00
    await sweep(world.app)
    assert "补发" in (await world.until(world.dept_group.id, "一周一统计"))["plain_text"]
    await sweep(world.app)
    await world.restart()
    await sweep(world.app)

    late = [key for (key,) in rows(world, "SELECT key FROM schedule WHERE late = 1")]
    assert "digest:2026-W48:xfdd" in late
    messages = logged(caplog, "outbound.periodic", "goes out late")
    assert len(messages) == len(late)
    for key, said in keyed(messages, late).items():
        assert len(said) == 1, (key, messages)
        assert said[0].endswith("it fell due while the bot was not running (first sweep since start)")


@pytest.mark.parametrize("overrides", [{"schedule_enabled": True}])
async def test_a_scheduled_send_that_keeps_failing_is_logged_once_when_given_up(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="outbound.periodic")
    await ready(world)
    await sweep(world.app)
    world.clock.set(dt.datetime(2026, 11, 27, 9, tzinfo=SHANGHAI))  # Friday 09:00: the self-check prompt
    fault = world.api.fail_next("sendMessage", 502, "Bad Gateway", times=100,
                                when=lambda p: p.get("chat_id") == world.officer.id)
    for _ in range(12):  # every retry falls due (the backoff is at most an hour), and a few sweeps more
        await sweep(world.app)
        world.clock.advance(timedelta(hours=1))
    world.api.clear_faults()

    assert fault.hits == 8
    key = "selfcheck_prompt:2026-W48:e01"
    assert rows(world, "SELECT status, attempts, error FROM schedule_sends WHERE key = ?", (key,)) == [
        ("failed", 8, "Bad Gateway")]
    assert logged(caplog, "outbound.periodic", "giving up") == [
        f"giving up scheduled {key} (text) to {world.officer.id} after 8 attempts: Bad Gateway"]
    told = [m for m in world.api.sent(world.admin.id) if "定期消息发送失败" in m["plain_text"]]
    assert [m["plain_text"] for m in told] == [
        "定期消息发送失败，已停止重试：每周自查提醒，2026年第48周（11月23日至11月29日）；"
        f"接收方 张 安全（示范化工有限公司，{world.officer.id}）。原因：连续 8 次发送失败（最后一次：Bad Gateway）。"
        "请检查机器人是否仍在该群或该用户是否停用了机器人。"]
