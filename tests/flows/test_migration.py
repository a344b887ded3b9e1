"""Issue 13 §2 follow-up: a unit's group upgraded to a supergroup (topics turned on) keeps the bot and its binding,
whoever upgraded it and in whichever order Telegram sends the join event and the migration message."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from telegram.error import ChatMigrated

from tests.flows.conftest import World
from tests.flows.steps import finish, report_until_photos, submit

WAIT = 0.5  # HAZARD_MIGRATION_WAIT_SECONDS in these tests


@pytest.fixture
def overrides() -> dict[str, Any]:
    """A short wait for the migration message, so a leave is seen quickly."""
    return {"migration_wait_seconds": WAIT}


async def township_group(world: World) -> tuple[Any, Any]:
    """城关镇's basic group (no topics yet), created by its lead, bound by the admin; the lead and officer joined."""
    lead = world.api.add_user(first_name="李", last_name="镇长")
    group = world.api.add_group(title="城关镇工作群", chat_type="group", members=[world.admin, world.officer],
                                owner=lead)
    await world.bind(world.dept_group, "xfdd")
    await world.bind(group, "cgz")
    await world.join(lead, "cgz", "负责人")
    await world.join(world.officer, "e01", "安全员")
    return lead, group


@pytest.mark.parametrize("join_first", [False, True], ids=["migration-message-first", "join-event-first"])
async def test_the_units_lead_turns_on_topics_and_the_bot_stays_with_the_binding(
    world: World, caplog: pytest.LogCaptureFixture, join_first: bool
) -> None:
    lead, group = await township_group(world)
    with caplog.at_level(logging.INFO, logger="handlers.guard"):
        supergroup = world.api.upgrade_to_supergroup(group, by=lead, join_first=join_first, is_forum=True)
        await world.eventually("SELECT chat_id FROM group_bindings WHERE unit_id = 'cgz'", [(supergroup.id,)])
        await asyncio.sleep(WAIT * 3)  # well past the wait for the migration message
    assert not world.api.calls("leaveChat")
    assert world.api.chat(supergroup).member(world.api.bot.id).status == "administrator"
    logged = [r.getMessage() for r in caplog.records]
    assert any(f"group {group.id} was upgraded to supergroup {supergroup.id}" in m and "cgz" in m for m in logged)
    assert any(f"stays in supergroup {supergroup.id}" in m and str(lead.id) in m for m in logged)
    assert not any("leaving group" in m for m in logged)
    # the next hazard goes to the supergroup, in a topic of its own
    await submit(world, await finish(world, await report_until_photos(world)))
    card = await world.until(supergroup.id, "YH-2026-000001")
    assert card["message_thread_id"] is not None
    assert not [m for m in world.api.sent(group.id) if "YH-" in (m["plain_text"] or "")]
    # the lead, in the supergroup now, is answered there as before
    assert "/" in (await world.command(lead, "/help", chat=supergroup))["plain_text"]


async def test_a_send_to_the_old_id_is_refused_with_the_new_one(world: World) -> None:
    """The double answers a call naming an upgraded group as Telegram does (ChatMigrated in the bot)."""
    lead = world.api.add_user(first_name="李")
    group = world.api.add_group(title="某群", chat_type="group", owner=lead)
    supergroup = world.api.upgrade_to_supergroup(group, by=lead)
    with pytest.raises(ChatMigrated) as raised:
        await world.app.bot.send_message(group.id, "测试")
    assert raised.value.new_chat_id == supergroup.id


async def test_the_bot_leaves_a_basic_group_a_stranger_added_it_to_at_once(world: World) -> None:
    group = world.api.add_group(title="路人的小群", chat_type="group", members=[world.stranger], bot_is_admin=False)
    world.api.remove_bot(group, kicked=False)
    world.api.add_bot(group, by=world.stranger)
    await world.api.wait_for(lambda: world.api.chat(group).member(world.api.bot.id).status == "left",
                             timeout=WAIT, what="the bot leaving at once: a basic group is no upgrade")


async def test_a_stranger_adding_the_bot_to_his_supergroup_is_left_after_the_wait(world: World) -> None:
    """A stranger's supergroup that is not the upgrade of a group the bot was in is left after the wait."""
    group = world.api.add_group(title="路人的群", members=[world.stranger], bot_is_admin=False)
    world.api.remove_bot(group, kicked=False)
    world.api.add_bot(group, by=world.stranger)
    await asyncio.sleep(WAIT / 5)
    assert world.api.chat(group).member(world.api.bot.id).status == "member"  # still waiting for a migration message
    await world.api.wait_for(lambda: world.api.chat(group).member(world.api.bot.id).status == "left",
                             what="the bot leaving the stranger's supergroup")


async def test_after_a_restart_a_join_event_for_the_upgraded_bound_group_keeps_the_bot(world: World) -> None:
    """What the bot learned from the migration message is kept: the binding moved in the database, so a join event
    for the supergroup that comes after a restart (the in-memory list of migrations gone) does not make it leave."""
    lead, group = await township_group(world)
    supergroup = world.api.upgrade_to_supergroup(group, by=lead, is_forum=True)
    await world.eventually("SELECT chat_id FROM group_bindings WHERE unit_id = 'cgz'", [(supergroup.id,)])
    await world.restart()
    world.api.remove_bot(supergroup, kicked=False)  # a join event from the lead again, now to a fresh process
    world.api.add_bot(supergroup, by=lead, is_admin=True)
    await asyncio.sleep(WAIT * 3)
    assert not world.api.calls("leaveChat")
    await submit(world, await finish(world, await report_until_photos(world)))
    assert (await world.until(supergroup.id, "YH-2026-000001"))["message_thread_id"] is not None
