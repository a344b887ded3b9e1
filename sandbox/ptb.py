"""Running a python-telegram-bot Application against the double, the way tests need it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram.ext import Application, ApplicationBuilder
from telegram.request import HTTPXRequest

from sandbox.double import BotApiDouble


def loopback_request(*, get_updates: bool = False) -> HTTPXRequest:
    """An HTTPXRequest for plain HTTP on 127.0.0.1, sized as ApplicationBuilder sizes its own.

    The double never speaks TLS, so loading the CA bundle (about 30 ms per client, two clients
    per Application) buys nothing; tests build many Applications.
    """
    return HTTPXRequest(connection_pool_size=1 if get_updates else 256, httpx_kwargs={"verify": False})


def builder_for(api: BotApiDouble) -> ApplicationBuilder:
    """An ApplicationBuilder pointed at the double: token, both base URLs, loopback requests."""
    return (
        ApplicationBuilder()
        .token(api.token)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
        .request(loopback_request())
        .get_updates_request(loopback_request(get_updates=True))
    )


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
