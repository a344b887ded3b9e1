"""Keeping one person from slowing the bot for everyone: silence to non-members in groups, leaving groups that
someone other than an admin added the bot to, and the per-user throttle of expensive commands."""

from __future__ import annotations

import asyncio
import logging

from telegram import Chat, ChatMember, ChatMemberUpdated, Update, User
from telegram.ext import Application, ApplicationHandlerStop, ChatMemberHandler, MessageHandler, filters

from domain.members import Role
from domain.throttle import Throttle
from handlers.common import find_member, reply
from handlers.context import BotContext
from texts import t

log = logging.getLogger(__name__)

MIGRATION_GROUP = -4  # the migration messages: before the silence, whoever upgraded the group
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


async def group_migrated(update: Update, context: BotContext) -> None:
    """A group became a supergroup (the migrate_to/migrate_from service message): its binding, threads and pending
    sends follow the new id at once, and the bot stays in the supergroup whoever upgraded it (logged)."""
    message = update.effective_message
    if message is None:
        return
    is_forum: bool | None = None  # only the message in the new supergroup knows whether it has topics
    if message.migrate_from_chat_id is not None:
        old, new, is_forum = message.migrate_from_chat_id, message.chat.id, bool(message.chat.is_forum)
    elif message.migrate_to_chat_id is not None:
        old, new = message.chat.id, message.migrate_to_chat_id
    else:
        return
    services = context.services
    services.migrated_chat_ids.add(new)
    binding = await services.groups.get_binding_of_chat(old) or await services.groups.get_binding_of_chat(new)
    await services.groups.migrate_chat(old, new, is_forum=is_forum)
    log.info("group %s was upgraded to supergroup %s (%r)%s: the bot stays", old, new, message.chat.title,
             f", the binding of unit {binding.unit_id} follows it" if binding is not None else "")
    raise ApplicationHandlerStop  # a service message: nothing else has anything to do with it


async def _migrated_here(context: BotContext, chat_id: int) -> bool:
    """Whether this supergroup is a group the bot was in, upgraded: its migration was seen, or a unit is bound to it
    (the binding moved with the migration message, which survives a restart)."""
    services = context.services
    return chat_id in services.migrated_chat_ids or await services.groups.get_binding_of_chat(chat_id) is not None


async def _leave_unless_migrated(context: BotContext, chat: Chat, adder: User, wait: float) -> None:
    """Leave a group a non-admin added the bot to, unless within ``wait`` seconds it turns out to be an upgrade."""
    if wait > 0:
        # real seconds, not the bot's clock: this only lets the migration message that Telegram sends alongside come
        await asyncio.sleep(wait)
    if await _migrated_here(context, chat.id):
        log.info("stays in supergroup %s (%r): upgraded from a group the bot was in by user %s", chat.id, chat.title,
                 adder.id)
        return
    log.warning("leaving group %s (%r): added by user %s (%r), who is not an admin of the bot", chat.id, chat.title,
                adder.id, adder.full_name)
    await context.bot.leave_chat(chat.id)


async def bot_added(update: Update, context: BotContext) -> None:
    """The bot was added to a group: it stays if one of its admins added it or the group is the upgrade of one the
    bot was in (turning on topics), and otherwise leaves (logged)."""
    change = update.my_chat_member
    if change is None or change.chat.type not in (Chat.GROUP, Chat.SUPERGROUP) or not was_added(change):
        return
    chat, adder = change.chat, change.from_user
    member = await find_member(update, context)
    if member is not None and member.role is Role.ADMIN:
        log.info("added to group %s (%r) by admin %s", chat.id, chat.title, adder.id)
        return
    if await _migrated_here(context, chat.id):  # the migration message came first (or before a restart)
        await _leave_unless_migrated(context, chat, adder, 0)
        return
    if chat.type == Chat.GROUP:  # a basic group is never the result of an upgrade
        await _leave_unless_migrated(context, chat, adder, 0)
        return
    # Telegram's join event for an upgraded group and the migrate_from_chat_id message come in either order: the
    # decision waits for the message in the background, so this chat's next update (that message) is not held up
    context.application.create_task(
        _leave_unless_migrated(context, chat, adder, context.services.settings.migration_wait_seconds),
        update=update, name=f"guard.added.{chat.id}")


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
    """Add the guard's handlers: migrations first, the silence before every other handler, the my_chat_member watch."""
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, group_migrated), group=MIGRATION_GROUP)
    app.add_handler(MessageHandler(filters.ChatType.GROUPS, silence_strangers), group=GUARD_GROUP)
    app.add_handler(ChatMemberHandler(bot_added, ChatMemberHandler.MY_CHAT_MEMBER))
