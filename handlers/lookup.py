"""Looking things up: /my (paged list of hazards in scope) and /show <id> (card, photos, timeline) — Telegram's
adapter of usecases.lookup."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from domain.listing import MyFilter
from handlers.common import refuse_button, reply, require_member
from handlers.context import BotContext
from handlers.talk import TelegramTalk
from handlers.visibility import audience, in_private
from texts import t
from usecases import lookup
from views.callbacks import Details, MyPage, decode


async def my_hazards(update: Update, context: BotContext) -> None:
    """/my: the hazards the caller may see, newest first, with filters."""
    await _send_page(update, context, MyFilter.ALL, 0)


async def turn_page(update: Update, context: BotContext) -> None:
    """◀ / ▶ or a filter button on a /my page (my1:<offset> or my2:<filter>:<offset>)."""
    query = update.callback_query
    assert query is not None
    page = decode(query.data)
    if not isinstance(page, MyPage) or page.offset % lookup.PAGE_SIZE:
        await refuse_button(update, "button.invalid")
        return
    if not in_private(update):  # a page of /my is for the caller's eyes only
        await refuse_button(update, "visibility.my_private_only")
        return
    await _send_page(update, context, page.view, page.offset)


async def _send_page(update: Update, context: BotContext, view: MyFilter, offset: int) -> None:
    member = await require_member(update, context)
    if member is not None:
        await lookup.my_page(context.services, TelegramTalk(update, context), member, view, offset)


async def show(update: Update, context: BotContext) -> None:
    """/show <id>: the hazard's card, photos and 处理记录, for those allowed to see it (in a group: and its unit)."""
    member = await require_member(update, context)
    if member is None:
        return
    if not context.args:
        await reply(update, t("show.usage"))
        return
    readers = await audience(update, context, member)
    if readers is None:
        return
    talk = TelegramTalk(update, context)
    hazard = await lookup.find(context.services, talk, readers, context.args[0])
    if hazard is not None:
        await lookup.show(context.services, talk, hazard)


async def show_details(update: Update, context: BotContext) -> None:
    """查看详情 under an escalation or nudge: the same as /show, in the chat where it was pressed."""
    query = update.callback_query
    assert query is not None
    member = await require_member(update, context)
    if member is None:
        return
    services = context.services
    button = decode(query.data)
    hazard = await services.hazards.get_hazard(button.hazard_id) if isinstance(button, Details) else None
    # in a group the answer is read by all there: only what both the presser and the group's unit may see
    readers = await audience(update, context, member) if hazard is not None else None
    if hazard is None or readers is None or not readers.may_view(hazard.enterprise_id, hazard.unit_ids):
        await refuse_button(update, "button.invalid")
        return
    await query.answer()
    await lookup.show(services, TelegramTalk(update, context), hazard)


def register(app: Application) -> None:
    """Add this feature's handlers."""
    app.add_handler(CommandHandler("my", my_hazards))
    app.add_handler(CommandHandler("show", show))
    app.add_handler(CallbackQueryHandler(turn_page, pattern=rf"^({MyPage.LEGACY}|{MyPage.PREFIX}):"))
    app.add_handler(CallbackQueryHandler(show_details, pattern=rf"^{Details.PREFIX}:"))
