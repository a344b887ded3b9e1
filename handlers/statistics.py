"""/stats: this week's and this month's figures in the caller's scope (enterprise, unit, or the county)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from domain.members import common_scope
from handlers.common import reply, require_member
from handlers.context import BotContext
from handlers.visibility import audience
from reports.service import stats_message
from texts import t


async def stats(update: Update, context: BotContext) -> None:
    """/stats: the figures; a unit's leads and the 安委办 also get one row per enterprise or unit."""
    member = await require_member(update, context)
    if member is None:
        return
    readers = await audience(update, context, member)
    if readers is None:
        return
    # in a group: the figures of what both the caller and the group's unit may see, when that is one scope
    scope = readers.caller if readers.group is None else common_scope(readers.caller, readers.group)
    if scope is None:
        await reply(update, t("visibility.stats_elsewhere"))
        return
    await reply(update, await stats_message(context.services, member, scope))


def register(app: Application) -> None:
    """Add this feature's handlers."""
    app.add_handler(CommandHandler("stats", stats))
