"""The one error handler: log the failure with its cause, tell the user something went wrong."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot.context import BotContext
from texts import t

log = logging.getLogger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    """Log an unhandled exception once and, where there is a chat, apologise in it."""
    log.error("unhandled error for update %s", getattr(update, "update_id", None), exc_info=context.error)
    if not isinstance(update, Update):
        return
    try:
        if update.callback_query:
            await update.callback_query.answer(t("error.generic"), show_alert=True)
        elif update.effective_message:
            await update.effective_message.reply_text(t("error.generic"), do_quote=False)
    except TelegramError:
        log.warning("could not tell the user about the error", exc_info=True)
