"""/stats: this week's and this month's figures in the caller's scope — Telegram's adapter of usecases.figures."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from handlers.common import require_member
from handlers.context import BotContext
from handlers.talk import TelegramTalk
from handlers.visibility import audience
from usecases import figures


async def stats(update: Update, context: BotContext) -> None:
    """/stats: the figures; a unit's leads and the 安委办 also get one row per enterprise or unit."""
    member = await require_member(update, context)
    if member is None:
        return
    readers = await audience(update, context, member)
    if readers is not None:
        await figures.stats(context.services, TelegramTalk(update, context), member, readers)


def register(app: Application) -> None:
    """Add this feature's handlers."""
    app.add_handler(CommandHandler("stats", stats))
