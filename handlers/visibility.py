"""What may be shown where: some commands only in private chat, and in a group only what both the caller and the
group's unit may see (a group's other people read every answer there)."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Update
from telegram.constants import ChatType

from domain.members import Member, Scope, may_view, scope_of, unit_scope
from handlers.common import find_member, reply
from handlers.context import BotContext
from texts import t


def in_private(update: Update) -> bool:
    """Whether the update comes from the user's private chat with the bot."""
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


@dataclass(frozen=True, slots=True)
class Audience:
    """Who reads an answer: the caller's scope and, in a group, the scope of the unit the group is bound to."""

    caller: Scope
    group: Scope | None = None  # None: a private chat

    def may_view(self, enterprise_id: str, responsible_unit_ids: set[str]) -> bool:
        """Whether a hazard may be shown here: the caller and the group may both see it."""
        return may_view(self.caller, enterprise_id, responsible_unit_ids) and (
            self.group is None or may_view(self.group, enterprise_id, responsible_unit_ids))


async def audience(update: Update, context: BotContext, member: Member) -> Audience | None:
    """Who will read the answer to `member` here; in a group bound to no unit: None, and the caller is told (nothing
    about hazards is shown in a group that belongs to no unit)."""
    services = context.services
    caller = scope_of(member, services.org)
    if in_private(update):
        return Audience(caller)
    chat = update.effective_chat
    binding = await services.groups.get_binding_of_chat(chat.id) if chat is not None else None
    if binding is None:
        await reply(update, t("visibility.unbound_group"))
        return None
    return Audience(caller, unit_scope(services.org, binding.unit_id))


async def private_only(update: Update, context: BotContext) -> None:
    """/invite, /export, /my (and the membership commands) sent in a group: say to use the private chat; a stranger
    gets nothing."""
    message = update.effective_message
    if message is None or await find_member(update, context) is None:
        return
    command = (message.text or "").split()[0].lstrip("/").split("@")[0] if message.text else ""
    await reply(update, t("visibility.private_only", command=command))
