"""Running a python-telegram-bot Application against the double, the way tests need it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram.ext import Application, ApplicationBuilder

from sandbox.double import BotApiDouble


def builder_for(api: BotApiDouble) -> ApplicationBuilder:
    """An ApplicationBuilder pointed at the double (token and both base URLs set)."""
    return ApplicationBuilder().token(api.token).base_url(api.base_url).base_file_url(api.base_file_url)


@asynccontextmanager
async def running(app: Application[Any, Any, Any, Any, Any, Any], *, poll_timeout: int = 1) -> AsyncIterator[None]:
    """Initialise, start and poll ``app``; on exit stop polling, stop and shut down in order.

    ``poll_timeout`` is the long-poll timeout: short, so stopping never waits on a poll.
    """
    await app.initialize()
    try:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=poll_timeout)
        try:
            yield
        finally:
            if app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
    finally:
        await app.shutdown()
