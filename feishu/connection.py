"""The long connection (长连接): Feishu's events and card callbacks, received through the SDK's WebSocket client, so
that a county's server needs no public address.

The SDK's `lark.ws.Client` (1.7) drives itself with a loop of its own — a module-level loop bound at import, and
blocking `requests` calls to fetch the connection URL (larksuite/oapi-sdk-python#119, #133) — so it runs here in a
thread with a new loop, and hands every event to the bot's loop. A card callback must be answered within 3 seconds:
the answer is given at once in the SDK's thread (a toast), and the work is done afterwards on the bot's loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from typing import Any

import lark_oapi as lark
import lark_oapi.ws.client as ws_client
from lark_oapi.api.im.v1 import P2ImChatMemberBotAddedV1, P2ImMessageReceiveV1
from lark_oapi.event.callback.model.p2_card_action_trigger import P2CardActionTrigger, P2CardActionTriggerResponse

log = logging.getLogger(__name__)

OnMessage = Callable[[P2ImMessageReceiveV1], Awaitable[None]]
OnPress = Callable[[P2CardActionTrigger], Awaitable[None]]
OnAdded = Callable[[P2ImChatMemberBotAddedV1], Awaitable[None]]


class LongConnection:
    """Feishu's events for the bot's loop: `on_message` for each message, `on_press` for each button pressed (after the
    press was answered with `toast`, within Feishu's 3 seconds), `on_added` when someone adds the bot to a group."""

    def __init__(self, app_id: str, app_secret: str, domain: str, on_message: OnMessage, on_press: OnPress,
                 toast: Callable[[P2CardActionTrigger], str], on_added: OnAdded | None = None) -> None:  # fmt: skip
        self.app_id, self.app_secret, self.domain = app_id, app_secret, domain
        self.on_message, self.on_press, self.toast, self.on_added = on_message, on_press, toast, on_added
        self._loop: asyncio.AbstractEventLoop | None = None
        self._sdk_loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._client: lark.ws.Client | None = None
        self._pinging: asyncio.Task[None] | None = None
        self._work: set[Future[None]] = set()
        self.connected = threading.Event()

    def start(self) -> None:
        """Connect in a thread of its own; events reach the running loop of the caller."""
        self._loop = asyncio.get_running_loop()
        self._thread = threading.Thread(target=self._run, name="feishu-long-connection", daemon=True)
        self._thread.start()

    async def stop(self) -> None:
        """Stop receiving (the SDK told first not to reconnect); work already handed to the bot's loop finishes."""
        sdk_loop, client = self._sdk_loop, self._client
        if sdk_loop is not None and client is not None and sdk_loop.is_running():
            # not awaited: _shut() stops the loop it runs on, so its own result is never delivered; the thread ends
            asyncio.run_coroutine_threadsafe(_shut(client), sdk_loop)
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, 10)
        pending = [asyncio.wrap_future(f) for f in self._work]
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        ws_client.loop = loop  # the SDK schedules its tasks on this module-level loop (see the module's note)
        handler = lark.EventDispatcherHandler.builder("", "") \
            .register_p2_im_message_receive_v1(self._message) \
            .register_p2_im_chat_member_bot_added_v1(self._added) \
            .register_p2_card_action_trigger(self._press).build()  # fmt: skip
        client = lark.ws.Client(self.app_id, self.app_secret, event_handler=handler, domain=self.domain,
                                log_level=lark.LogLevel.WARNING)  # fmt: skip
        client.on_reconnected = self.connected.set
        self._client = client
        self._sdk_loop = loop
        try:
            loop.run_until_complete(client._connect())  # start() would block on an endless select of its own
            self.connected.set()
            self._pinging = loop.create_task(client._ping_loop())  # ended by _shut() with the SDK's other tasks
            loop.run_forever()  # until _shut() stops it
        except Exception:
            log.exception("the Feishu long connection stopped")
        finally:
            self.connected.clear()
            loop.close()

    def _hand_over(self, work: Awaitable[None]) -> None:
        assert self._loop is not None
        future: Future[None] = asyncio.run_coroutine_threadsafe(_logged(work), self._loop)
        self._work.add(future)
        future.add_done_callback(self._work.discard)

    def _message(self, event: P2ImMessageReceiveV1) -> None:
        self._hand_over(self.on_message(event))

    def _added(self, event: P2ImChatMemberBotAddedV1) -> None:
        if self.on_added is not None:
            self._hand_over(self.on_added(event))

    def _press(self, event: P2CardActionTrigger) -> P2CardActionTriggerResponse:
        self._hand_over(self.on_press(event))
        return P2CardActionTriggerResponse({"toast": {"type": "info", "content": self.toast(event)}})


async def _shut(client: lark.ws.Client) -> None:
    """In the SDK's loop: no reconnecting, the connection closed, every task of the SDK's ended, the loop stopped."""
    client._auto_reconnect = False
    with contextlib.suppress(Exception):
        await client._disconnect()
    tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    asyncio.get_running_loop().stop()


async def _logged(work: Awaitable[Any]) -> None:
    try:
        await work
    except Exception:
        log.exception("a Feishu event failed")

