"""/status for admins: is the bot keeping up — the outbox, the last sweep, failed sends, the database."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from handlers.common import reply, require_admin
from handlers.context import BotContext
from texts import plain, t
from texts.dates import datetime_cn


async def status(update: Update, context: BotContext) -> None:
    """/status: the outbox and the database at a glance."""
    if await require_admin(update, context) is None:
        return
    services = context.services
    counts = await services.lifecycle.get_outbox_status(services.now())
    path = services.settings.database_path
    size = sum(p.stat().st_size for p in (path, path.with_name(path.name + "-wal")) if p.exists())
    last = datetime_cn(services.last_sweep, services.zone) if services.last_sweep else plain("status.never")
    await reply(update, t("status.report", last_sweep=last, size=f"{size / 1024 / 1024:.1f}", **counts))


def register(app: Application) -> None:
    """Add /status."""
    app.add_handler(CommandHandler("status", status))
