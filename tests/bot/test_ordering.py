"""bot/ordering.py: updates of one chat, or of one user, one after another; others at the same time."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from telegram import Chat, Message, Update, User

from bot.ordering import OrderedUpdateProcessor, keys_of


def _update(update_id: int, chat_id: int, user_id: int) -> Update:
    user = User(user_id, "u", is_bot=False)
    chat = Chat(chat_id, Chat.PRIVATE if chat_id == user_id else Chat.SUPERGROUP)
    message = Message(update_id, datetime(2026, 11, 23, tzinfo=UTC), chat, from_user=user, text="x")
    return Update(update_id, message=message)


async def _run(processor: OrderedUpdateProcessor, updates: list[Update], gates: dict[int, asyncio.Event],
               log: list[str]) -> list[asyncio.Task[None]]:
    async def work(update: Update) -> None:
        log.append(f"start {update.update_id}")
        await gates[update.update_id].wait()
        log.append(f"end {update.update_id}")

    tasks = [asyncio.create_task(processor.process_update(u, work(u))) for u in updates]
    await asyncio.sleep(0.01)
    return tasks


def test_an_update_is_keyed_by_its_chat_and_its_user() -> None:
    assert keys_of(_update(1, -100, 7)) == (("chat", -100), ("user", 7))
    assert keys_of(_update(2, 7, 7)) == (("chat", 7), ("user", 7))  # a private chat and its user stay apart
    assert keys_of(object()) == ()


async def test_other_chats_go_on_while_one_chat_waits() -> None:
    processor = OrderedUpdateProcessor(4)
    gates = {i: asyncio.Event() for i in (1, 2, 3)}
    log: list[str] = []
    # 1 and 2: the stranger's group; 3: an officer in private
    tasks = await _run(processor, [_update(1, -100, 9), _update(2, -100, 9), _update(3, 5, 5)], gates, log)
    assert log == ["start 1", "start 3"]  # 2 waits for 1 (same chat); 3 does not wait for anything
    gates[3].set()
    await asyncio.sleep(0.01)
    assert log == ["start 1", "start 3", "end 3"]
    gates[1].set()
    gates[2].set()
    await asyncio.gather(*tasks)
    assert log == ["start 1", "start 3", "end 3", "end 1", "start 2", "end 2"]
    assert processor.backlog() == 0


async def test_one_users_updates_in_two_chats_keep_their_order() -> None:
    processor = OrderedUpdateProcessor(4)
    gates = {i: asyncio.Event() for i in (1, 2, 3)}
    log: list[str] = []
    # 1: someone else in the group (holds the group); 2: user 5 in the group (waits for 1); 3: user 5 in private,
    # sent after 2, so it waits for 2 although its own chat is free
    tasks = await _run(processor, [_update(1, -100, 9), _update(2, -100, 5), _update(3, 5, 5)], gates, log)
    assert log == ["start 1"]
    gates[1].set()
    await asyncio.sleep(0.01)
    assert log == ["start 1", "end 1", "start 2"]
    gates[2].set()
    gates[3].set()
    await asyncio.gather(*tasks)
    assert log == ["start 1", "end 1", "start 2", "end 2", "start 3", "end 3"]


async def test_at_most_limit_updates_run_at_once_and_waiting_holds_no_slot() -> None:
    processor = OrderedUpdateProcessor(2)
    gates = {i: asyncio.Event() for i in range(1, 7)}
    log: list[str] = []
    # four updates of one flooding chat, then two other chats: the flood's waiting updates take no slot
    updates = [_update(i, -100, 9) for i in (1, 2, 3, 4)] + [_update(5, 5, 5), _update(6, 6, 6)]
    tasks = await _run(processor, updates, gates, log)
    assert log == ["start 1", "start 5"]  # the cap (2) is reached; 6 waits for a slot, not for the flood
    gates[5].set()
    await asyncio.sleep(0.01)
    assert log == ["start 1", "start 5", "end 5", "start 6"]
    for gate in gates.values():
        gate.set()
    await asyncio.gather(*tasks)
    assert [e for e in log if e.startswith("end") and e[-1] in "1234"] == ["end 1", "end 2", "end 3", "end 4"]


async def test_a_cancelled_waiting_update_lets_the_next_one_go() -> None:
    processor = OrderedUpdateProcessor(2)
    gates = {i: asyncio.Event() for i in (1, 2, 3)}
    log: list[str] = []
    tasks = await _run(processor, [_update(i, -100, 9) for i in (1, 2, 3)], gates, log)
    tasks[1].cancel()
    gates[1].set()
    gates[3].set()
    await asyncio.gather(tasks[0], tasks[2])
    assert log == ["start 1", "end 1", "start 3", "end 3"] and processor.backlog() == 0
