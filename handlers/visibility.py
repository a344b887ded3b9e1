"""What may be shown where: some commands only in private chat, and in a group only what both the caller and the
group's unit may see (a group's other people read every answer there)."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType

from domain.members import Member
from handlers.common import find_member, reply
from handlers.context import BotContext
from handlers.talk import TelegramTalk
from texts import t
from usecases import lookup
from usecases.lookup import Audience


def in_private(update: Update) -> bool:
    """Whether the update comes from the user's private chat with the bot."""
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


async def audience(update: Update, context: BotContext, member: Member) -> Audience | None:
    """Who will read the answer to `member` here (usecases.lookup.audience)."""
    return await lookup.audience(context.services, TelegramTalk(update, context), member, private=in_private(update))


async def private_only(update: Update, context: BotContext) -> None:
    """/invite, /export, /my (and the membership commands) sent in a group: say to use the private chat; a stranger
    gets nothing."""
    message = update.effective_message
    if message is None or await find_member(update, context) is None:
        return
    command = (message.text or "").split()[0].lstrip("/").split("@")[0] if message.text else ""
    await reply(update, t("visibility.private_only", command=command))
