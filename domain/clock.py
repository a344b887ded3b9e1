"""The injected clock: everything that needs `now` asks one of these, never the system directly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current instant as an aware UTC datetime."""

    def now(self) -> datetime:
        """The current instant, aware, in UTC."""
        ...


class SystemClock:
    """The real clock, optionally shifted (the sandbox moves time forward with `advance`)."""

    def __init__(self) -> None:
        self.offset = timedelta()
        # (from, to) of each jump: what fell due inside one was not missed by a stopped bot, time just moved on
        self.jumps: list[tuple[datetime, datetime]] = []

    def now(self) -> datetime:
        """The system time plus the offset."""
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        """Shift the clock (a start-up offset: tests/process, the sandbox's first day); not a jump."""
        self.offset += delta

    def jump(self, delta: timedelta) -> None:
        """Move time forward while the bot runs (the sandbox's +1 天): what it skips over arrives at its end."""
        before = self.now()
        self.offset += delta
        if delta > timedelta():
            self.jumps.append((before, before + delta))


def arrival(clock: Clock, instant: datetime) -> datetime:
    """When `instant` really came on this clock: the end of the jump that skipped over it (the sandbox's time
    travel), else the instant itself. Lateness counts from here, so only a stopped or stalled bot sends 补发."""
    for start, end in reversed(getattr(clock, "jumps", ())):
        if start < instant <= end:
            return end
        if end < instant:
            break  # jumps are in time order: none later covers it
    return instant


class FakeClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        """The instant the test set."""
        return self._now

    def advance(self, delta: timedelta) -> None:
        """Move time forward."""
        self._now += delta

    def set(self, instant: datetime) -> None:
        """Jump to an instant."""
        self._now = instant.astimezone(UTC)
