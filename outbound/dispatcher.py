"""The outbound pipeline of one running bot, behind the kernel's dispatcher port: what handlers ask to happen now."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kernel.services import Services
from messenger.port import Messenger
from outbound import failures
from outbound.delivery import deliver_pending
from outbound.sweep import SweepReport, never, sweep
from texts import Html


@dataclass
class Outbound:
    """The sweep, delivery and admin notices over one messenger; `running` is False once the bot is told to stop."""

    services: Services
    messenger: Messenger
    running: Callable[[], bool] = lambda: True

    def stopping(self) -> Callable[[], bool]:
        """For work starting now: whether the bot has been told to stop. Work started while the bot runs stops when
        it is told to; work started otherwise (a test's, a tool's) runs to its end."""
        if not self.running():
            return never
        return lambda: not self.running()

    async def sweep(self) -> SweepReport:
        """Send everything due now."""
        return await sweep(self.messenger, self.services, self.stopping())

    async def deliver(self, unit_id: str | None = None) -> None:
        """Deliver at once what a submit, transfer or bind made deliverable, and send the reporters' notices it queued
        (a failure is the sweep's to retry, as every send's; a unit without a group is told to the admins once)."""
        stopping = self.stopping()  # one for both: the sweep after a delivery cut short by a stop stops too
        if await deliver_pending(self.messenger, self.services, unit_id, stopping=stopping):
            await sweep(self.messenger, self.services, stopping)

    async def tell_admins(self, text: Html) -> None:
        """A notice to every admin (outbound.failures.tell_admins)."""
        await failures.tell_admins(self.messenger, self.services, text)
