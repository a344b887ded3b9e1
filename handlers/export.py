"""/export [period]: the hazard ledger of the caller's scope as Excel and CSV — Telegram's adapter of
usecases.exporting (built in the background, the heavy part in a worker process, so the update is done at once and
the caller's next message, and everyone else's, is answered meanwhile)."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatAction
from telegram.ext import Application, CommandHandler

from handlers.common import require_member
from handlers.context import BotContext
from handlers.talk import TelegramTalk
from usecases import exporting


async def export(update: Update, context: BotContext) -> None:
    """/export [本周|上月|本季度|2026年11月|日期范围]: this month by default."""
    member = await require_member(update, context)
    message = update.effective_message
    if member is None or message is None:
        return
    if await exporting.request(context.services, TelegramTalk(update, context), member, " ".join(context.args or [])):
        await message.reply_chat_action(ChatAction.UPLOAD_DOCUMENT)


def register(app: Application) -> None:
    """Add this feature's handlers."""
    app.add_handler(CommandHandler("export", export))
