"""Looking things up: /my (paged list of hazards in scope) and /show <id> (card, photos, timeline)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from domain.hazards import Grade
from domain.members import may_view, scope_of
from domain.records import processing_record
from handlers.common import refuse_button, reply, require_member, show_in_place
from handlers.records import ESCALATION_KINDS, processing_record_text
from handlers.render import grade_label, hazard_card, thread_status
from reports.service import accept_due_of
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
    services = context.services
    code = context.args[0][:32]
    hazard = await services.hazards.get_hazard_by_code(code)
    if hazard is None or not may_view(scope_of(member, services.org), hazard.enterprise_id, hazard.unit_ids):
        # the same answer for "no such id" and "not yours": ids of other units' hazards are not revealed
        await reply(update, t("show.not_found", code=code))
        return
    photos = await services.hazards.get_photos(hazard.id)
    threads = await services.hazards.get_threads(hazard.id)
    audit = await services.hazards.get_audit(hazard.id)
    escalations = await services.hazards.get_sent_escalations(hazard.id, ESCALATION_KINDS)
    members = {m.telegram_id: m for m in [await services.members.get_member(i) for i in
                                          {e.actor_id for e in audit} | {hazard.reporter_id}] if m is not None}
    reporter = members.get(hazard.reporter_id)
    card = hazard_card(services.org, hazard, services.zone, len(photos), reporter.display_name if reporter else None)
    reported_grade = next((Grade(str(e.data["grade_from"])) for e in audit if e.data.get("grade_from")), hazard.grade)
    lines = processing_record(hazard.reported_at, reported_grade, audit, escalations, accept_due_of(services))
    record = processing_record_text(services.org, lines, members, services.zone)
    await reply(update, Html(f"{card}\n\n{thread_status(services.org, threads)}\n\n{record}"))
    message = update.effective_message
    assert message is not None
    if len(photos) == 1:
        await message.reply_photo(photos[0].file_id, do_quote=False)
    elif photos:
        await message.reply_media_group([InputMediaPhoto(p.file_id) for p in photos], do_quote=False)


def register(app: Application) -> None:
    """Add this feature's handlers."""
    app.add_handler(CommandHandler("my", my_hazards))
    app.add_handler(CommandHandler("show", show))
    app.add_handler(CallbackQueryHandler(turn_page, pattern=rf"^{PREFIX}:"))
