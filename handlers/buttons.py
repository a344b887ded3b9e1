"""The action buttons on a hazard's messages: what the viewer's role may do to it now."""

from __future__ import annotations

from dataclasses import replace

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from domain.lifecycle import Action, Actor, HazardFacts, available_actions, precheck
from domain.members import Member, Role
from domain.org import Organisation
from texts import t

PREFIX = "h1"  # callback data version: h1:<hazard id>:<action>
# 查看详情: v1:<hazard id>:details (the card and 处理记录, as /show); shaped like an action button (two colons, what
# it does last) so the outbound card refresh keeps it on earlier messages as long as it is valid
DETAILS_PREFIX = "v1"
DETAILS = "details"


def action_keyboard(facts: HazardFacts, actor: Actor) -> InlineKeyboardMarkup | None:
    """Buttons for the actions `actor` may take now; pressing is checked again on the server."""
    buttons = [
        InlineKeyboardButton(t(f"act.{action}"), callback_data=f"{PREFIX}:{facts.hazard_id}:{action}")
        for action in available_actions(facts, actor)
        if action is not Action.START_RECHECK
    ]
    return InlineKeyboardMarkup([buttons[i : i + 3] for i in range(0, len(buttons), 3)]) if buttons else None


def unit_viewer(org: Organisation, unit_id: str) -> Actor:
    """Anyone in a unit's group: buttons there are those a member of that unit may press."""
    unit = org.unit(unit_id)
    return Actor(-1, Role.MEMBER, unit_id, unit.kind if unit else None)


def member_viewer(org: Organisation, member: Member) -> Actor:
    """A member reading in private chat."""
    return Actor.of(member, org)


def follow_up_keyboard(facts: HazardFacts, actor: Actor) -> InlineKeyboardMarkup:
    """An escalation's or nudge's buttons: the actions valid now, then 查看详情 and, where a lead reads it, 催办."""
    rows = list((action_keyboard(facts, actor) or InlineKeyboardMarkup([])).inline_keyboard)
    details = f"{DETAILS_PREFIX}:{facts.hazard_id}:{DETAILS}"
    extra = [InlineKeyboardButton(t("follow_up.details"), callback_data=details)]
    # in a unit's group anyone may read it: offered when the unit's lead could press it (the press is checked again)
    lead = replace(actor, role=Role.LEAD) if actor.role is Role.MEMBER else actor
    if precheck(facts, lead, Action.URGE) is None:
        urge = f"{PREFIX}:{facts.hazard_id}:{Action.URGE}"
        extra.append(InlineKeyboardButton(t("follow_up.urge"), callback_data=urge))
    return InlineKeyboardMarkup([*rows, extra])
