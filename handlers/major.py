"""/major on Telegram (usecases.lookup.major_list): the 挂牌督办清单 for the 安委办 and admins."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from handlers.common import require_member
from handlers.context import BotContext
from handlers.talk import TelegramTalk
from handlers.visibility import audience
from usecases import lookup


async def major_list(update: Update, context: BotContext) -> None:
    """/major: the open 重大 hazards, soonest deadline first; only the 安委办 and admins see the county's list."""
    member = await require_member(update, context)
    if member is None:
        return
    readers = await audience(update, context, member)
    if readers is not None:
        await lookup.major_list(context.services, TelegramTalk(update, context), readers)


def register(app: Application) -> None:
    """Add /major."""
    app.add_handler(CommandHandler("major", major_list))
