"""Buttons as neutral models: what the viewer's role may do to a hazard now, for every messenger alike.

A keyboard is rows of buttons, each a label and the callback data the press sends back (at most 64 bytes: Telegram's
limit, and small enough for any messenger's card value). Each messenger adapter renders it (messenger.telegram:
inline keyboards).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from domain.lifecycle import Action, Actor, HazardFacts, available_actions, precheck
from domain.members import Member, Role
from domain.org import Organisation
from texts import t
from views.callbacks import Details, HazardAction, decode

PER_ROW = 3


@dataclass(frozen=True, slots=True)
class Button:
    """A button: its label and the data its press sends back."""

    label: str
    data: str


Keyboard = tuple[tuple[Button, ...], ...]  # rows of buttons


def rows_of(buttons: Sequence[Button], per_row: int = PER_ROW) -> Keyboard:
    """The buttons laid out `per_row` to a row."""
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))


def action_keyboard(facts: HazardFacts, actor: Actor) -> Keyboard | None:
    """Buttons for the actions `actor` may take now; pressing is checked again on the server."""
    buttons = [
        Button(t(f"act.{action}"), HazardAction(facts.hazard_id, action).encode())
        for action in available_actions(facts, actor)
        if action is not Action.START_RECHECK
    ]
    return rows_of(buttons) if buttons else None


def unit_viewer(org: Organisation, unit_id: str) -> Actor:
    """Anyone in a unit's group: buttons there are those a member of that unit may press."""
    unit = org.unit(unit_id)
    return Actor(-1, Role.MEMBER, unit_id, unit.kind if unit else None)


def member_viewer(org: Organisation, member: Member) -> Actor:
    """A member reading in private chat."""
    return Actor.of(member, org)


def follow_up_keyboard(facts: HazardFacts, actor: Actor) -> Keyboard:
    """An escalation's or nudge's buttons: the actions valid now, then 查看详情 and, where a lead reads it, 催办."""
    rows = action_keyboard(facts, actor) or ()
    # 查看详情 (the card and 处理记录, as /show): shaped like an action button (what it does last), so the card refresh
    # keeps it on earlier messages as long as it is valid
    extra = [Button(t("follow_up.details"), Details(facts.hazard_id).encode())]
    # in a unit's group anyone may read it: offered when the unit's lead could press it (the press is checked again)
    lead = replace(actor, role=Role.LEAD) if actor.role is Role.MEMBER else actor
    if precheck(facts, lead, Action.URGE) is None:
        extra.append(Button(t("follow_up.urge"), HazardAction(facts.hazard_id, Action.URGE).encode()))
    return (*rows, tuple(extra))


def _action(button: Button) -> str | None:
    """What a hazard's button does: its action, or details (查看详情); None for any other button."""
    match decode(button.data):
        case HazardAction(action=action):
            return action.value
        case Details():
            return Details.WHAT
    return None


def actions_of(keyboard: Keyboard) -> list[str]:
    """The actions a hazard's keyboard offers (and 查看详情), in the order shown."""
    return [what for row in keyboard for b in row if (what := _action(b)) is not None]


def only(keyboard: Keyboard | None, actions: Sequence[str]) -> Keyboard | None:
    """The buttons of `keyboard` (what is valid now) for these actions, laid out three to a row as they were."""
    if keyboard is None or not actions:
        return None
    kept = [b for row in keyboard for b in row if _action(b) in actions]
    return rows_of(kept) if kept else None
