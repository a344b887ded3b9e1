"""Looking things up: /my (paged list of hazards in scope) and /show <id> (card, photos, timeline)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from domain.hazards import Grade, Hazard
from domain.listing import MyFilter, badges
from handlers.common import refuse_button, reply, require_member, show_in_place
from handlers.context import BotContext
from handlers.visibility import audience, in_private
from kernel.services import Services
from messenger.port import Place
from messenger.telegram import TelegramMessenger
from texts import Html, plain, t
from texts.dates import datetime_cn, deadline_cn
from texts.limits import MESSAGE_LIMIT, clip, tg_len
from usecases.listing import list_mine
from usecases.showing import show_hazard
from views.callbacks import Details, MyPage, decode
from views.cards import hazard_card, plan_section, thread_status
from views.evidence import album
from views.records import processing_record_text

PAGE_SIZE = 10
FILTER_ROWS = ((MyFilter.ALL, MyFilter.MINE, MyFilter.OVERDUE), (MyFilter.MAJOR, MyFilter.DONE))


async def my_hazards(update: Update, context: BotContext) -> None:
    """/my: the hazards the caller may see, newest first, with filters."""
    await _send_page(update, context, MyFilter.ALL, 0)


async def turn_page(update: Update, context: BotContext) -> None:
    """◀ / ▶ or a filter button on a /my page (my1:<offset> or my2:<filter>:<offset>)."""
    query = update.callback_query
    assert query is not None
    page = decode(query.data)
    if not isinstance(page, MyPage) or page.offset % PAGE_SIZE:
        await refuse_button(update, "button.invalid")
        return
    view, offset = page.view, page.offset
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
                                  callback_data=MyPage(f, 0).encode()) for f in row]
            for row in FILTER_ROWS]  # fmt: skip
    paging = []
    if offset > 0:
        paging.append(InlineKeyboardButton(t("my.previous"),
                                           callback_data=MyPage(view, offset - PAGE_SIZE).encode()))
    if offset + PAGE_SIZE < total:
        paging.append(InlineKeyboardButton(t("my.next"), callback_data=MyPage(view, offset + PAGE_SIZE).encode()))
    return InlineKeyboardMarkup([*rows, paging] if paging else rows)


async def _send_page(update: Update, context: BotContext, view: MyFilter, offset: int) -> None:
    member = await require_member(update, context)
    if member is None:
        return
    services = context.services
    page = await list_mine(services, member, view, offset, PAGE_SIZE)
    hazards, total = page.hazards, page.total
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
    button = decode(query.data)
    hazard = await services.hazards.get_hazard(button.hazard_id) if isinstance(button, Details) else None
    # in a group the answer is read by all there: only what both the presser and the group's unit may see
    readers = await audience(update, context, member) if hazard is not None else None
    if hazard is None or readers is None or not readers.may_view(hazard.enterprise_id, hazard.unit_ids):
        await refuse_button(update, "button.invalid")
        return
    await query.answer()
    await _show_hazard(update, context, hazard)


async def _show_hazard(update: Update, context: BotContext, hazard: Hazard) -> None:
    services = context.services
    shown = await show_hazard(services, hazard)
    card = hazard_card(services.org, hazard, services.zone, len(shown.before), facts=shown.facts, now=services.now(),
                       recheck_after_days=services.policy.recheck_after_days, reporter=shown.reporter_name)
    counts = t("evidence.photos_counts", before=len(shown.before), after=len(shown.after))
    plan_text = Html(f"\n\n{plan_section(shown.plan)}") if shown.plan or hazard.grade is Grade.MAJOR else Html("")
    head = Html(f"{card}\n{counts}{plan_text}\n\n{thread_status(services.org, shown.threads)}\n\n")
    record = processing_record_text(services.org, shown.record, shown.members, services.zone,
                                    MESSAGE_LIMIT - tg_len(head))  # fmt: skip
    await reply(update, Html(head + record))
    message = update.effective_message
    assert message is not None
    # 整改前 / 整改后, captioned; each image by the method of its kind (a file goes back as a file), in the topic
    items = album(hazard.code, shown.before, shown.after)
    if items:
        topic = message.message_thread_id if message.is_topic_message else None
        await TelegramMessenger(context.bot).send_album(Place(message.chat_id, topic), items)


def register(app: Application) -> None:
    """Add this feature's handlers."""
    app.add_handler(CommandHandler("my", my_hazards))
    app.add_handler(CommandHandler("show", show))
    app.add_handler(CallbackQueryHandler(turn_page, pattern=rf"^({MyPage.LEGACY}|{MyPage.PREFIX}):"))
    app.add_handler(CallbackQueryHandler(show_details, pattern=rf"^{Details.PREFIX}:"))
