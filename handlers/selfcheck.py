"""每周自查自报: the officer's weekly self-check — link this week's reports, or one tap for 零报告."""

from __future__ import annotations

import datetime as dt

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from domain.members import Role
from domain.periods import Period, week_of
from domain.schedule import selfcheck_times, selfcheck_week
from handlers.common import refuse_button, reply, require_member, show_in_place
from handlers.context import BotContext
from kernel.services import Services
from messenger.telegram import markup
from reports.service import selfchecks_of
from reports.text import period_label
from texts import Html, t
from texts.dates import datetime_cn
from views.callbacks import SelfCheckChoice, decode
from views.selfcheck import MAX_CODES, selfcheck_prompt


async def selfcheck_command(update: Update, context: BotContext) -> None:
    """/selfcheck: the self-check of the week now open, for an enterprise's safety officer."""
    member = await require_member(update, context)
    if member is None:
        return
    if member.role is not Role.OFFICER or member.enterprise_id is None:
        await reply(update, t("selfcheck.officers_only"))
        return
    services = context.services
    week = selfcheck_week(services.now(), services.schedule, services.calendar, services.zone)
    made = await selfchecks_of(services).get(member.enterprise_id, week.start)
    if made is not None:
        await reply(update, _already(services, week, made.submitted_at, made.zero, made.hazards))
        return
    text, keyboard = await selfcheck_prompt(services, member.enterprise_id, week)
    await reply(update, text, markup(keyboard))


def _already(services: Services, week: Period, at: dt.datetime, zero: bool, count: int) -> Html:
    what = t("selfcheck.what_zero") if zero else t("selfcheck.what_found", count=count)
    return t("selfcheck.already", period=period_label(week), at=datetime_cn(at, services.zone), what=what)


async def submit_selfcheck(update: Update, context: BotContext) -> None:
    """零报告 or 报送本周隐患 pressed: record the week's self-check once."""
    query = update.callback_query
    assert query is not None
    pressed = decode(query.data)
    if not isinstance(pressed, SelfCheckChoice):
        await refuse_button(update, "button.invalid")
        return
    week, choice = week_of(pressed.week_start), pressed.choice
    member = await require_member(update, context)
    if member is None:
        return
    services = context.services
    now, zone = services.now(), services.zone
    if member.role is not Role.OFFICER or member.enterprise_id is None:
        await refuse_button(update, "selfcheck.officers_only")
        return
    if choice not in ("link", "zero") or week.start > now.astimezone(zone).date():
        await refuse_button(update, "button.invalid")
        return
    checks = selfchecks_of(services)
    found = await checks.get_week_hazards(member.enterprise_id, week.start_at(zone), week.end_at(zone))
    if choice == "zero" and found:
        await query.answer(t("selfcheck.zero_refused", count=len(found)), show_alert=True)
        return
    if choice == "link" and not found:
        await refuse_button(update, "selfcheck.changed")
        return
    made, created = await checks.submit(member.enterprise_id, week.start, [h.id for h in found], member.telegram_id,
                                        now)  # fmt: skip
    await query.answer()
    if not created:
        await show_in_place(update, _already(services, week, made.submitted_at, made.zero, made.hazards))
        return
    _, deadline = selfcheck_times(week, services.schedule, services.calendar, zone)
    late = t("selfcheck.late_note") if now > deadline else Html("")
    if made.zero:
        text = t("selfcheck.done_zero", period=period_label(week), late=late)
    else:
        text = t("selfcheck.done_found", period=period_label(week), count=len(found),
                 codes="、".join(h.code for h in found[:MAX_CODES]), late=late)  # fmt: skip
    await show_in_place(update, text)


def register(app: Application) -> None:
    """Add this feature's handlers."""
    app.add_handler(CommandHandler("selfcheck", selfcheck_command))
    app.add_handler(CallbackQueryHandler(submit_selfcheck, pattern=rf"^{SelfCheckChoice.PREFIX}:"))
