"""Taking roles away on Telegram: /members, /remove (confirmed with a button), /invites (revoked with a button) through
usecases.roster; the configured admins as the truth at start, and the gate that refuses a removed person at once, open
conversations included."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    TypeHandler,
    filters,
)

from domain.members import Member, Role
from handlers import lifecycle, report
from handlers.common import find_member, refuse_button, reply, require_admin
from handlers.context import BotContext
from handlers.talk import TelegramTalk
from kernel.services import Services
from texts import t
from usecases import membership, roster
from views.callbacks import RemoveMember, RevokeInvite, decode

log = logging.getLogger(__name__)

GATE_GROUP = -2  # the handler group of refuse_removed: before every other handler


async def on_start(services: Services) -> None:
    """At start: an admin the configuration no longer lists loses the role (HAZARD_ADMIN_IDS is the truth); the
    gate learns who was removed."""
    for member in await membership.on_start(services, services.settings.admin_ids):
        log.warning("user %s is no longer in HAZARD_ADMIN_IDS: admin role removed", member.telegram_id)


async def members_command(update: Update, context: BotContext) -> None:
    """/members <unit-or-enterprise-id>: who belongs there, with the id /remove takes."""
    if await require_admin(update, context) is not None:
        await roster.members(context.services, TelegramTalk(update, context), (context.args or [""])[0])


async def remove_command(update: Update, context: BotContext) -> None:
    """/remove <user id>: asks to confirm, with the person's name, unit and role."""
    admin = await require_admin(update, context)
    if admin is not None:
        await roster.ask_remove(context.services, TelegramTalk(update, context), admin, list(context.args or []),
                                context.services.settings.admin_ids)  # fmt: skip


async def _pressing_admin(update: Update, context: BotContext) -> Member | None:
    """The admin pressing a button here; anyone else is refused on the button."""
    member = await find_member(update, context)
    if member is None or member.role is not Role.ADMIN:
        await refuse_button(update, "admin.only")
        return None
    return member


async def remove_pressed(update: Update, context: BotContext) -> None:
    """确认移除 or 取消 under a /remove."""
    query = update.callback_query
    assert query is not None
    button = decode(query.data)
    if not isinstance(button, RemoveMember):  # PTB lets empty data through every pattern
        await refuse_button(update, "button.invalid")
        return
    admin = await _pressing_admin(update, context)
    if admin is None:
        return
    services = context.services
    removed = await roster.remove(services, TelegramTalk(update, context), admin, button, services.settings.admin_ids)
    if removed is not None:
        end_sessions(context.application, services, removed)


def end_sessions(application: Application[Any, Any, Any, Any, Any, Any], services: Services, user_id: int) -> None:
    """Forget what a removed person was in the middle of (a report draft, an action's answers) and its photos."""
    data = application.user_data.get(user_id)
    if not data:
        return
    for key in (report.staging_key(data), lifecycle.staging_key(data)):
        if key:
            services.media.discard(key)
    application.drop_user_data(user_id)


async def invites_command(update: Update, context: BotContext) -> None:
    """/invites: the links that can still be used, each with a button that revokes it."""
    if await require_admin(update, context) is not None:
        await roster.invites(context.services, TelegramTalk(update, context))


async def revoke_pressed(update: Update, context: BotContext) -> None:
    """撤销 n under /invites: the link stops working at once."""
    query = update.callback_query
    assert query is not None
    button = decode(query.data)
    if not isinstance(button, RevokeInvite):  # PTB lets empty data through every pattern
        await refuse_button(update, "button.invalid")
        return
    admin = await _pressing_admin(update, context)
    if admin is not None:
        await roster.revoke(context.services, TelegramTalk(update, context), admin, button)


async def refuse_removed(update: Update, context: BotContext) -> None:
    """Before every other handler: a removed person's messages and presses go no further (their open report or
    action included); in private chat and on buttons they are told why, in groups nothing is said. A /start with a
    new invite still gets through."""
    user, services = update.effective_user, context.services
    if user is None or user.id not in services.removed_ids:
        return
    message, query = update.message, update.callback_query
    if message is None and query is None:
        return  # not something they asked for (e.g. the bot added to a group): the feature's own handler decides
    if message is not None and (message.text or "").startswith("/start"):
        return
    if not await roster.still_removed(services, user.id):
        return
    end_sessions(context.application, services, user.id)
    if query is not None:
        await query.answer(t("roster.you_were_removed"), show_alert=True)
    elif message is not None and message.chat.type == ChatType.PRIVATE:
        await reply(update, t("roster.you_were_removed"))
    raise ApplicationHandlerStop


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add this feature's handlers (before the catch-alls)."""
    private = filters.ChatType.PRIVATE
    app.add_handler(TypeHandler(Update, refuse_removed), group=GATE_GROUP)
    app.add_handler(CommandHandler("members", members_command, private))
    app.add_handler(CommandHandler("remove", remove_command, private))
    app.add_handler(CommandHandler("invites", invites_command, private))
    app.add_handler(CallbackQueryHandler(remove_pressed, pattern=rf"^{RemoveMember.PREFIX}:\d{{1,15}}:(ok|no)$"))
    app.add_handler(CallbackQueryHandler(revoke_pressed, pattern=rf"^{RevokeInvite.PREFIX}:\d{{1,18}}$"))
