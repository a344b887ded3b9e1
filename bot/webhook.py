"""Webhook mode: Telegram posts updates to an aiohttp server, which checks the secret before it reads anything more.

PTB's own webhook server (tornado) reads the whole body — up to 100 MB — before it looks at the secret token, and
compares it with `!=`. Here a request without the right `X-Telegram-Bot-Api-Secret-Token` is refused (403) from its
headers alone, compared in constant time, and a body over HAZARD_WEBHOOK_MAX_BODY_BYTES is refused (413) unread
(or, sent in chunks, as soon as it grows past the limit). The application runs as run_polling/run_webhook run it:
initialize, post_init, start; on SIGINT/SIGTERM stop, post_stop, shutdown, post_shutdown.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal
from collections.abc import Sequence
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from config.settings import Settings

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
AnyApp = Application[Any, Any, Any, Any, Any, Any]


def webhook_server(app: AnyApp, secret: str, path: str, max_body_bytes: int) -> web.Application:
    """The aiohttp application that takes Telegram's posts at `/path` and queues them for `app`."""
    expected = secret.encode()

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):  # constant time: the secret is not guessed a byte at a time
            log.warning("webhook: refused a request from %s without the right secret token", request.remote)
            return web.Response(status=403)
        if request.content_length is not None and request.content_length > max_body_bytes:
            return web.Response(status=413)
        try:
            data = json.loads(await request.read())  # a chunked body past client_max_size raises 413 here
            update = Update.de_json(data, app.bot)
        except (ValueError, TypeError, KeyError, AttributeError):
            log.warning("webhook: a request with the right secret carried no update it could read")
            return web.Response(status=400)
        await app.update_queue.put(update)
        return web.Response()

    server = web.Application(client_max_size=max_body_bytes)
    server.router.add_post(f"/{path.strip('/')}", receive)
    return server


async def serve_webhook(app: AnyApp, settings: Settings, allowed_updates: Sequence[str], stop: asyncio.Event,
                        ready: asyncio.Event | None = None) -> None:
    """Run the bot on webhooks until `stop` is set (`ready` is set once it serves); the webhook is registered with
    Telegram, with its secret, once the server listens."""
    assert settings.webhook_url and settings.webhook_secret
    secret = settings.webhook_secret.get_secret_value()
    await app.initialize()
    runner: web.AppRunner | None = None
    try:
        if app.post_init is not None:
            await app.post_init(app)
        runner = web.AppRunner(webhook_server(app, secret, settings.webhook_path, settings.webhook_max_body_bytes),
                               access_log=None)
        await runner.setup()
        await web.TCPSite(runner, settings.webhook_listen, settings.webhook_port).start()
        await app.bot.set_webhook(settings.webhook_url, secret_token=secret, allowed_updates=list(allowed_updates),
                                  drop_pending_updates=False)  # fmt: skip
        await app.start()
        log.info("webhook: listening on %s:%s/%s", settings.webhook_listen, settings.webhook_port,
                 settings.webhook_path.strip("/"))
        if ready is not None:
            ready.set()
        await stop.wait()
    finally:
        if runner is not None:
            await runner.cleanup()  # no more updates come in while the application stops
        if app.running:
            await app.stop()
            if app.post_stop is not None:
                await app.post_stop(app)
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)


def run_webhook(app: AnyApp, settings: Settings, allowed_updates: Sequence[str]) -> None:
    """`serve_webhook` in a new event loop, until SIGINT or SIGTERM."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await serve_webhook(app, settings, allowed_updates, stop)

    asyncio.run(main())
