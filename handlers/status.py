"""/status for admins on Telegram (usecases.status): is the bot keeping up."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from handlers.common import require_admin
from handlers.context import BotContext
from handlers.talk import TelegramTalk
from usecases.status import status as show_status


async def status(update: Update, context: BotContext) -> None:
    """/status: the outbox and the database at a glance."""
    if await require_admin(update, context) is not None:
        await show_status(context.services, TelegramTalk(update, context))


def register(app: Application) -> None:
    """Add /status."""
    app.add_handler(CommandHandler("status", status))
