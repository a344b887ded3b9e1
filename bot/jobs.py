"""The running bot's outbound pipeline: the messenger over PTB's Bot, the dispatcher port wired into the services, and
the sweep on the JobQueue (APScheduler). Tests and the sandbox run `sweep(app)` after moving the fake clock."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from messenger.telegram import TelegramMessenger
from outbound.dispatcher import Outbound
from outbound.sweep import SweepReport


def wire(app: Application[Any, Any, Any, Any, Any, Any]) -> Outbound:
    """The outbound pipeline of `app`, set as its services' dispatcher; it stops sweeping once the app stops."""
    outbound = Outbound(app.bot_data.services, TelegramMessenger(app.bot), running=lambda: app.running)
    app.bot_data.services.dispatcher = outbound
    return outbound


async def sweep(app: Application[Any, Any, Any, Any, Any, Any]) -> SweepReport:
    """Send every due notification now (the JobQueue's job, a test's or the sandbox's time jump)."""
    outbound = app.bot_data.services.dispatcher
    assert isinstance(outbound, Outbound)
    return await outbound.sweep()


def schedule(app: Application[Any, Any, Any, Any, Any, Any], interval: float = 60) -> None:
    """Run the sweep every `interval` seconds, at once after start-up; late runs are not dropped."""
    assert app.job_queue is not None

    async def run(_: object) -> None:
        await sweep(app)

    app.job_queue.run_repeating(run, interval=interval, first=1, name="sweep",
                                job_kwargs={"misfire_grace_time": None, "coalesce": True})
