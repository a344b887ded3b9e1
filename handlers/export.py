"""/export [period]: the hazard ledger of the caller's scope as Excel (with the quarterly table) and CSV."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatAction
from telegram.ext import Application, CommandHandler

from bot.context import BotContext
from domain.members import scope_of
from domain.periods import PeriodProblem, month_of, parse_period
from handlers.common import reply, require_member
from reports.service import export_files
from reports.text import period_label, scope_label
from texts import t

MAX_PERIOD_TEXT = 40


async def export(update: Update, context: BotContext) -> None:
    """/export [本周|上月|本季度|2026年11月|日期范围]: this month by default."""
    member = await require_member(update, context)
    message = update.effective_message
    if member is None or message is None:
        return
    services = context.services
    today = services.local_now().date()
    text = " ".join(context.args or [])[:MAX_PERIOD_TEXT]
    period = parse_period(text, today) if text else month_of(today)
    if isinstance(period, PeriodProblem):
        await reply(update, t(f"period.problem.{period}", text=text))
        return
    scope = scope_of(member, services.org)
    await message.reply_chat_action(ChatAction.UPLOAD_DOCUMENT)
    files = await export_files(services, scope, period)
    caption = t("export.caption", scope=scope_label(services.org, scope), period=period_label(period),
                count=files.count)  # fmt: skip
    await message.reply_document(files.xlsx, filename=f"{files.name}.xlsx", caption=caption, do_quote=False)
    await message.reply_document(files.csv, filename=f"{files.name}.csv", caption=t("export.caption_csv"),
                                 do_quote=False)


def register(app: Application) -> None:
    """Add this feature's handlers."""
    app.add_handler(CommandHandler("export", export))
