"""A Telegram update as the person's side of a dialogue (usecases.talk.Talk): replies in the chat (its topic), answers
in place of the pressed button's message, refusals as alerts."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from telegram import Update

from handlers.common import refuse_button, reply, show_in_place
from handlers.context import BotContext
from messenger.telegram import markup
from texts import Html
from views.keyboards import Keyboard


class TelegramTalk:
    """Talk over one update."""

    def __init__(self, update: Update, context: BotContext) -> None:
        self.update, self.context = update, context

    async def say(self, text: Html, keyboard: Keyboard | None = None) -> None:
        await reply(self.update, text, markup(keyboard))

    async def in_place(self, text: Html, keyboard: Keyboard | None = None) -> None:
        await show_in_place(self.update, text, markup(keyboard))

    async def refuse(self, key: str = "button.stale") -> None:
        await refuse_button(self.update, key)

    async def acknowledge(self) -> None:
        if self.update.callback_query is not None:
            await self.update.callback_query.answer()

    def soon(self, work: Coroutine[Any, Any, object], name: str) -> None:
        self.context.application.create_task(work, name=name)
