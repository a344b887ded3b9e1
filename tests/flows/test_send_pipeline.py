"""One send pipeline: hazards' notices, scheduled items, thread delivery and card edits follow the same policy
through the same code — a 429 waits its retry_after and is no failed attempt; a refusal is given up at once and
told to the admins once, naming the unit and the reason; anything else backs off until it is given up and told
the same way."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from typing import Any

import pytest

from bot.jobs import sweep
from outbound.retry import MAX_ATTEMPTS
from tests.flows.conftest import World
from tests.flows.steps import (
    accept_in_topic,
    accepted,
    card,
    file_hazard,
    filed,
    finish,
    people,
    press_as,
    ready,
    report_until_photos,
    rows,
    shown,
    submit,
)

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
FRIDAY_NUDGE = timedelta(days=3, hours=23)  # from _accepted (Monday 10:00) to Friday 09:00: the first overdue nudge
DIGEST_DUE = dt.datetime(2026, 11, 30, 9, 1, tzinfo=SHANGHAI)  # Monday 09:01: last week's digest
SCHEDULE_ON = pytest.mark.parametrize("overrides", [{"schedule_enabled": True}])


def told(world: World, words: str) -> list[str]:
    """What the admin was told that contains `words`."""
    return [m["plain_text"] for m in world.api.sent(world.admin.id) if words in m["plain_text"]]


async def sweeps(world: World, hours: int) -> None:
    """A sweep an hour for `hours` hours, then a restart and one more: a give-up must stay told once."""
    for _ in range(hours):
        world.clock.advance(timedelta(hours=1))
        await sweep(world.app)
    await world.restart()
    await sweep(world.app)


# ——— hazards' notices ———

async def test_a_notice_told_to_wait_waits_its_retry_after_and_is_not_a_failed_attempt(world: World) -> None:
    await accepted(world)
    world.clock.advance(FRIDAY_NUDGE)
    fault = world.api.fail_next("sendMessage", 429, retry_after=120, times=1,
                                when=lambda p: p.get("chat_id") == world.officer.id)  # fmt: skip
    await sweep(world.app)
    assert fault.hits == 1
    assert rows(world, "SELECT attempts, error FROM outbox_sends WHERE status = 'pending'") == [
        (0, "429 retry after 120s")]
    assert "重试中的发送：1 个" in (await world.command(world.admin, "/status"))["plain_text"]  # waiting: retrying
    world.clock.advance(timedelta(seconds=60))
    await sweep(world.app)  # not before Telegram said
    assert not [m for m in world.api.sent(world.officer.id) if "已超过整改期限" in m["plain_text"]]
    world.clock.advance(timedelta(seconds=61))
    await sweep(world.app)
    assert "已超过整改期限" in (await world.until(world.officer.id, "已超过整改期限"))["plain_text"]
    assert rows(world, "SELECT COUNT(*) FROM outbox_sends WHERE status != 'sent'") == [(0,)]
    assert not told(world, "发送失败")


async def test_429s_do_not_use_up_a_notices_attempts(world: World) -> None:
    """MAX_ATTEMPTS 429s, then a 502: the 429s only waited, so the 502 is a first failure that backs off, and the
    notice goes out; nobody is alarmed."""
    await accepted(world)
    world.clock.advance(FRIDAY_NUDGE)
    def to_officer(params: dict[str, Any]) -> bool:
        return params.get("chat_id") == world.officer.id

    flood = world.api.fail_next("sendMessage", 429, retry_after=60, times=MAX_ATTEMPTS, when=to_officer)
    bad_gateway = world.api.fail_next("sendMessage", 502, "Bad Gateway", when=to_officer)
    for _ in range(MAX_ATTEMPTS + 1):
        await sweep(world.app)
        world.clock.advance(timedelta(seconds=61))
    assert (flood.hits, bad_gateway.hits) == (MAX_ATTEMPTS, 1)
    assert rows(world, "SELECT status, attempts, error FROM outbox_sends WHERE chat_id = ? AND status != 'sent'",
                (world.officer.id,)) == [("pending", 1, "Bad Gateway")]  # fmt: skip
    await sweep(world.app)  # its backoff (30 s) has passed
    assert "已超过整改期限" in (await world.until(world.officer.id, "已超过整改期限"))["plain_text"]
    assert not told(world, "发送失败")


async def test_a_notice_refused_by_a_units_group_is_given_up_at_once_and_told_once_with_the_unit(
        world: World) -> None:
    await accepted(world)
    world.api.remove_bot(world.dept_group)
    world.clock.advance(FRIDAY_NUDGE)
    await sweep(world.app)
    [notice] = told(world, "发送失败")
    assert "YH-2026-000001" in notice and "“县消防救援大队”的工作群" in notice
    assert "机器人已被移出该群" in notice and "Forbidden" in notice
    assert rows(world, "SELECT attempts FROM outbox_sends WHERE status = 'failed'") == [(1,)]
    await sweeps(world, 3)
    assert len(told(world, "发送失败")) == 1


async def test_a_notice_failing_every_time_is_given_up_after_its_attempts_and_told_once(world: World) -> None:
    await accepted(world)
    world.clock.advance(FRIDAY_NUDGE)
    fault = world.api.fail_next("sendMessage", 502, "Bad Gateway", times=1000,
                                when=lambda p: p.get("chat_id") == world.officer.id)  # fmt: skip
    await sweep(world.app)
    await sweeps(world, 12)
    assert fault.hits == MAX_ATTEMPTS
    [notice] = told(world, "发送失败")
    assert "YH-2026-000001" in notice and f"张 安全（示范化工有限公司，{world.officer.id}）" in notice
    assert f"连续 {MAX_ATTEMPTS} 次发送失败" in notice and "Bad Gateway" in notice
    assert rows(world, "SELECT attempts FROM outbox_sends WHERE status = 'failed'") == [(MAX_ATTEMPTS,)]


# ——— scheduled items (the digest here; rankings and self-checks go through the same function) ———

async def _digest_due(world: World) -> None:
    await accepted(world)  # a hazard in the week: the digest has a chart, sent as a second part
    await sweep(world.app)  # plans from now
    world.clock.set(DIGEST_DUE)


@SCHEDULE_ON
async def test_a_digest_told_to_wait_waits_its_retry_after_and_is_not_a_failed_attempt(world: World) -> None:
    await _digest_due(world)
    dept = world.dept_group.id
    fault = world.api.fail_next("sendMessage", 429, retry_after=120,
                                when=lambda p: p.get("chat_id") == dept and "一周一统计" in str(p.get("text")))
    await sweep(world.app)
    assert fault.hits == 1
    assert rows(world, "SELECT attempts, error FROM schedule_sends WHERE chat_id = ? AND status = 'pending'"
                       " AND part = 'text'", (dept,)) == [(0, "429 retry after 120s")]  # fmt: skip
    world.clock.advance(timedelta(seconds=60))
    await sweep(world.app)
    assert not [m for m in world.api.sent(dept) if "一周一统计" in (m["plain_text"] or "")]
    world.clock.advance(timedelta(seconds=61))
    await sweep(world.app)
    assert "2026年第48周" in (await world.until(dept, "一周一统计"))["plain_text"]
    assert rows(world, "SELECT COUNT(*) FROM schedule_sends WHERE status != 'sent'") == [(0,)]
    assert not told(world, "发送失败")


@SCHEDULE_ON
async def test_a_digest_refused_by_a_units_group_is_given_up_at_once_and_told_once_with_the_unit(
        world: World) -> None:
    await _digest_due(world)
    world.api.remove_bot(world.dept_group)
    await sweep(world.app)
    [notice] = told(world, "定期消息发送失败")  # once for the item in that group, not once per part (text, chart)
    assert "一周一统计" in notice and "“县消防救援大队”的工作群" in notice and "机器人已被移出该群" in notice
    assert rows(world, "SELECT part, status FROM schedule_sends WHERE chat_id = ? ORDER BY part",
                (world.dept_group.id,)) == [("chart", "failed"), ("text", "failed")]  # fmt: skip
    await sweeps(world, 3)
    assert len(told(world, "定期消息发送失败")) == 1


# ——— thread delivery (its 429 and its give-up after MAX_ATTEMPTS: tests/flows/test_delivery.py) ———

async def test_a_delivery_refused_is_given_up_at_once_and_told_once_with_the_unit(world: World) -> None:
    await ready(world)
    town = world.town_group.id
    fault = world.api.fail_next("sendMessage", 400, "Bad Request: not enough rights to send text messages",
                                times=1000, when=lambda p: p.get("chat_id") == town)  # fmt: skip
    await submit(world, await finish(world, await report_until_photos(world)))
    notice = await world.until(world.admin.id, "分送")
    assert "YH-2026-000001" in notice["plain_text"] and "“城关镇”的工作群失败" in notice["plain_text"]
    assert "Telegram 拒绝了这条消息" in notice["plain_text"] and "Not enough rights" in notice["plain_text"]
    await sweeps(world, 3)
    assert fault.hits == 1
    assert len(told(world, "分送")) == 1
    assert rows(world, "SELECT attempts, failed_at IS NOT NULL FROM hazard_threads WHERE unit_id = 'cgz'") == [(1, 1)]



# ——— a unit without a group: the admins hear once per hazard, not again at every filing ———

async def test_a_unit_without_a_group_is_told_to_the_admins_once_per_hazard(world: World) -> None:
    await ready(world, bind_township=False)
    for number in (1, 2, 3):
        await submit(world, await finish(world, await report_until_photos(world)))
        await world.until(world.officer.id, "尚未送达：城关镇")
        notice = (await world.until(world.admin.id, "尚未绑定工作群"))["plain_text"]
        assert f"YH-2026-00000{number}" in notice and "“城关镇”" in notice and "/bind cgz" in notice
        await world.api.expect_nothing(world.admin.id, within=0.3)  # the hazards filed before are not told again
    await sweep(world.app)
    world.clock.advance(timedelta(hours=1))
    await sweep(world.app)
    await world.restart()
    await sweep(world.app)
    await world.api.expect_nothing(world.admin.id, within=0.3)
    assert len(told(world, "尚未绑定工作群")) == 3

    await world.bind(world.town_group, "cgz")  # all three reach the township at once, with nothing more to the admins
    for number in (1, 2, 3):
        await world.until(world.town_group.id, f"YH-2026-00000{number}")
    await world.api.expect_nothing(world.admin.id, within=0.3)


async def test_a_hazard_moved_to_a_department_without_a_group_is_told_to_the_admins_once(world: World) -> None:
    """A 移送 to a department that has no group yet: the admins hear it once (the version before told them only
    at a filing, and then again at every filing)."""
    await ready(world)
    member, _, _ = await people(world)
    card, _ = await file_hazard(world)
    await press_as(world, member, card, "移送")
    await press_as(world, member, await world.until(world.dept_group.id, "移送的单位"), "县应急管理局")
    await world.until(world.dept_group.id, "理由")
    await world.api.send_text(member, "属危化品储存", chat=world.dept_group,
                              thread_id=world.api.sent(world.dept_group)[-1]["message_thread_id"])
    await world.until(world.dept_group.id, "已完成：移送")
    notice = (await world.until(world.admin.id, "尚未绑定工作群"))["plain_text"]
    assert "YH-2026-000001" in notice and "“县应急管理局”" in notice and "/bind yjj" in notice
    await world.until(world.officer.id, "尚未送达：县应急管理局")  # the reporter hears where it waits
    await sweep(world.app)
    await world.until(world.officer.id, "移送至县应急管理局")
    await submit(world, await finish(world, await report_until_photos(world)))  # a new filing tells nothing old
    await world.until(world.officer.id, "已送达")
    await sweep(world.app)
    await world.api.expect_nothing(world.admin.id, within=0.3)
    assert len(told(world, "尚未绑定工作群")) == 1


# ——— card edits (outbound.cards): the same policy ———

async def test_a_card_edit_told_to_wait_is_no_attempt_and_a_refused_one_is_told_once_with_the_unit(
        world: World) -> None:
    member, _ = await filed(world, [])
    dept, town = world.dept_group.id, world.town_group.id
    world.api.fail_next("editMessageText", 429, retry_after=120, when=lambda p: p.get("chat_id") == town)
    kicked = world.api.fail_next("editMessageText", 403, "Forbidden: bot was kicked from the supergroup chat",
                                 times=100, when=lambda p: p.get("chat_id") == dept)  # fmt: skip
    await accept_in_topic(world, member, card(world, world.dept_group, "xfdd"))
    await sweep(world.app)
    assert rows(world, "SELECT s.chat_id, s.status, s.attempts FROM outbox_sends s JOIN outbox o ON o.key = s.key"
                       " WHERE o.kind = 'card' ORDER BY s.chat_id") == [
        (town, "pending", 0), (dept, "failed", 1)]  # fmt: skip
    [notice] = told(world, "卡片未能更新")
    assert "YH-2026-000001" in notice and "“县消防救援大队”的工作群" in notice and "机器人已被移出该群" in notice
    world.clock.advance(timedelta(seconds=121))
    await sweep(world.app)
    assert "状态：整改中" in shown(card(world, world.town_group, "cgz"))
    await sweeps(world, 2)
    assert kicked.hits == 1 and len(told(world, "卡片未能更新")) == 1


# ——— the admins' notices themselves: kept until sent, retried by the sweep ———

async def test_a_notice_to_the_admins_that_fails_is_kept_and_sent_by_a_later_sweep_even_after_a_restart(
        world: World) -> None:
    await ready(world)
    world.api.remove_bot(world.town_group)
    admin = world.admin.id
    world.api.fail_next("sendMessage", 502, "Bad Gateway", when=lambda p: p.get("chat_id") == admin)
    await submit(world, await finish(world, await report_until_photos(world)))
    await world.eventually("SELECT status, attempts, error FROM admin_notices", [("pending", 1, "Bad Gateway")])
    assert not told(world, "无法送达")
    await world.restart()  # the notice is in the database, not in memory
    world.clock.advance(timedelta(seconds=31))
    await sweep(world.app)
    notice = (await world.until(admin, "无法送达"))["plain_text"]
    assert "YH-2026-000001" in notice and "城关镇" in notice
    await sweep(world.app)
    assert len(told(world, "无法送达")) == 1
    assert rows(world, "SELECT status FROM admin_notices") == [("sent",)]


async def test_a_notice_to_the_admins_told_to_wait_waits_its_retry_after(world: World) -> None:
    await ready(world)
    world.api.remove_bot(world.town_group)
    admin = world.admin.id
    world.api.fail_next("sendMessage", 429, retry_after=120, when=lambda p: p.get("chat_id") == admin)
    await submit(world, await finish(world, await report_until_photos(world)))
    await world.eventually("SELECT status, attempts FROM admin_notices", [("pending", 0)])
    world.clock.advance(timedelta(seconds=60))
    await sweep(world.app)
    assert not told(world, "无法送达")
    world.clock.advance(timedelta(seconds=61))
    await sweep(world.app)
    assert "城关镇" in (await world.until(admin, "无法送达"))["plain_text"]


async def test_a_due_reminder_costs_two_transactions_and_its_sends_are_recorded_with_its_close(world: World) -> None:
    """Each due row (the overdue nudge, the township lead's escalation): one transaction reads it and fixes its
    recipients, one records every confirmed send (its message, its buttons) and closes the row; nothing else writes."""
    await accepted(world)
    world.clock.advance(FRIDAY_NUDGE - timedelta(minutes=30))
    await sweep(world.app)  # what fell due before (the reminders before the deadline)
    world.clock.advance(timedelta(minutes=30))
    statements: list[str] = []
    db = world.app.bot_data.services.db
    await db.trace(statements.append)
    try:
        report = await sweep(world.app)
    finally:
        await db.trace(None)
    assert len(report.keys) == 2 and report.sent == 4  # the overdue nudge and the township lead's escalation
    assert statements.count("BEGIN IMMEDIATE") == statements.count("COMMIT") == 2 * len(report.keys)
    keys = ", ".join(f"'{key}'" for key in report.keys)
    assert rows(world, "SELECT s.status, COUNT(*), COUNT(DISTINCT s.message_id), MIN(o.status)"
                       " FROM outbox_sends s JOIN outbox o ON o.key = s.key"
                       f" WHERE o.key IN ({keys}) GROUP BY s.status") == [("sent", 4, 4, "sent")]
