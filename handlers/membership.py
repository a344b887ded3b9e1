"""Joining and binding: /start <code>, /invite, /bind, /unbind."""

from __future__ import annotations

from telegram import ChatMemberAdministrator, ChatMemberOwner, Update
from telegram.ext import Application, CommandHandler, filters

from handlers.common import display_name, find_member, reply, require_admin
from handlers.context import BotContext
from handlers.visibility import private_only
from texts import t
from usecases import membership
from views.cards import role_label

# their answers are for the caller's eyes only
PRIVATE_ONLY = ["invite", "export", "my", "members", "remove", "invites"]


async def start(update: Update, context: BotContext) -> None:
    """/start [code]: join with an invite code, or be greeted."""
    if context.args:
        await reply(update, await membership.join(context.services, context.args[0], update.effective_user.id,  # type: ignore[union-attr]
                                                  display_name(update)))
        return
    member = await find_member(update, context)
    await reply(update, t("start.member" if member else "join.how"))


async def invite(update: Update, context: BotContext) -> None:
    """/invite <unit-or-enterprise-id> <role>: a one-time deep link for someone to join."""
    admin = await require_admin(update, context)
    if admin is None:
        return
    if len(context.args or []) != 2:
        await reply(update, t("invite.usage"))
        return
    target, role_text = context.args  # type: ignore[misc]
    made = await membership.invite(context.services, admin, target, role_text)
    if not isinstance(made, membership.Invited):
        await reply(update, made)
        return
    await reply(update, t("invite.created", link=f"https://t.me/{context.bot.username}?start={made.code}",
                          role=role_label(made.spec.role), where=membership.invited_where(context.services, made),
                          expires=made.expires))


async def bind(update: Update, context: BotContext) -> None:
    """/bind <unit-id> in a group: the unit's hazards are threaded here from now on."""
    admin = await require_admin(update, context)
    if admin is None:
        return
    services, chat = context.services, update.effective_chat
    assert chat is not None
    if not context.args or services.org.unit(context.args[0]) is None:
        await reply(update, (await membership.bind(services, admin, None, chat.id, "", False))[0])
        return
    full = await context.bot.get_chat(chat.id)
    missing = await _missing_rights(context, chat.id, bool(full.is_forum))
    if missing:
        await reply(update, t("bind.missing_rights", missing="、".join(t(f"bind.right.{m}") for m in missing)))
        return
    answer, unit_id = await membership.bind(services, admin, context.args[0], chat.id, full.title or "",
                                            bool(full.is_forum))  # fmt: skip
    await reply(update, answer)
    if unit_id is not None:
        context.application.create_task(services.dispatcher.deliver(unit_id), name=f"deliver:{unit_id}")


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
    await reply(update, await membership.unbind(context.services, update.effective_chat.id))  # type: ignore[union-attr]


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

