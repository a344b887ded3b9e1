"""The sandbox page's JSON API as the browser calls it, for the tests that drive it without a browser (Telegram's
sandbox and Feishu's)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

Json = dict[str, Any]


async def get(http: aiohttp.ClientSession, path: str, **query: Any) -> Json:
    async with http.get(path, params={k: "" if v is None else str(v) for k, v in query.items()}) as response:
        assert response.status == 200, await response.text()
        return dict(await response.json())


async def post(http: aiohttp.ClientSession, path: str, body: Json, status: int = 200) -> Json:
    async with http.post(path, json=body) as response:
        assert response.status == status, await response.text()
        return dict(await response.json())


async def eventually(fetch: Callable[[], Awaitable[Any]], condition: Callable[[Any], bool], timeout: float = 8) -> Any:  # noqa: ASYNC109
    """What ``fetch`` returns once ``condition`` holds for it (the bot works asynchronously)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        got = await fetch()
        if condition(got) or loop.time() > deadline:
            assert condition(got), got
            return got
        await asyncio.sleep(0.03)


async def wait_for(http: aiohttp.ClientSession, user: int, chat: int, thread: int | None,
                   condition: Callable[[list[Json]], bool]) -> list[Json]:  # fmt: skip
    """The messages of a chat or topic once ``condition`` holds for them."""
    async def fetch() -> list[Json]:
        return list((await get(http, "/api/messages", user=user, chat=chat, thread=thread))["messages"])

    return list(await eventually(fetch, condition))


def last_from_bot(messages: list[Json]) -> Json:
    return next(m for m in reversed(messages) if m["from"]["bot"])
