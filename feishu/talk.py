"""A Feishu event as the person's side of a dialogue (usecases.talk.Talk): replies in the chat it came from (in a
group, in the thread of the message), answers in place of the pressed card, refusals as a message (the press itself
was answered at once with a toast, within Feishu's 3 seconds)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from messenger.feishu import FeishuMessenger
from messenger.port import Captioned, MessengerError, NotEditable, Place
from texts import Html, t
from views.keyboards import Keyboard

log = logging.getLogger(__name__)


@dataclass
class Background:
    """Work started after an answer (a delivery, a sweep), kept until done so that stopping can wait for it."""

    tasks: set[asyncio.Task[object]] = field(default_factory=set)

    def start(self, work: Coroutine[Any, Any, object], name: str) -> None:
        task: asyncio.Task[object] = asyncio.get_running_loop().create_task(work, name=name)
        self.tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[object]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("%s failed", task.get_name(), exc_info=task.exception())

    async def wait(self) -> None:
        while self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)


@dataclass
class FeishuTalk:
    """Talk in one chat: `chat` as the ledger keeps it (a person's private chat is their user id), `thread` the
    message whose thread a group reply goes to, `pressed` the card whose button was pressed."""

    messenger: FeishuMessenger
    chat: int
    background: Background
    thread: int | None = None
    pressed: int | None = None

    @property
    def chat_id(self) -> int | None:
        return self.chat

    @property
    def thread_id(self) -> int | None:
        return self.thread

    async def say(self, text: Html, keyboard: Keyboard | None = None) -> int | None:
        return await self.messenger.send_text(Place(self.chat, thread_id=self.thread), text, keyboard)

    async def alert(self, key: str, **values: object) -> None:
        await self.say(t(key, **values))

    async def album(self, images: Sequence[Captioned]) -> None:
        await self.messenger.send_album(Place(self.chat, thread_id=self.thread), images)

    async def edit(self, message_id: int, text: Html) -> None:
        try:
            await self.messenger.edit_card(self.chat, message_id, text, None)
        except MessengerError as exc:  # a progress line that could not be edited: what follows still comes
            log.info("message %s in %s not edited: %s", message_id, self.chat, exc)

    async def send_file(self, path: Path, filename: str, caption: Html | None = None) -> None:
        await self.messenger.send_file(Place(self.chat, thread_id=self.thread), path, filename, caption)

    @property
    def file_limit(self) -> int:
        return self.messenger.file_limit

    async def unbutton(self, message_id: int) -> None:
        try:
            await self.messenger.set_buttons(self.chat, message_id, None)
        except MessengerError as exc:
            log.info("buttons of question %s in %s left on: %s", message_id, self.chat, exc)

    async def in_place(self, text: Html, keyboard: Keyboard | None = None) -> None:
        if self.pressed is not None:
            try:
                await self.messenger.edit_card(self.chat, self.pressed, text, keyboard)
                return
            except NotEditable:
                pass
            except MessengerError as exc:
                log.info("card %s not edited: %s", self.pressed, exc)
        await self.say(text, keyboard)

    async def refuse(self, key: str = "button.stale") -> None:
        await self.say(t(key))

    async def acknowledge(self) -> None:
        """Answered already: the press got its toast when it arrived."""

    def soon(self, work: Coroutine[Any, Any, object], name: str) -> None:
        self.background.start(work, name)
