"""Pacing sends to Feishu's documented limits for sending and updating messages, a little under them: for the app
1,000 a minute and 50 a second, and 5 a second to one chat (a person, or a group — shared by the group's bots). A
chat that is busy waits for its own slot without holding the others; the app's budgets are token buckets. A 429 that
still comes back (another process of the same app, the group's other bots) is the outbox's to wait out (RetryLater).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

# a little under Feishu's limits: a request's way there is not always as long as the one before it
PER_MINUTE = 950.0
PER_SECOND = 47.0
CHAT_PER_SECOND = 4.5


class _Bucket:
    def __init__(self, capacity: float, per_second: float, now: float) -> None:
        self.capacity, self.rate, self.tokens, self.filled = capacity, per_second, capacity, now

    def wait_for(self, now: float) -> float:
        """Seconds until a token is there (0: take it now)."""
        self.tokens = min(self.capacity, self.tokens + (now - self.filled) * self.rate)
        self.filled = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate


class FeishuPacing:
    """Wait for a slot before each send; `now` is a monotonic clock (seconds)."""

    def __init__(self, per_minute: float = PER_MINUTE, per_second: float = PER_SECOND,
                 chat_per_second: float = CHAT_PER_SECOND,
                 now: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self.now, self.chat_gap = now, 1 / chat_per_second
        start = now()
        self._buckets = (_Bucket(per_minute, per_minute / 60, start), _Bucket(per_second, per_second, start))
        self._next_in_chat: dict[str, float] = {}

    async def wait(self, chat: str) -> None:
        """Until a message may go to `chat` (its external id)."""
        start = self.now()
        if len(self._next_in_chat) > 10_000:  # forget the chats whose slot has passed
            self._next_in_chat = {c: t for c, t in self._next_in_chat.items() if t > start}
        at = max(start, self._next_in_chat.get(chat, 0.0))
        self._next_in_chat[chat] = at + self.chat_gap
        if at > start:
            await asyncio.sleep(at - start)
        while True:  # the app's budgets: wait for a token in each (other chats may take them meanwhile)
            wait = max(bucket.wait_for(self.now()) for bucket in self._buckets)
            if wait <= 0:
                for bucket in self._buckets:
                    bucket.tokens -= 1
                return
            await asyncio.sleep(wait)
