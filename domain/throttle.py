"""At most so many of something per key in a sliding window, in memory: the inbound throttle of expensive commands.

Kept in memory on purpose: a restart forgets it, which costs a flooder nothing he did not have, and nothing has to
be written for a request that is refused.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta

# a key whose last event is older than its window is forgotten when the table grows past this
PRUNE_AT = 10_000


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether the event may happen now; if not, how long until it may, and whether to say so (once per wait)."""

    allowed: bool
    wait: timedelta = timedelta(0)
    tell: bool = False

    @property
    def seconds(self) -> int:
        """The wait in whole seconds, at least 1 (for the user)."""
        return max(1, math.ceil(self.wait.total_seconds()))


class Throttle:
    """At most `limit` events per `window` for each key (a sliding window)."""

    def __init__(self, limit: int, window: timedelta) -> None:
        if limit < 1 or window <= timedelta(0):
            raise ValueError("a throttle needs a positive limit and window")
        self.limit, self.window = limit, window
        self._events: dict[Hashable, deque[datetime]] = {}
        self._told: set[Hashable] = set()

    def check(self, key: Hashable, now: datetime) -> Verdict:
        """Count an event for `key` at `now` if it is allowed; a refused one is not counted."""
        events = self._events.get(key)
        if events is None:
            if len(self._events) >= PRUNE_AT:
                self._prune(now)
            events = self._events[key] = deque()
        while events and now - events[0] >= self.window:
            events.popleft()
        if len(events) < self.limit:
            events.append(now)
            self._told.discard(key)
            return Verdict(True)
        tell = key not in self._told
        self._told.add(key)
        return Verdict(False, events[0] + self.window - now, tell)

    def release(self, key: Hashable) -> None:
        """Forget the latest event of `key` (it did not happen after all, e.g. refused for another reason)."""
        events = self._events.get(key)
        if events:
            events.pop()

    def _prune(self, now: datetime) -> None:
        for key in [k for k, events in self._events.items() if not events or now - events[-1] >= self.window]:
            del self._events[key]
            self._told.discard(key)

    def __len__(self) -> int:
        return len(self._events)
