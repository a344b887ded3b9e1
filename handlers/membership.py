"""Joining and binding: /start <code>, /invite, /bind, /unbind."""

from __future__ import annotations

from telegram import ChatMemberAdministrator, ChatMemberOwner, Update
from telegram.ext import Application, CommandHandler, filters

from domain.members import InviteProblem, InviteSpec, invite_expiry, invite_spec, new_invite_code
from handlers.common import display_name, find_member, reply, require_admin
from handlers.context import BotContext
from handlers.visibility import private_only
from storage.members import GroupBinding
from texts import t
from texts.dates import datetime_cn
from views.cards import role_label, target_label

# their answers are for the caller's eyes only
PRIVATE_ONLY = ["invite", "export", "my", "members", "remove", "invites"]


async def start(update: Update, context: BotContext) -> None:
    """/start [code]: join with an invite code, or be greeted."""
    services = context.services
    if context.args:
        result = await services.members.redeem_invite(
            context.args[0][:64], update.effective_user.id, display_name(update), services.now()  # type: ignore[union-attr]
        )
        if isinstance(result, InviteProblem):
            await reply(update, t(f"invite.problem.{result}"))
            return
        await reply(update, t("invite.joined", role=role_label(result.role),
                              where=target_label(services.org, result.unit_id, result.enterprise_id)))
        return
    member = await find_member(update, context)
    await reply(update, t("start.member" if member else "join.how"))


async def invite(update: Update, context: BotContext) -> None:
    """/invite <unit-or-enterprise-id> <role>: a one-time deep link for someone to join."""
    admin = await require_admin(update, context)
    if admin is None:
        return
    services = context.services
    if len(context.args or []) != 2:
        await reply(update, t("invite.usage"))
        return
    target, role_text = context.args  # type: ignore[misc]
    spec = invite_spec(services.org, target, role_text)
    if isinstance(spec, InviteProblem):
        await reply(update, t(f"invite.problem.{spec}", target=target, role=role_text))
        return
    code, now = new_invite_code(), services.now()
    expires = invite_expiry(now, services.settings.invite_ttl_days)
    await services.members.create_invite(code, spec, admin.telegram_id, now, expires)
    await reply(update, t("invite.created", link=f"https://t.me/{context.bot.username}?start={code}",
                          role=role_label(spec.role), where=_where(context, spec),
                          expires=datetime_cn(expires, services.zone)))


def _where(context: BotContext, spec: InviteSpec) -> str:
    return target_label(context.services.org, spec.unit_id, spec.enterprise_id)


async def bind(update: Update, context: BotContext) -> None:
    """/bind <unit-id> in a group: the unit's hazards are threaded here from now on."""
    admin = await require_admin(update, context)
    if admin is None:
        return
    services, chat = context.services, update.effective_chat
    assert chat is not None
    unit = services.org.unit(context.args[0]) if context.args else None
    if unit is None:
        await reply(update, t("bind.usage", units=", ".join(f"{u.id}={u.name}" for u in services.org.units.values())))
        return
    full = await context.bot.get_chat(chat.id)
    missing = await _missing_rights(context, chat.id, bool(full.is_forum))
    if missing:
        await reply(update, t("bind.missing_rights", missing="、".join(t(f"bind.right.{m}") for m in missing)))
        return
    await services.hazards.forget_threads_in_chat(unit.id)
    await services.groups.bind(GroupBinding(unit.id, chat.id, full.title or "", bool(full.is_forum)),
                               admin.telegram_id, services.now())
    mode = t("bind.mode_topics" if full.is_forum else "bind.mode_replies")
    await reply(update, t("bind.done", unit=unit.name, mode=mode))
    context.application.create_task(context.services.dispatcher.deliver(unit.id), name=f"deliver:{unit.id}")


async def _missing_rights(context: BotContext, chat_id: int, is_forum: bool) -> list[str]:
    me = await context.bot.get_chat_member(chat_id, context.bot.id)
    if isinstance(me, ChatMemberOwner):
        return []
    if not isinstance(me, ChatMemberAdministrator):
        return ["admin", "manage_topics"] if is_forum else ["admin"]
    return ["manage_topics"] if is_forum and not me.can_manage_topics else []


async def unbind(update: Update, context: BotContext) -> None:
    """/unbind in a bound group: stop threading hazards here."""
    if await require_admin(update, context) is None:
        return
    unit_id = await context.services.groups.unbind_chat(update.effective_chat.id)  # type: ignore[union-attr]
    unit = context.services.org.unit(unit_id) if unit_id else None
    await reply(update, t("unbind.done", unit=unit.name) if unit else t("unbind.not_bound"))


async def group_only(update: Update, context: BotContext) -> None:
    """/bind or /unbind sent in private chat."""
    await reply(update, t("bind.in_group_only"))


def register(app: Application) -> None:
    """Add this feature's handlers."""
    groups = filters.ChatType.GROUPS
    # first: in a group these answer only "use the private chat" (an /invite there posted a link a stranger used)
    app.add_handler(CommandHandler(PRIVATE_ONLY, private_only, groups))
    app.add_handler(CommandHandler("start", start, filters.ChatType.PRIVATE))
    app.add_handler(CommandHandler("invite", invite))
    app.add_handler(CommandHandler("bind", bind, groups))
    app.add_handler(CommandHandler("unbind", unbind, groups))
    app.add_handler(CommandHandler(["bind", "unbind"], group_only, ~groups))

