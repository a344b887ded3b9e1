"""The bot's Bot API transport (bot/transport.py): what PTB expects of a BaseRequest, over aiohttp.

The flow tests run every call through it (faults included: 429, 502, a refused poll, a send that timed out);
these pin its own promises: errors of the right kind without the token, a bounded wait, files with their
Chinese names, and a second life after a shutdown.
"""

from __future__ import annotations

import asyncio
import os
import socket
import ssl
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import Bot, InputFile
from telegram.error import NetworkError, TimedOut

from bot.transport import AiohttpRequest, environment_proxy
from sandbox.double import BotApiDouble

TOKEN = "123456:SECRET-token"


@pytest.fixture
async def api() -> AsyncIterator[BotApiDouble]:
    async with BotApiDouble(token=TOKEN, bot_username="hazard_bot") as double:
        yield double


def _bot(base_url: str, timeout: float = 5.0) -> Bot:
    return Bot(TOKEN, base_url=base_url, request=AiohttpRequest(timeout=timeout),
               get_updates_request=AiohttpRequest(timeout=timeout, connections=1))  # fmt: skip


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_a_call_that_cannot_be_made_is_a_network_error_without_the_token() -> None:
    request = AiohttpRequest(timeout=2)
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as caught:
            await request.post(f"http://127.0.0.1:{_closed_port()}/bot{TOKEN}/sendMessage")
    finally:
        await request.shutdown()
    assert not isinstance(caught.value, TimedOut)
    assert "aiohttp.ClientConnectorError" in str(caught.value)
    assert "SECRET" not in str(caught.value) and "SECRET" not in str(caught.value.__cause__)


async def test_a_call_not_answered_in_time_is_timed_out() -> None:
    async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while await reader.read(65536):  # take the request, answer nothing, until the client gives up and closes
            pass
        writer.close()

    server = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    request = AiohttpRequest(timeout=0.3)
    await request.initialize()
    began = time.monotonic()
    try:
        with pytest.raises(TimedOut):
            await request.post(f"http://127.0.0.1:{port}/bot{TOKEN}/sendMessage")
    finally:
        await request.shutdown()
        server.close()
    assert time.monotonic() - began < 2


def test_the_token_is_masked_should_an_error_quote_the_url() -> None:
    from bot.transport import _without_token

    url = f"http://127.0.0.1:8081/bot{TOKEN}/sendMessage"
    assert _without_token(f"Invalid URL {url}", url) == "Invalid URL http://127.0.0.1:8081/bot<token>/sendMessage"
    file_url = f"http://127.0.0.1:8081/file/bot{TOKEN}/photos/1.jpg"
    assert "SECRET" not in _without_token(f"payload error on {file_url}", file_url)


async def test_calls_answers_and_files_with_chinese_names_go_through(api: BotApiDouble) -> None:
    officer = api.add_user("安全员")
    async with _bot(api.base_url) as bot:
        me = await bot.get_me()
        sent = await bot.send_message(officer.id, "<b>隐患</b> 已立案", parse_mode="HTML")
        await bot.send_document(officer.id, "台账".encode(), filename="隐患台账_全县_2026-11.xlsx")
    assert me.username == "hazard_bot" and sent.text == "隐患 已立案"
    document = api.sent(officer.id)[-1]["document_file"]
    assert document.file_name == "隐患台账_全县_2026-11.xlsx" and document.data == "台账".encode()
    api.assert_no_violations()


async def test_a_file_on_disk_is_streamed_whole_and_again_from_its_start_when_the_call_is_made_again(
        api: BotApiDouble, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An export's files go as open handles (never read whole into memory); a call made a second time with the
    same handle (a retry after 429) sends the file from its start, not the nothing left after the first."""
    officer = api.add_user("安全员")
    path = tmp_path / "台账.csv"
    content = os.urandom(3 * 2**20 + 17)
    path.write_bytes(content)
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("the file was read whole"))
    async with _bot(api.base_url) as bot:
        with path.open("rb") as handle:
            document = InputFile(handle, filename="隐患台账.csv", read_file_handle=False)
            await bot.send_document(officer.id, document)
            await bot.send_document(officer.id, document)
    sent = [m["document_file"] for m in api.sent(officer.id)]
    assert [(d.file_name, d.data) for d in sent] == [("隐患台账.csv", content)] * 2
    api.assert_no_violations()


async def test_it_works_again_after_a_shutdown(api: BotApiDouble) -> None:
    """An Application can be initialised again after a shutdown (tests and the sandbox do): so can its requests."""
    bot = _bot(api.base_url)
    for _ in range(2):
        async with bot:
            assert (await bot.get_me()).username == "hazard_bot"


def test_the_proxy_is_the_one_the_environment_names(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert environment_proxy("https://api.telegram.org") is None
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    assert environment_proxy("https://api.telegram.org") == "http://proxy.example:3128"
    assert environment_proxy("http://api.example") is None  # a plain-http server: only HTTP_PROXY applies
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    assert environment_proxy("http://api.example") == "http://proxy.example:3128"
    assert environment_proxy("http://127.0.0.1:8081") is None  # a Bot API server on this machine: never proxied
    monkeypatch.setenv("NO_PROXY", "api.telegram.org")
    assert environment_proxy("https://api.telegram.org") is None


async def test_calls_go_through_the_proxy() -> None:
    """Every call is made through the proxy given: here a stand-in that records the request line and answers."""
    lines: list[bytes] = []

    async def proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        lines.append(await reader.readline())
        await reader.readuntil(b"\r\n\r\n")
        body = b'{"ok":true,"result":{"id":1,"is_bot":true,"first_name":"hazard","username":"hazard_bot"}}'
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                     % (len(body), body))  # fmt: skip
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(proxy, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    request = AiohttpRequest(timeout=2, proxy=f"http://127.0.0.1:{port}")
    await request.initialize()
    try:
        answer = await request.post(f"http://api.telegram.example/bot{TOKEN}/getMe")
    finally:
        await request.shutdown()
        server.close()
    assert isinstance(answer, dict) and answer["username"] == "hazard_bot"
    assert lines == [f"POST http://api.telegram.example/bot{TOKEN}/getMe HTTP/1.1\r\n".encode()]


def test_tls_verifies_certificates_against_certifis_bundle() -> None:
    from bot.transport import tls_context

    context = tls_context()
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] > 50  # the bundle's CAs, whatever the system's store holds
