"""Operations: one instance at a time (lock and Telegram's 409), flood waits that never stall other chats."""

from __future__ import annotations

import pytest

from storage.db import AlreadyRunning, Database
from tests.flows.conftest import World


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
