"""Looking things up: /my (paged list of hazards in scope) and /show <id> (card, photos, timeline)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from domain.hazards import Grade, Hazard
from domain.listing import MyFilter, badges, duties
from domain.members import scope_of
from domain.records import processing_record
from handlers.common import refuse_button, reply, require_member, show_in_place
from handlers.context import BotContext
from handlers.visibility import audience, in_private
from kernel.services import Services
from messenger.port import Place
from messenger.telegram import TelegramMessenger
from reports.service import accept_due_of
from storage.hazards import MyIds
from texts import Html, plain, t
from texts.dates import datetime_cn, deadline_cn
from texts.limits import MESSAGE_LIMIT, clip, tg_len
from views.cards import hazard_card, plan_section, thread_status
from views.evidence import album
from views.keyboards import DETAILS, DETAILS_PREFIX, member_viewer
from views.records import ESCALATION_KINDS, processing_record_text

PAGE_SIZE = 10
PREFIX = "my1"  # callback data version 1: my1:<offset> (all hazards; pages sent before the filters)
VIEW_PREFIX = "my2"  # version 2: my2:<filter>:<offset>
FILTER_ROWS = ((MyFilter.ALL, MyFilter.MINE, MyFilter.OVERDUE), (MyFilter.MAJOR, MyFilter.DONE))


async def my_hazards(update: Update, context: BotContext) -> None:
    """/my: the hazards the caller may see, newest first, with filters."""
    await _send_page(update, context, MyFilter.ALL, 0)


async def turn_page(update: Update, context: BotContext) -> None:
    """◀ / ▶ or a filter button on a /my page (my1:<offset> or my2:<filter>:<offset>)."""
    query = update.callback_query
    assert query is not None
    parts = (query.data or "").split(":")
    try:
        view = MyFilter(parts[1]) if parts[0] == VIEW_PREFIX else MyFilter.ALL
        offset = int(parts[-1])
    except (IndexError, ValueError):
        await refuse_button(update, "button.invalid")
        return
    if len(parts) != (3 if parts[0] == VIEW_PREFIX else 2) or not 0 <= offset < 10**9 or offset % PAGE_SIZE:
        await refuse_button(update, "button.invalid")
        return
    if not in_private(update):  # a page of /my is for the caller's eyes only
        await refuse_button(update, "visibility.my_private_only")
        return
    await _send_page(update, context, view, offset)


def _line(services: Services, hazard: Hazard) -> Html:
    now, zone = services.now(), services.zone
    badge = badges(hazard.state, hazard.grade, hazard.deadline, now, zone)
    return t("my.line_badges", code=hazard.code, state=plain(f"state.{hazard.state}"),
             major=t("my.badge_major") if badge.major else Html(""),
             deadline=t("my.badge_deadline", deadline=deadline_cn(badge.deadline, zone)) if badge.deadline
             else Html(""),
             overdue=t("my.badge_overdue", days=badge.days_overdue) if badge.days_overdue else Html(""),
             enterprise=services.org.enterprises[hazard.enterprise_id].name, description=clip(hazard.description, 40),
             at=datetime_cn(hazard.reported_at, zone))  # fmt: skip


def _keyboard(view: MyFilter, offset: int, total: int) -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(t("my.filter_on" if f is view else "my.filter_off", name=plain(f"my.filter.{f}")),
                                  callback_data=f"{VIEW_PREFIX}:{f}:0") for f in row]
            for row in FILTER_ROWS]  # fmt: skip
    paging = []
    if offset > 0:
        paging.append(InlineKeyboardButton(t("my.previous"),
                                           callback_data=f"{VIEW_PREFIX}:{view}:{offset - PAGE_SIZE}"))
    if offset + PAGE_SIZE < total:
        paging.append(InlineKeyboardButton(t("my.next"), callback_data=f"{VIEW_PREFIX}:{view}:{offset + PAGE_SIZE}"))
    return InlineKeyboardMarkup([*rows, paging] if paging else rows)


async def _send_page(update: Update, context: BotContext, view: MyFilter, offset: int) -> None:
    member = await require_member(update, context)
    if member is None:
        return
    services = context.services
    actor = member_viewer(services.org, member)
    me = MyIds(member.telegram_id, member.unit_id, member.enterprise_id)
    hazards, total = await services.hazards.list_view(scope_of(member, services.org), view, duties(actor), me,
                                                      services.now(), PAGE_SIZE, offset)  # fmt: skip
    title = plain(f"my.filter.{view}") if view is not MyFilter.ALL else ""
    if not hazards:
        text = t(f"my.empty_{view}") if offset == 0 else t("my.no_more")
    else:
        lines = Html("\n".join(_line(services, h) for h in hazards))
        text = t("my.page", start=offset + 1, end=offset + len(hazards), total=total, lines=lines,
                 view=t("my.view", name=title) if title else Html(""))  # fmt: skip
    if update.callback_query:
        await update.callback_query.answer()
    await show_in_place(update, text, _keyboard(view, offset, total))


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
    services = context.services
    code = context.args[0][:32]
    hazard = await services.hazards.get_hazard_by_code(code)
    if hazard is None or not readers.may_view(hazard.enterprise_id, hazard.unit_ids):
        # the same answer for "no such id" and "not yours": ids of other units' hazards are not revealed
        await reply(update, t("show.not_found", code=code))
        return
    await _show_hazard(update, context, hazard)


async def show_details(update: Update, context: BotContext) -> None:
    """查看详情 under an escalation or nudge: the same as /show, in the chat where it was pressed."""
    query = update.callback_query
    assert query is not None
    member = await require_member(update, context)
    if member is None:
        return
    services = context.services
    parts = (query.data or "").split(":")
    try:
        hazard_id = int(parts[1]) if len(parts) == 3 and parts[2] == DETAILS else 0
    except ValueError:
        hazard_id = 0
    hazard = await services.hazards.get_hazard(hazard_id) if 0 < hazard_id < 2**63 else None
    # in a group the answer is read by all there: only what both the presser and the group's unit may see
    readers = await audience(update, context, member) if hazard is not None else None
    if hazard is None or readers is None or not readers.may_view(hazard.enterprise_id, hazard.unit_ids):
        await refuse_button(update, "button.invalid")
        return
    await query.answer()
    await _show_hazard(update, context, hazard)


async def _show_hazard(update: Update, context: BotContext, hazard: Hazard) -> None:
    services = context.services
    photos = await services.hazards.get_photos(hazard.id)
    after = await services.hazards.get_after_photos(hazard.id)
    threads = await services.hazards.get_threads(hazard.id)
    audit = await services.hazards.get_audit(hazard.id)
    escalations = await services.hazards.get_sent_escalations(hazard.id, ESCALATION_KINDS)
    members = {m.telegram_id: m for m in [await services.members.get_member(i) for i in
                                          {e.actor_id for e in audit} | {hazard.reporter_id}] if m is not None}
    reporter = members.get(hazard.reporter_id)
    facts = await services.lifecycle.get_facts(hazard.id)
    card = hazard_card(services.org, hazard, services.zone, len(photos), facts=facts, now=services.now(),
                       recheck_after_days=services.policy.recheck_after_days,
                       reporter=reporter.display_name if reporter else None)  # fmt: skip
    counts = t("evidence.photos_counts", before=len(photos), after=len(after))
    plan = await services.lifecycle.get_plan(hazard.id)
    plan_text = Html(f"\n\n{plan_section(plan)}") if plan or hazard.grade is Grade.MAJOR else Html("")
    reported_grade = next((Grade(str(e.data["grade_from"])) for e in audit if e.data.get("grade_from")), hazard.grade)
    lines = processing_record(hazard.reported_at, reported_grade, audit, escalations, accept_due_of(services))
    head = Html(f"{card}\n{counts}{plan_text}\n\n{thread_status(services.org, threads)}\n\n")
    record = processing_record_text(services.org, lines, members, services.zone, MESSAGE_LIMIT - tg_len(head))
    await reply(update, Html(head + record))
    message = update.effective_message
    assert message is not None
    # 整改前 / 整改后, captioned; each image by the method of its kind (a file goes back as a file), in the topic
    items = album(hazard.code, photos, after)
    if items:
        topic = message.message_thread_id if message.is_topic_message else None
        await TelegramMessenger(context.bot).send_album(Place(message.chat_id, topic), items)


def register(app: Application) -> None:
    """Add this feature's handlers."""
    app.add_handler(CommandHandler("my", my_hazards))
    app.add_handler(CommandHandler("show", show))
    app.add_handler(CallbackQueryHandler(turn_page, pattern=rf"^({PREFIX}|{VIEW_PREFIX}):"))
    app.add_handler(CallbackQueryHandler(show_details, pattern=rf"^{DETAILS_PREFIX}:"))
