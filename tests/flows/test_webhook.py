"""Webhook mode (bot/webhook.py): the secret checked from the headers alone, in constant time; the body capped."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from pydantic import SecretStr

from bot.app import build_application
from bot.webhook import serve_webhook
from tests.flows.conftest import World

SECRET = "s3cret-token-0123456789"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def webhook(world: World, tmp_path: Path) -> AsyncIterator[str]:
    """A second bot, on webhooks, against the same double; yields its URL."""
    port = _free_port()
    settings = world.settings.model_copy(update={
        "database_path": tmp_path / "webhook" / "db.sqlite3", "webhook_secret": SecretStr(SECRET),
        "webhook_url": "https://bot.example.invalid/telegram", "webhook_listen": "127.0.0.1", "webhook_port": port,
        "webhook_max_body_bytes": 64 * 1024})  # fmt: skip
    assert world.app.updater is not None
    await world.app.updater.stop()  # Telegram refuses getUpdates once a webhook is set: the polling bot would stop
    app = build_application(settings, clock=world.clock, kb=world.kb)
    stop, ready = asyncio.Event(), asyncio.Event()
    serving = asyncio.create_task(serve_webhook(app, settings, ["message", "callback_query", "my_chat_member"], stop,
                                                ready))
    try:
        await asyncio.wait([serving, asyncio.create_task(ready.wait())], timeout=10,
                           return_when=asyncio.FIRST_COMPLETED)
        assert ready.is_set(), serving
        yield f"http://127.0.0.1:{port}/telegram"
    finally:
        stop.set()
        await serving


def _help_from(user: Any, update_id: int = 900001) -> dict[str, Any]:
    return {"update_id": update_id, "message": {
        "message_id": 1, "date": 1_795_000_000, "text": "/help", "entities": [
            {"type": "bot_command", "offset": 0, "length": 5}],
        "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
        "from": {"id": user.id, "is_bot": False, "first_name": user.first_name}}}  # fmt: skip


async def test_webhook_mode_registers_the_secret_and_takes_only_requests_with_it(world: World, webhook: str) -> None:
    assert world.api.calls("setWebhook")[-1]["secret_token"] == SECRET
    update = _help_from(world.stranger)
    async with aiohttp.ClientSession() as http:
        for headers in ({"X-Telegram-Bot-Api-Secret-Token": "wrong"}, {},
                        {"X-Telegram-Bot-Api-Secret-Token": SECRET[:-1]}):
            async with http.post(webhook, json=update, headers=headers) as refused:
                assert refused.status == 403
        await world.api.expect_nothing(world.stranger.id)
        async with http.post(webhook, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as accepted:
            assert accepted.status == 200
    assert "邀请链接" in (await world.api.expect(world.stranger.id))["plain_text"]


async def _raw_request(url: str, head: str) -> str:
    """Send only a request's head (no body) and read the status line the server answers with."""
    host_port = url.split("/")[2]
    host, port = host_port.split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(head.encode())
        await writer.drain()
        return (await asyncio.wait_for(reader.readline(), 5)).decode()  # a server waiting for the body times out
    finally:
        writer.close()


async def test_a_request_without_the_secret_is_refused_before_its_body_is_read(world: World, webhook: str) -> None:
    head = ("POST /telegram HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"
            "Content-Length: 50000000\r\n\r\n")  # 50 MB announced, not one byte sent
    assert " 403 " in await _raw_request(webhook, head)


async def test_a_body_over_the_limit_is_refused_unread(world: World, webhook: str) -> None:
    head = (f"POST /telegram HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"
            f"X-Telegram-Bot-Api-Secret-Token: {SECRET}\r\nContent-Length: 50000000\r\n\r\n")
    assert " 413 " in await _raw_request(webhook, head)
    # sent in chunks, it is cut off once past the limit
    big = json.dumps(_help_from(world.stranger) | {"padding": "x" * (100 * 1024)}).encode()

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 8192):
            yield big[start:start + 8192]

    async with aiohttp.ClientSession() as http, http.post(
            webhook, data=chunks(), headers={"X-Telegram-Bot-Api-Secret-Token": SECRET,
                                             "Content-Type": "application/json"}) as response:
        assert response.status == 413
    await world.api.expect_nothing(world.stranger.id)
