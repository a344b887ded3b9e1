"""Faults from Telegram: a deleted topic, a migrated group, the bot removed from a group, a 502."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from datetime import timedelta
from typing import Any

import pytest

from bot.jobs import sweep
from tests.flows.conftest import World
from tests.flows.steps import accepted, finish, press_as, ready, report_until_photos, submit


def one(world: World, sql: str) -> tuple[Any, ...]:
    with sqlite3.connect(world.database()) as conn:
        row = conn.execute(sql).fetchone()
    assert row is not None
    return tuple(row)


async def _request_extension(world: World) -> None:
    notice = world.api.sent(world.officer.id)[-1]
    await press_as(world, world.officer, notice, "申请延期")
    await world.until(world.officer.id, "理由")
    await world.api.send_text(world.officer, "灭火器缺货")
    await world.until(world.officer.id, "延期至的日期")
    await world.api.send_text(world.officer, "12月5日")
    await press_as(world, world.officer, await world.until(world.officer.id, "确认吗"), "确认")
    await world.until(world.officer.id, "已完成：申请延期")


async def test_a_deleted_topic_is_opened_anew_for_the_hazard(world: World) -> None:
    await accepted(world)
    [old] = world.api.topics(world.dept_group.id)
    world.api.chat(world.dept_group).topics[old["message_thread_id"]].is_deleted = True
    await _request_extension(world)
    await sweep(world.app)
    await sweep(world.app)
    topics = world.api.topics(world.dept_group.id)
    assert len(topics) == 2
    new_topic = topics[1]["message_thread_id"]
    in_new_topic = [m["plain_text"] for m in world.api.sent(world.dept_group.id, thread_id=new_topic)]
    assert "状态：整改中" in in_new_topic[0] and any("申请延期至" in text for text in in_new_topic)
    assert one(world, "SELECT topic_id FROM hazard_threads WHERE unit_id = 'xfdd'") == (new_topic,)


async def test_the_bot_removed_from_a_group_keeps_the_report_and_tells_admins(world: World) -> None:
    await ready(world)
    world.api.remove_bot(world.town_group)
    await submit(world, await finish(world, await report_until_photos(world)))
    notice = await world.until(world.admin.id, "无法送达")
    assert "城关镇" in notice["plain_text"] and "/bind cgz" in notice["plain_text"]
    assert one(world, "SELECT COUNT(*) FROM hazards") == (1,)
    assert one(world, "SELECT delivered_at IS NULL, last_error IS NOT NULL FROM hazard_threads"
                      " WHERE unit_id = 'cgz'") == (1, 1)  # fmt: skip
    await world.api.expect(world.dept_group.id)  # the department still got it


async def test_a_group_that_became_a_supergroup_gets_its_id_updated(world: World) -> None:
    await ready(world)
    migrated = world.api.add_group(title="城关镇", is_forum=False, members=[world.admin, world.officer])
    world.api.fail_next("sendMessage", 400, "Bad Request: group chat was upgraded to a supergroup chat",
                        migrate_to_chat_id=migrated.id, when=lambda p: p.get("chat_id") == world.town_group.id)
    await submit(world, await finish(world, await report_until_photos(world)))
    card = await world.api.expect(migrated.id)
    assert "YH-2026-000001" in card["plain_text"]
    await world.eventually("SELECT chat_id FROM group_bindings WHERE unit_id = 'cgz'", [(migrated.id,)])
    await world.eventually("SELECT chat_id, anchor_message_id FROM hazard_threads WHERE unit_id = 'cgz'",
                           [(migrated.id, card["message_id"])])


async def test_a_502_is_retried_with_backoff(world: World) -> None:
    await accepted(world)
    world.clock.advance(timedelta(days=3, hours=23))  # Friday 09:00: the first overdue nudge
    fault = world.api.fail_next("sendMessage", 502, "Bad Gateway", when=lambda p: p.get("chat_id") == world.officer.id)
    await sweep(world.app)
    assert fault.hits == 1
    assert one(world, "SELECT COUNT(*) FROM outbox_sends WHERE status = 'pending' AND attempts = 1") == (1,)
    world.clock.advance(timedelta(seconds=31))
    await sweep(world.app)
    nudge = await world.until(world.officer.id, "已超过整改期限")
    assert "补发" not in nudge["plain_text"]


async def test_polling_recovers_by_itself_when_the_connection_was_refused(world: World,
                                                                        caplog: pytest.LogCaptureFixture) -> None:
    await world.join(world.officer, "e01", "安全员")
    caplog.set_level(logging.ERROR, logger="handlers.errors")
    port = world.api.port
    await world.api.stop()  # Telegram unreachable: the bot's polls are refused

    def refused_polls() -> int:
        return sum("unhandled error for update None" in r.getMessage() for r in caplog.records)

    for _ in range(400):  # waited for as it happens (the error handler's log), not for a fixed time
        if refused_polls() >= 2:
            break
        await asyncio.sleep(0.05)
    assert refused_polls() >= 2  # an outage of several refused polls
    await world.api.start(port=port)
    await world.api.send_text(world.officer, "/help")
    answer = await world.api.expect(world.officer.id, timeout=20)  # PTB's polling backs off and comes back
    assert "/report" in answer["plain_text"]


@pytest.mark.parametrize("overrides", [{"request_timeout_seconds": 0.5}])
async def test_a_send_that_timed_out_is_retried_and_never_lost(world: World) -> None:
    await accepted(world)
    world.clock.advance(timedelta(days=3, hours=23))  # Friday 09:00: the first overdue nudge
    # Telegram acts on the call but answers only after the bot has given up waiting
    fault = world.api.fail_next("sendMessage", None, delay=1.5, when=lambda p: p.get("chat_id") == world.officer.id)
    await sweep(world.app)
    assert fault.hits == 1
    assert one(world, "SELECT COUNT(*) FROM outbox_sends WHERE status = 'pending' AND attempts = 1") == (1,)
    world.clock.advance(timedelta(seconds=31))
    await sweep(world.app)
    nudges = [m for m in world.api.sent(world.officer.id) if "已超过整改期限" in m["plain_text"]]
    assert 1 <= len(nudges) <= 2  # at least once; twice when the timed-out send had gone through (documented)
    assert one(world, "SELECT COUNT(*) FROM outbox_sends WHERE status = 'pending'") == (0,)
