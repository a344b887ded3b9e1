"""/stats: this week's and this month's figures in the caller's scope (enterprise, unit, or the county)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.context import BotContext
from handlers.common import reply, require_member
from reports.service import stats_message


async def stats(update: Update, context: BotContext) -> None:
    """/stats: the figures; a unit's leads and the 安委办 also get one row per enterprise or unit."""
    member = await require_member(update, context)
    if member is None:
        return
    await reply(update, await stats_message(context.services, member))


def register(app: Application) -> None:
    """Add this feature's handlers."""
    app.add_handler(CommandHandler("stats", stats))
