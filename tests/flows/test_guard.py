"""Issue 13 part 2: no one outside the county can slow the bot down (order per chat and user, silence to strangers
in groups, throttling of expensive commands, exports in the background)."""

from __future__ import annotations

from tests.flows.conftest import World


async def test_a_reply_held_up_in_one_chat_does_not_hold_up_another_chat(world: World) -> None:
    # Telegram is slow to take the stranger's reply (6 s); the admin, in another chat, is answered meanwhile
    slow = world.api.fail_next("sendMessage", None, delay=6, when=lambda p: p.get("chat_id") == world.stranger.id)
    await world.api.send_text(world.stranger, "/help")
    await world.api.wait_for(lambda: slow.hits == 1, what="the stranger's reply on its way")
    answer = await world.command(world.admin, "/help")
    assert "/invite" in answer["plain_text"]
    assert not world.api.sent(world.stranger.id)  # still on its way
    assert "邀请链接" in (await world.api.expect(world.stranger.id, timeout=10))["plain_text"]


async def test_one_chats_updates_are_answered_in_the_order_they_came(world: World) -> None:
    world.api.fail_next("sendMessage", None, delay=1, when=lambda p: p.get("chat_id") == world.admin.id)
    await world.api.send_text(world.admin, "/help")
    await world.api.send_text(world.admin, "/cancel")
    first, second = await world.api.expect_many(world.admin.id, 2)
    assert "/invite" in first["plain_text"] and "没有" in second["plain_text"]
