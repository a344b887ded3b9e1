"""每周自查自报: the officer's weekly self-check — Telegram's adapter of usecases.selfchecking."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from handlers.common import refuse_button, require_member
from handlers.context import BotContext
from handlers.talk import TelegramTalk
from usecases import selfchecking
from views.callbacks import SelfCheckChoice, decode


async def selfcheck_command(update: Update, context: BotContext) -> None:
    """/selfcheck: the self-check of the week now open, for an enterprise's safety officer."""
    member = await require_member(update, context)
    if member is not None:
        await selfchecking.open_week(context.services, TelegramTalk(update, context), member)


async def submit_selfcheck(update: Update, context: BotContext) -> None:
    """零报告 or 报送本周隐患 pressed: record the week's self-check once."""
    query = update.callback_query
    assert query is not None
    pressed = decode(query.data)
    if not isinstance(pressed, SelfCheckChoice):
        await refuse_button(update, "button.invalid")
        return
    member = await require_member(update, context)
    if member is not None:
        await selfchecking.submit(context.services, TelegramTalk(update, context), member, pressed)


def register(app: Application) -> None:
    """Add this feature's handlers."""
    app.add_handler(CommandHandler("selfcheck", selfcheck_command))
    app.add_handler(CallbackQueryHandler(submit_selfcheck, pattern=rf"^{SelfCheckChoice.PREFIX}:"))
