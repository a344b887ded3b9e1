"""The one error handler: log each failure once with its cause; tell the user, or the admins, what they need."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Update
from telegram.error import Conflict, RetryAfter, TelegramError

from handlers.context import BotContext
from messenger.telegram_pacing import retry_after
from texts import plain, t

log = logging.getLogger(__name__)
FLOOD_NOTICE_EVERY = timedelta(hours=1)


async def on_error(update: object, context: BotContext) -> None:
    """Log an unhandled exception once and answer for it where someone is waiting."""
    error = context.error
    if isinstance(error, Conflict):
        # Telegram's 409: another instance polls with this token. Two bots would answer twice: stop.
        log.critical(plain("startup.conflict"))
        context.application.stop_running()
        return
    if isinstance(error, RetryAfter):
        await _flood(context, error)
        return
    log.error("unhandled error for update %s", getattr(update, "update_id", None), exc_info=error)
    if not isinstance(update, Update):
        return
    try:
        if update.callback_query:
            await update.callback_query.answer(t("error.generic"), show_alert=True)
        elif update.effective_message:
            await update.effective_message.reply_text(t("error.generic"), do_quote=False)
    except TelegramError:
        log.warning("could not tell the user about the error", exc_info=True)


async def _flood(context: BotContext, error: RetryAfter) -> None:
    """A reply hit a long flood wait: it is not retried (that would stall every chat); admins hear once an hour."""
    wait = retry_after(error)
    log.warning("a reply hit Telegram's flood limit: retry after %s; not retried", wait)
    services = context.services
    now = services.now()
    if services.flood_noticed_at is None or now - services.flood_noticed_at >= FLOOD_NOTICE_EVERY:
        services.flood_noticed_at = now
        await services.dispatcher.tell_admins(t("error.flood", minutes=max(1, round(wait.total_seconds() / 60))))
