"""Taking roles away: /members, /remove (confirmed with a button), /invites (revoked with a button), the configured
admins as the truth at start, and the gate that refuses a removed person at once, open conversations included."""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
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
from handlers.common import find_member, refuse_button, reply, require_admin, show_in_place
from handlers.context import BotContext
from kernel.services import Services
from storage.members import OpenInvite
from texts import Html, t
from texts.dates import datetime_cn
from usecases import membership
from views.callbacks import RemoveMember, RevokeInvite, decode
from views.cards import role_label, target_label

log = logging.getLogger(__name__)

GATE_GROUP = -2  # the handler group of refuse_removed: before every other handler
MAX_INVITES_SHOWN = 20


async def on_start(services: Services) -> None:
    """At start: an admin the configuration no longer lists loses the role (HAZARD_ADMIN_IDS is the truth); the
    gate learns who was removed."""
    for member in await membership.on_start(services, services.settings.admin_ids):
        log.warning("user %s is no longer in HAZARD_ADMIN_IDS: admin role removed", member.telegram_id)


def _where(context: BotContext, member: Member) -> str:
    return target_label(context.services.org, member.unit_id, member.enterprise_id)


async def members_command(update: Update, context: BotContext) -> None:
    """/members <unit-or-enterprise-id>: who belongs there, with the command that removes each."""
    if await require_admin(update, context) is None:
        return
    org, target = context.services.org, (context.args or [""])[0]
    if target in org.units:
        joined = await context.services.members.list_members(unit_id=target)
        where = org.units[target].name
    elif target in org.enterprises:
        joined = await context.services.members.list_members(enterprise_id=target)
        where = org.enterprises[target].name
    else:
        await reply(update, t("roster.members_usage") if not target else t("roster.unknown_target", target=target))
        return
    if not joined:
        await reply(update, t("roster.members_empty", where=where))
        return
    zone = context.services.zone
    lines = [t("roster.member_line", name=j.member.display_name, role=role_label(j.member.role),
               id=j.member.telegram_id, joined=datetime_cn(j.joined_at, zone)) for j in joined]  # fmt: skip
    await reply(update, t("roster.members", where=where, count=len(joined), lines=Html("\n".join(lines))))


def _removable(context: BotContext, admin: Member, target_id: int) -> str | None:
    """Why `target_id` cannot be removed by `admin` (a catalog key), or None."""
    if target_id == admin.telegram_id:
        return "roster.not_yourself"
    if target_id in context.services.settings.admin_ids:
        return "roster.configured_admin"
    return None


async def remove_command(update: Update, context: BotContext) -> None:
    """/remove <user id>: asks to confirm, with the person's name, unit and role."""
    admin = await require_admin(update, context)
    if admin is None:
        return
    text = (context.args or [""])[0]
    target_id = int(text) if text.isdecimal() and len(text) <= 15 else None
    if target_id is None or len(context.args or []) != 1:
        await reply(update, t("roster.remove_usage"))
        return
    member = await context.services.members.get_member(target_id)
    if member is None:
        await reply(update, t("roster.not_a_member", id=target_id))
        return
    refusal = _removable(context, admin, target_id)
    if refusal is not None:
        await reply(update, t(refusal, name=member.display_name))
        return
    markup = InlineKeyboardMarkup([[
        InlineKeyboardButton(t("roster.confirm_button"), callback_data=RemoveMember(target_id, True).encode()),
        InlineKeyboardButton(t("roster.keep_button"), callback_data=RemoveMember(target_id, False).encode()),
    ]])  # fmt: skip
    await reply(update, t("roster.confirm", name=member.display_name, where=_where(context, member),
                          role=role_label(member.role)), markup)  # fmt: skip


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
    services, target_id = context.services, button.member_id
    if not button.confirmed:
        await query.answer()
        await show_in_place(update, t("roster.kept"))
        return
    refusal = _removable(context, admin, target_id)
    if refusal is not None:
        await refuse_button(update, refusal)
        return
    removed = await services.members.remove_member(target_id, admin.telegram_id, services.now())
    await query.answer()
    if removed is None:
        await show_in_place(update, t("roster.already_gone"))
        return
    services.removed_ids.add(target_id)
    end_sessions(context.application, services, target_id)
    log.info("user %s removed by admin %s", target_id, admin.telegram_id)
    await show_in_place(update, t("roster.removed", name=removed.display_name, where=_where(context, removed),
                                  role=role_label(removed.role)))  # fmt: skip


def end_sessions(application: Application[Any, Any, Any, Any, Any, Any], services: Services, user_id: int) -> None:
    """Forget what a removed person was in the middle of (a report draft, an action's answers) and its photos."""
    data = application.user_data.get(user_id)
    if not data:
        return
    for key in (report.staging_key(data), lifecycle.staging_key(data)):
        if key:
            services.media.discard(key)
    application.drop_user_data(user_id)


def _invites_page(context: BotContext, invites: list[OpenInvite], done: Html | None = None
                  ) -> tuple[Html, InlineKeyboardMarkup | None]:
    services = context.services
    shown = invites[:MAX_INVITES_SHOWN]
    lines = [t("roster.invite_line", n=n, where=target_label(services.org, i.spec.unit_id, i.spec.enterprise_id),
               role=role_label(i.spec.role), by=i.created_by_name or str(i.created_by),
               created=datetime_cn(i.created_at, services.zone), expires=datetime_cn(i.expires_at, services.zone))
             for n, i in enumerate(shown, 1)]  # fmt: skip
    parts = [done] if done else []
    if not invites:
        parts.append(t("roster.invites_empty"))
        return Html("\n\n".join(parts)), None
    more = t("roster.invites_more", count=len(invites) - len(shown)) if len(invites) > len(shown) else Html("")
    parts.append(t("roster.invites", count=len(invites), lines=Html("\n".join(lines)), more=more))
    buttons = [InlineKeyboardButton(t("roster.revoke_button", n=n), callback_data=RevokeInvite(i.number).encode())
               for n, i in enumerate(shown, 1)]
    return Html("\n\n".join(parts)), InlineKeyboardMarkup([buttons[k : k + 4] for k in range(0, len(buttons), 4)])


async def invites_command(update: Update, context: BotContext) -> None:
    """/invites: the links that can still be used, each with a button that revokes it."""
    if await require_admin(update, context) is None:
        return
    services = context.services
    text, markup = _invites_page(context, await services.members.list_open_invites(services.now()))
    await reply(update, text, markup)


async def revoke_pressed(update: Update, context: BotContext) -> None:
    """撤销 n under /invites: the link stops working at once."""
    query = update.callback_query
    assert query is not None
    button = decode(query.data)
    if not isinstance(button, RevokeInvite):  # PTB lets empty data through every pattern
        await refuse_button(update, "button.invalid")
        return
    admin = await _pressing_admin(update, context)
    if admin is None:
        return
    services = context.services
    revoked = await services.members.revoke_invite(button.number, admin.telegram_id, services.now())
    if revoked is None:
        await refuse_button(update, "roster.invite_gone")
        return
    await query.answer()
    log.info("invite for %s (%s) revoked by admin %s", revoked.spec.unit_id or revoked.spec.enterprise_id,
             revoked.spec.role, admin.telegram_id)  # fmt: skip
    done = t("roster.revoked", where=target_label(services.org, revoked.spec.unit_id, revoked.spec.enterprise_id),
             role=role_label(revoked.spec.role))  # fmt: skip
    await show_in_place(update, *_invites_page(context, await services.members.list_open_invites(services.now()), done))


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
    if await services.members.get_member(user.id) is not None:  # joined again meanwhile
        services.removed_ids.discard(user.id)
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
