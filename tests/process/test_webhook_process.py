"""`python -m bot` in webhook mode: registers the webhook with its secret, answers a posted update, stops on SIGTERM."""

from __future__ import annotations

import socket
from pathlib import Path

import aiohttp

from sandbox.double import BotApiDouble
from tests.process.botproc import TOKEN, BotProcess, bot_environment
from tests.process.people import Reader

SECRET = "process-webhook-secret-0123"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_the_bot_runs_on_a_webhook_and_stops_cleanly(tmp_path: Path) -> None:
    async with BotApiDouble(token=TOKEN, bot_username="hazard_bot") as api:
        stranger = api.add_user("路人")
        port = _free_port()
        env = bot_environment(api, tmp_path / "data", webhook_url="https://bot.example.invalid/telegram",
                              webhook_secret=SECRET, webhook_port=port)
        bot = BotProcess(api, env, tmp_path / "bot.log", tmp_path)
        await bot.start("webhook")
        try:
            await api.wait_for(lambda: bool(api.calls("setWebhook")), 60, "the webhook registered")
            assert api.calls("setWebhook")[-1]["secret_token"] == SECRET
            update = {"update_id": 1, "message": {
                "message_id": 1, "date": 1_795_000_000, "text": "/help",
                "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
                "chat": {"id": stranger.id, "type": "private", "first_name": "路人"},
                "from": {"id": stranger.id, "is_bot": False, "first_name": "路人"}}}  # fmt: skip
            chat = Reader(api, stranger.id)
            async with aiohttp.ClientSession() as http:
                url = f"http://127.0.0.1:{port}/telegram"
                async with http.post(url, json=update) as refused:
                    assert refused.status == 403
                async with http.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as ok:
                    assert ok.status == 200
            assert await chat.next("邀请链接") is not None
        finally:
            code, _ = await bot.terminate()
        assert code == 0, bot.tail()
        assert not api.calls("getUpdates")  # never polled
