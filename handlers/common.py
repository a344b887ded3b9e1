"""What every handler shares: who is asking, replying within Telegram's limits, refusing buttons."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, TelegramError

from domain.members import Member, Role
from handlers.context import BotContext
from texts import Html, t
from texts.limits import MESSAGE_LIMIT, clip_html
from usecases import membership


def display_name(update: Update) -> str:
    """The user's name as Telegram shows it."""
    user = update.effective_user
    return user.full_name if user else ""


async def reply(update: Update, text: Html, markup: InlineKeyboardMarkup | None = None) -> Message | None:
    """Answer in the chat the update came from (in its topic), never over the message limit."""
    message = update.effective_message
    if message is None:
        return None
    return await message.reply_text(clip_html(text, MESSAGE_LIMIT), reply_markup=markup, do_quote=False)


async def show_in_place(update: Update, text: Html, markup: InlineKeyboardMarkup | None = None) -> None:
    """Put `text` in place of the pressed button's message (its buttons replaced by `markup`).

    A message that already shows it (a double tap) is left as it is. Not a button press, or a message that can no
    longer be edited (deleted, too old): `text` as a new message instead.
    """
    query = update.callback_query
    if query is not None and isinstance(query.message, Message):
        try:
            await query.edit_message_text(clip_html(text, MESSAGE_LIMIT), reply_markup=markup)
            return
        except BadRequest as exc:
            if "message is not modified" in exc.message.lower():
                return
        except TelegramError:
            pass
    await reply(update, text, markup)


async def find_member(update: Update, context: BotContext) -> Member | None:
    """The caller as a member, registering configured admins on first contact; None for strangers."""
    user = update.effective_user
    if user is None:
        return None
    admins = context.services.settings.admin_ids
    return await membership.caller(context.services, user.id, user.full_name, configured_admin=user.id in admins)


async def require_member(update: Update, context: BotContext) -> Member | None:
    """The caller as a member; a stranger is told how to join (and nothing is stored)."""
    member = await find_member(update, context)
    if member is None:
        if update.callback_query:
            await update.callback_query.answer(t("join.not_member_short"), show_alert=True)
        else:
            await reply(update, t("join.how"))
    return member


async def require_admin(update: Update, context: BotContext) -> Member | None:
    """The caller if an admin; anyone else is told no."""
    member = await require_member(update, context)
    if member is not None and member.role is not Role.ADMIN:
        await reply(update, t("admin.only"))
        return None
    return member


async def refuse_button(update: Update, key: str = "button.stale") -> None:
    """Answer a press that cannot act (stale, forged, not yours) without changing anything."""
    if update.callback_query:
        await update.callback_query.answer(t(key), show_alert=True)
