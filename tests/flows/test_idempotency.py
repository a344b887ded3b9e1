"""A redelivered update (same update_id), a double tap and two members at once change a hazard once."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import Update

from bot.jobs import sweep
from sandbox.model import Message
from tests.flows.conftest import World
from tests.flows.steps import accepted, events, press_as, submit_rectification


def _update_of(world: World, query_id: str, update_id: int) -> dict[str, Any]:
    """The update Telegram delivered for a press, as it would deliver it again."""
    query = world.api.callback_query(query_id)
    return {"update_id": update_id, "callback_query": {
        "id": query.id, "from": query.user.to_api(), "chat_instance": str(query.message.chat.id),
        "data": query.data, "message": query.message.to_api()}}  # fmt: skip


async def _to_confirmation(world: World, member: Any, submitted: Message) -> Message:
    """验收通过 pressed and 无意见 answered in the department's topic: the confirmation waiting for 确认."""
    await press_as(world, member, submitted, "验收通过")
    asked = await world.until(world.dept_group.id, "验收意见")
    await press_as(world, member, asked, "无意见")
    return await world.until(world.dept_group.id, "请确认验收通过")


async def test_a_redelivered_press_changes_the_hazard_once(world: World) -> None:
    member, _, _, _ = await accepted(world)
    await submit_rectification(world)
    submitted = await world.until(world.dept_group.id, "已提交整改")
    query_id = await press_as(world, member, await _to_confirmation(world, member, submitted), "确认")
    await world.until(world.dept_group.id, "已完成：验收通过")
    # Telegram delivers the same update again (e.g. the bot died before confirming it)
    again = Update.de_json(_update_of(world, query_id, 999_001), world.app.bot)
    await world.app.process_update(again)
    assert [a for a, _ in events(world)].count("verify_pass") == 1


async def test_two_members_confirming_at_the_same_moment(world: World) -> None:
    member, other, _, _ = await accepted(world)
    await submit_rectification(world)
    submitted = await world.until(world.dept_group.id, "已提交整改")
    mine = await _to_confirmation(world, member, submitted)
    theirs = await _to_confirmation(world, other, submitted)
    await asyncio.gather(press_as(world, member, mine, "确认"), press_as(world, other, theirs, "确认"))
    replies = [await world.api.expect(world.dept_group.id) for _ in range(2)]
    await sweep(world.app)
    assert [a for a, _ in events(world)].count("verify_pass") == 1
    assert sorted("已完成：验收通过" in r["plain_text"] or "已销号" in r["plain_text"] for r in replies) == [True, True]
    assert sum("已完成：验收通过" in r["plain_text"] for r in replies) == 1
