"""/my's views: the filters officials ask for (待我处理, 逾期, 重大, 已办结) and each hazard's badges.

待我处理 is read from the lifecycle's permission table: for each way the caller can stand to a hazard (its
enterprise's officer, its department, its township, or the 安委办 over all), the actions the table gives them; storage
turns those into SQL so a page costs a page. 移送 is left out: every responsible unit may always move an open hazard,
so counting it would make every open hazard "waiting for me" and the filter useless; 催办 is pressing others to act.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from enum import StrEnum

from domain.hazards import Grade, State
from domain.lifecycle import Action, Actor, HazardFacts, may


class MyFilter(StrEnum):
    """The /my filters; the values go into callback data."""

    ALL = "all"
    MINE = "todo"  # 待我处理
    OVERDUE = "late"  # 逾期
    MAJOR = "major"  # 重大 (still open)
    DONE = "done"  # 已办结: 已销号 or 已归档


class Relation(StrEnum):
    """How the caller stands to a hazard."""

    ENTERPRISE = "enterprise"  # a safety officer of its enterprise
    DEPARTMENT = "department"  # a member or lead of its industry department
    TOWNSHIP = "township"  # a member or lead of its township
    ANY = "any"  # whoever acts on every hazard (the 安委办)


DONE_STATES = frozenset({State.CLOSED, State.ARCHIVED})
_NOT_DUTIES = frozenset({Action.TRANSFER, Action.START_RECHECK, Action.URGE})  # 催办 presses others to act
_NOBODY = "\x00"  # a unit or enterprise id no one has: the probe facts relate the actor to nothing else


def duties(actor: Actor) -> dict[Relation, frozenset[Action]]:
    """For each relation, the actions the permission table gives the actor (beyond those it has on any hazard)."""
    nobody = HazardFacts(hazard_id=0, state=State.REPORTED, grade=Grade.GENERAL, enterprise_id=_NOBODY,
                         department_id=_NOBODY, township_id=_NOBODY, reporter_id=0)
    probes = {
        Relation.ANY: nobody,
        Relation.ENTERPRISE: replace(nobody, enterprise_id=actor.enterprise_id or _NOBODY),
        Relation.DEPARTMENT: replace(nobody, department_id=actor.unit_id or _NOBODY),
        Relation.TOWNSHIP: replace(nobody, township_id=actor.unit_id or _NOBODY),
    }
    found: dict[Relation, frozenset[Action]] = {}
    for relation, facts in probes.items():
        actions = frozenset(a for a in Action if a not in _NOT_DUTIES and may(actor, a, facts))
        found[relation] = actions - found.get(Relation.ANY, frozenset())
    return {relation: actions for relation, actions in found.items() if actions}


def days_overdue(state: State, deadline: dt.datetime | None, now: dt.datetime, zone: dt.tzinfo) -> int:
    """Local days a rectification is past its deadline (0: not overdue), as the nudges and statistics count."""
    if state is not State.RECTIFYING or deadline is None or deadline >= now:
        return 0
    return max(1, (now.astimezone(zone).date() - deadline.astimezone(zone).date()).days)


@dataclass(frozen=True, slots=True)
class Badges:
    """What a /my line shows beside the hazard: its state, deadline and days overdue."""

    state: State
    deadline: dt.datetime | None
    days_overdue: int
    major: bool


def badges(state: State, grade: Grade, deadline: dt.datetime | None, now: dt.datetime, zone: dt.tzinfo) -> Badges:
    """The badges of one hazard now (a closed hazard's deadline is history, not a badge)."""
    shown = deadline if state not in DONE_STATES and state is not State.REPORTED else None
    return Badges(state, shown, days_overdue(state, deadline, now, zone), grade is Grade.MAJOR)
