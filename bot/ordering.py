"""Updates handled concurrently across chats, in order within each chat and each user (PTB's BaseUpdateProcessor).

One update at a time let a stranger's flood in a group of his own delay every officer's reply. Here an update waits
only for the earlier updates of its own chat and of its own user: the conversations (keyed by chat and user), a
user's drafts and the presses on one message stay in the order they were sent, while other chats go on.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

Key = tuple[str, int]  # ("chat", id) or ("user", id): a private chat's id is its user's, so they are kept apart

# PTB's own semaphore is taken before do_process_update, so an update waiting there for its chat's turn would hold
# a slot: a flood of one chat's updates could fill every slot and starve the others. The updates are already tasks
# (the Application creates one per update), so that outer bound only counts them; the real cap is taken after the
# turn comes (`limit`).
OUTER_BOUND = 1_000_000


class _Turn:
    """One update's place in the queues of its keys."""

    __slots__ = ("keys", "ready")

    def __init__(self, keys: tuple[Key, ...]) -> None:
        self.keys = keys
        self.ready = asyncio.Event()


def keys_of(update: object) -> tuple[Key, ...]:
    """The chat and the user an update belongs to (none for updates of neither, which run at once)."""
    if not isinstance(update, Update):
        return ()
    keys: list[Key] = []
    if update.effective_chat is not None:
        keys.append(("chat", update.effective_chat.id))
    if update.effective_user is not None:
        keys.append(("user", update.effective_user.id))
    return tuple(keys)


class OrderedUpdateProcessor(BaseUpdateProcessor):
    """At most `limit` updates at once; each waits for the earlier ones of its chat and of its user, no others."""

    __slots__ = ("_limit", "_queues")

    def __init__(self, limit: int) -> None:
        super().__init__(OUTER_BOUND)
        self._limit = asyncio.Semaphore(limit)
        self._queues: dict[Key, deque[_Turn]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for this update's turn in its chat and its user, then for a free slot, then process it."""
        # taking a place happens before the first await, so places follow the order the updates came in
        turn = _Turn(keys_of(update))
        for key in turn.keys:
            self._queues.setdefault(key, deque()).append(turn)
        self._wake(turn)
        try:
            await turn.ready.wait()
            async with self._limit:
                await coroutine
        finally:
            if not turn.ready.is_set():  # cancelled while waiting: the coroutine never ran
                _close(coroutine)
            self._leave(turn)

    def backlog(self) -> int:
        """How many updates are waiting for, or in, their turn (for tests and the benchmark)."""
        return len({id(turn) for queue in self._queues.values() for turn in queue})

    def _wake(self, turn: _Turn) -> None:
        if all(self._queues[key][0] is turn for key in turn.keys):
            turn.ready.set()

    def _leave(self, turn: _Turn) -> None:
        for key in turn.keys:
            queue = self._queues[key]
            queue.remove(turn)
            if not queue:
                del self._queues[key]
        for key in turn.keys:  # the next update of each key may now be first in all of its queues
            queue_after = self._queues.get(key)
            if queue_after:
                self._wake(queue_after[0])

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free: the Application waits for its update tasks before shutting down."""


def _close(coroutine: Awaitable[Any]) -> None:
    close = getattr(coroutine, "close", None)
    if close is not None:
        close()
