"""Keeping one person from slowing the bot for everyone: silence to non-members in groups, leaving groups that
someone other than an admin added the bot to, and the per-user throttle of expensive commands."""

from __future__ import annotations

import logging

from telegram import Chat, ChatMember, ChatMemberUpdated, Update
from telegram.ext import Application, ApplicationHandlerStop, ChatMemberHandler, MessageHandler, filters

from bot.context import BotContext
from domain.members import Role
from domain.throttle import Throttle
from handlers.common import find_member, reply
from texts import t

log = logging.getLogger(__name__)

GUARD_GROUP = -3  # the handler group of silence_strangers: before every other one (roster's gate is -2)
IN_CHAT = frozenset({ChatMember.OWNER, ChatMember.ADMINISTRATOR, ChatMember.MEMBER})


async def silence_strangers(update: Update, context: BotContext) -> None:
    """A group message from someone who has not joined: nothing runs, and at most one join hint a day per group."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None or update.effective_user is None:
        return
    services = context.services
    if update.effective_user.id in services.removed_ids:
        return  # removed by an admin: the roster's gate ends what they had open, and says nothing in a group
    if await find_member(update, context) is not None:
        return
    # a command deserves a hint, once a day per group: a flood of them gets one line, not one line each
    is_command = bool(message.text and message.text.startswith("/"))
    if is_command and services.guards.group_hint.check(chat.id, services.now()).allowed:
        await reply(update, t("guard.group_hint"))
    raise ApplicationHandlerStop


def _present(member: ChatMember) -> bool:
    return member.status in IN_CHAT or (member.status == ChatMember.RESTRICTED and bool(getattr(member, "is_member",
                                                                                                  False)))


def was_added(change: ChatMemberUpdated) -> bool:
    """Whether the bot's standing changed from outside the group to in it."""
    return not _present(change.old_chat_member) and _present(change.new_chat_member)


async def bot_added(update: Update, context: BotContext) -> None:
    """The bot was added to a group: it stays if one of its admins added it, and otherwise leaves (logged)."""
    change = update.my_chat_member
    if change is None or change.chat.type not in (Chat.GROUP, Chat.SUPERGROUP) or not was_added(change):
        return
    chat, adder = change.chat, change.from_user
    member = await find_member(update, context)
    if member is not None and member.role is Role.ADMIN:
        log.info("added to group %s (%r) by admin %s", chat.id, chat.title, adder.id)
        return
    log.warning("leaving group %s (%r): added by user %s (%r), who is not an admin of the bot", chat.id, chat.title,
                adder.id, adder.full_name)
    await context.bot.leave_chat(chat.id)


async def refused(update: Update, context: BotContext, throttle: Throttle) -> bool:
    """Whether the caller has to wait before using this expensive command again (told once per wait)."""
    user = update.effective_user
    if user is None:
        return False
    verdict = throttle.check(user.id, context.services.now())
    if verdict.allowed:
        return False
    if verdict.tell:
        await reply(update, t("guard.wait", seconds=verdict.seconds))
    return True


def register(app: Application) -> None:
    """Add the guard's handlers: the silence before every other handler, the my_chat_member watch."""
    app.add_handler(MessageHandler(filters.ChatType.GROUPS, silence_strangers), group=GUARD_GROUP)
    app.add_handler(ChatMemberHandler(bot_added, ChatMemberHandler.MY_CHAT_MEMBER))
