"""/major: the 挂牌督办清单 — open 重大 hazards with deadline, plan progress and days overdue (安委办 and admins)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from domain.evidence import days_overdue
from domain.lifecycle import PlanPart
from handlers.common import reply, require_member
from handlers.context import BotContext
from handlers.visibility import audience
from texts import Html, plain, t
from texts.limits import clip
from views.notices import deadline_text

LIMIT = 30  # lines in one message; the ledger (/export) has them all


async def major_list(update: Update, context: BotContext) -> None:
    """/major: the open 重大 hazards, soonest deadline first; only the 安委办 and admins see the county's list."""
    member = await require_member(update, context)
    if member is None:
        return
    readers = await audience(update, context, member)
    if readers is None:
        return
    if not readers.caller.everything or (readers.group is not None and not readers.group.everything):
        # the county's list: for the 安委办 and admins, in private chat or in the 安委办's own group
        await reply(update, t("evidence.major_only"))
        return
    services = context.services
    hazards, total = await services.hazards.list_open_major(LIMIT)
    if not hazards:
        await reply(update, t("evidence.major_empty"))
        return
    lines = []
    for hazard, done in hazards:
        overdue = days_overdue(hazard.deadline, hazard.state, services.now(), services.zone)
        lines.append(t(
            "evidence.major_line", code=hazard.code, enterprise=services.org.enterprises[hazard.enterprise_id].name,
            description=clip(hazard.description, 30), state=plain(f"state.{hazard.state}"),
            deadline=deadline_text(hazard.deadline, services.zone),
            overdue=t("evidence.major_overdue", days=overdue) if overdue else Html(""), done=done, total=len(PlanPart),
        ))  # fmt: skip
    more = t("evidence.major_more", count=total - len(hazards)) if total > len(hazards) else Html("")
    await reply(update, Html(t("evidence.major_page", count=total, lines=Html("\n".join(lines))) + more))


def register(app: Application) -> None:
    """Add /major."""
    app.add_handler(CommandHandler("major", major_list))
