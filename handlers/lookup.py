"""Looking things up: /my (paged list of hazards in scope) and /show <id> (card, photos, timeline)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from domain.hazards import Grade
from domain.members import scope_of
from handlers.common import refuse_button, reply, require_member, show_in_place
from handlers.render import grade_label, hazard_card, plan_section, thread_status, timeline
from handlers.visibility import audience, in_private
from outbound import evidence
from texts import Html, plain, t
from texts.dates import datetime_cn
from texts.limits import clip

PAGE_SIZE = 10
PREFIX = "my1"  # callback data version: my1:<offset>


async def my_hazards(update: Update, context: BotContext) -> None:
    """/my: the hazards the caller may see, newest first."""
    await _send_page(update, context, 0)


async def turn_page(update: Update, context: BotContext) -> None:
    """◀ / ▶ on a /my page."""
    query = update.callback_query
    assert query is not None
    try:
        offset = int((query.data or "").split(":")[1])
    except (IndexError, ValueError):
        await refuse_button(update, "button.invalid")
        return
    if not 0 <= offset < 10**9 or offset % PAGE_SIZE:
        await refuse_button(update, "button.invalid")
        return
    if not in_private(update):  # a page of /my is for the caller's eyes only
        await refuse_button(update, "visibility.my_private_only")
        return
    await _send_page(update, context, offset)


async def _send_page(update: Update, context: BotContext, offset: int) -> None:
    member = await require_member(update, context)
    if member is None:
        return
    services = context.services
    hazards, total = await services.hazards.list_hazards(scope_of(member, services.org), PAGE_SIZE, offset)
    if not hazards:
        text = t("my.empty") if offset == 0 else t("my.no_more")
    else:
        lines = [
            t("my.line", code=h.code, grade=grade_label(h.grade), state=plain(f"state.{h.state}"),
              enterprise=services.org.enterprises[h.enterprise_id].name, description=clip(h.description, 40),
              at=datetime_cn(h.reported_at, services.zone))
            for h in hazards
        ]  # fmt: skip
        text = t("my.page", start=offset + 1, end=offset + len(hazards), total=total, lines=Html("\n".join(lines)))
    buttons = []
    if offset > 0:
        buttons.append(InlineKeyboardButton(t("my.previous"), callback_data=f"{PREFIX}:{offset - PAGE_SIZE}"))
    if offset + PAGE_SIZE < total:
        buttons.append(InlineKeyboardButton(t("my.next"), callback_data=f"{PREFIX}:{offset + PAGE_SIZE}"))
    markup = InlineKeyboardMarkup([buttons]) if buttons else None
    if update.callback_query:
        await update.callback_query.answer()
    await show_in_place(update, text, markup)


async def show(update: Update, context: BotContext) -> None:
    """/show <id>: the hazard's card, photos and timeline, for those allowed to see it."""
    member = await require_member(update, context)
    if member is None:
        return
    if not context.args:
        await reply(update, t("show.usage"))
        return
    readers = await audience(update, context, member)
    if readers is None:
        return
    services = context.services
    code = context.args[0][:32]
    hazard = await services.hazards.get_hazard_by_code(code)
    if hazard is None or not readers.may_view(hazard.enterprise_id, hazard.unit_ids):
        # the same answer for "no such id" and "not yours": ids of other units' hazards are not revealed
        await reply(update, t("show.not_found", code=code))
        return
    photos = await services.hazards.get_photos(hazard.id)
    after = await services.hazards.get_after_photos(hazard.id)
    threads = await services.hazards.get_threads(hazard.id)
    events = await services.hazards.get_events(hazard.id)
    facts = await services.lifecycle.get_facts(hazard.id)
    card = hazard_card(services.org, hazard, services.zone, len(photos), facts=facts, now=services.now(),
                       recheck_after_days=services.policy.recheck_after_days)
    counts = t("evidence.photos_counts", before=len(photos), after=len(after))
    plan = await services.lifecycle.get_plan(hazard.id)
    plan_text = Html(f"\n\n{plan_section(plan)}") if plan or hazard.grade is Grade.MAJOR else Html("")
    await reply(update, Html(f"{card}\n{counts}{plan_text}\n\n{thread_status(services.org, threads)}\n\n"
                             f"{timeline(events, services.zone)}"))
    message = update.effective_message
    assert message is not None
    # 整改前 / 整改后, captioned; each image by the method of its kind (a file goes back as a file), in the topic
    items = evidence.album(hazard.code, photos, after)
    if items:
        topic = message.message_thread_id if message.is_topic_message else None
        await evidence.send_album(context.bot, message.chat_id, items, topic_id=topic)


def register(app: Application) -> None:
    """Add this feature's handlers."""
    app.add_handler(CommandHandler("my", my_hazards))
    app.add_handler(CommandHandler("show", show))
    app.add_handler(CallbackQueryHandler(turn_page, pattern=rf"^{PREFIX}:"))
