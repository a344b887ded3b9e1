"""A redelivered update (same update_id), a double tap and two members at once change a hazard once."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import Update

from outbound.sweep import sweep
from tests.flows.conftest import World
from tests.flows.test_lifecycle import _accepted, _submit_rectification, events, press


def _update_of(world: World, query_id: str, update_id: int) -> dict[str, Any]:
    """The update Telegram delivered for a press, as it would deliver it again."""
    query = world.api.callback_query(query_id)
    return {"update_id": update_id, "callback_query": {
        "id": query.id, "from": query.user.to_api(), "chat_instance": str(query.message.chat.id),
        "data": query.data, "message": query.message.to_api()}}  # fmt: skip


async def test_a_redelivered_press_changes_the_hazard_once(world: World) -> None:
    member, _, _, _ = await _accepted(world)
    await _submit_rectification(world)
    submitted = await world.until(world.dept_group.id, "已提交整改")
    query_id = await press(world, member, submitted, "验收通过")
    await world.until(world.dept_group.id, "已完成：验收通过")
    # Telegram delivers the same update again (e.g. the bot died before confirming it)
    again = Update.de_json(_update_of(world, query_id, 999_001), world.app.bot)
    await world.app.process_update(again)
    assert [a for a, _ in events(world)].count("verify_pass") == 1


async def test_two_members_pressing_at_the_same_moment(world: World) -> None:
    member, other, _, _ = await _accepted(world)
    await _submit_rectification(world)
    submitted = await world.until(world.dept_group.id, "已提交整改")
    first, second = await asyncio.gather(press(world, member, submitted, "验收通过"),
                                         press(world, other, submitted, "验收通过"))
    answers = [await world.api.wait_callback_answer(q) for q in (first, second)]
    await sweep(world.app)
    assert [a for a, _ in events(world)].count("verify_pass") == 1
    assert sum("已销号" in (a.get("text") or "") for a in answers) == 1
