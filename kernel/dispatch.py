"""The dispatcher port: how a handler (or a use case) asks the outbound pipeline to act now rather than at its next
sweep. Implemented by outbound.dispatcher and wired at the composition root (bot/), so that nothing above the
outbound pipeline imports it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from texts import Html


class Dispatcher(Protocol):
    """Deliver, sweep and tell the admins now."""

    async def deliver(self, unit_id: str | None = None) -> None:
        """Deliver what a submit, transfer or bind made deliverable (of one unit, or all), and send what it queued."""
        ...

    async def sweep(self) -> object:
        """Send everything due now (after an action: its notices and card edits)."""
        ...

    async def tell_admins(self, text: Html) -> None:
        """A notice to every admin: kept first, sent at once, retried by the sweep."""
        ...

    def stopping(self) -> Callable[[], bool]:
        """For work starting now, a check of whether the bot has been told to stop (SIGTERM): long work ends early
        and says so (never, for work started while the bot is not running: a test's, a tool's)."""
        ...
