"""/export [period]: the hazard ledger of the caller's scope as Excel (with the quarterly table) and CSV.

The files are built in the background (a task of the application's, the heavy part in a worker process), so the
update is done at once and the caller's next message, and everyone else's, is answered meanwhile. One export at a
time per user, and at most one per HAZARD_EXPORT_COOLDOWN_SECONDS.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from telegram import Message, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import Application, CommandHandler

from domain.members import Scope, scope_of
from domain.periods import FIRST_YEAR, LAST_YEAR, Period, PeriodProblem, month_of, parse_period
from handlers.common import reply, require_member
from handlers.context import BotContext
from handlers.guard import refused
from kernel.services import Services
from reports.service import export_files
from reports.text import period_label, scope_label
from texts import t

log = logging.getLogger(__name__)

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
        await reply(update, t(f"period.problem.{period}", text=text, first=FIRST_YEAR, last=LAST_YEAR))
        return
    guards, user_id = services.guards, member.telegram_id
    if user_id in guards.exporting:
        await reply(update, t("guard.export_running"))
        return
    if await refused(update, context, guards.export):
        return
    await message.reply_chat_action(ChatAction.UPLOAD_DOCUMENT)
    guards.exporting.add(user_id)
    # a failure reaches the error handler with this update, which tells the user
    context.application.create_task(send_export(services, message, scope_of(member, services.org), period, user_id),
                                    update=update, name=f"export:{user_id}")


async def send_export(services: Services, message: Message, scope: Scope, period: Period, user_id: int) -> None:
    """Build the ledger files (in the worker process, a chunk at a time) with a progress message edited as they
    grow (行数 / 百分比), then send them in reply to the /export message."""
    what = {"scope": scope_label(services.org, scope), "period": period_label(period)}
    status = await message.reply_text(t("export.progress_start", **what), do_quote=False)

    async def progress(done: int, total: int) -> None:
        percent = 100 * done // total if total else 100
        try:
            await status.edit_text(t("export.progress", done=done, total=total, percent=percent, **what))
        except TelegramError as exc:  # a progress line that did not change or could not be edited: the files come
            log.info("export progress not shown: %s", exc)

    try:
        with tempfile.TemporaryDirectory(prefix="export-") as folder:
            files = await export_files(services, scope, period, Path(folder), progress)
            await status.edit_text(t("export.progress_done", count=files.count, **what))
            caption = t("export.caption", count=files.count, **what)
            await message.reply_document(files.xlsx, filename=f"{files.name}.xlsx", caption=caption, do_quote=False)
            await message.reply_document(files.csv, filename=f"{files.name}.csv", caption=t("export.caption_csv"),
                                         do_quote=False)
    finally:
        services.guards.exporting.discard(user_id)


def register(app: Application) -> None:
    """Add this feature's handlers."""
    app.add_handler(CommandHandler("export", export))
