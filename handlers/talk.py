"""A Telegram update as the person's side of a dialogue (usecases.talk.Talk): replies in the chat (its topic), answers
in place of the pressed button's message, refusals as alerts."""

from __future__ import annotations

import logging
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any

from telegram import Message, Update

from handlers.common import refuse_button, reply, show_in_place
from handlers.context import BotContext
from messenger.port import Captioned, MessengerError, Place
from messenger.telegram import TelegramMessenger, markup
from texts import Html, plain, t
from views.keyboards import Keyboard

log = logging.getLogger(__name__)


class TelegramTalk:
    """Talk over one update."""

    def __init__(self, update: Update, context: BotContext) -> None:
        self.update, self.context = update, context

    @property
    def chat_id(self) -> int | None:
        return self.update.effective_chat.id if self.update.effective_chat else None

    @property
    def thread_id(self) -> int | None:
        """The forum topic of the message (or of the pressed button's message); None outside forum topics."""
        query = self.update.callback_query
        message = query.message if query is not None else self.update.effective_message
        return message.message_thread_id if isinstance(message, Message) and message.is_topic_message else None

    async def say(self, text: Html, keyboard: Keyboard | None = None) -> int | None:
        sent = await reply(self.update, text, markup(keyboard))
        return sent.message_id if sent is not None else None

    async def in_place(self, text: Html, keyboard: Keyboard | None = None) -> None:
        await show_in_place(self.update, text, markup(keyboard))

    async def refuse(self, key: str = "button.stale") -> None:
        await refuse_button(self.update, key)

    async def alert(self, key: str, **values: object) -> None:
        if self.update.callback_query is not None:
            await self.update.callback_query.answer(plain(key, **values), show_alert=True)
        else:
            await reply(self.update, t(key, **values))

    async def acknowledge(self) -> None:
        if self.update.callback_query is not None:
            await self.update.callback_query.answer()

    async def album(self, images: Sequence[Captioned]) -> None:
        message = self.update.effective_message
        if message is not None:
            await TelegramMessenger(self.context.bot).send_album(Place(message.chat_id, self.thread_id), images)

    async def edit(self, message_id: int, text: Html) -> None:
        if self.chat_id is None:
            return
        try:
            await TelegramMessenger(self.context.bot).edit_card(self.chat_id, message_id, text, None)
        except MessengerError as exc:  # a progress line that could not be edited: what follows still comes
            log.info("message %s in %s not edited: %s", message_id, self.chat_id, exc)

    async def send_file(self, path: Path, filename: str, caption: Html | None = None) -> None:
        if self.chat_id is not None:
            await TelegramMessenger(self.context.bot).send_file(Place(self.chat_id, self.thread_id), path, filename,
                                                                caption)  # fmt: skip

    @property
    def file_limit(self) -> int:
        return TelegramMessenger.file_limit

    async def unbutton(self, message_id: int) -> None:
        if self.chat_id is None:
            return
        try:
            await TelegramMessenger(self.context.bot).set_buttons(self.chat_id, message_id, None)
        except MessengerError as exc:
            log.info("buttons of question %s in %s left on: %s", message_id, self.chat_id, exc)

    def soon(self, work: Coroutine[Any, Any, object], name: str) -> None:
        self.context.application.create_task(work, name=name)
