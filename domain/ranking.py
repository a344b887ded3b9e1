"""The monthly ranking (一月一排名) of departments and of townships.

Each unit gets six components in [0, 1], from its figures for the month and its enterprises'
self-checks; the score is their weighted mean, times 100, over the components the unit has data
for (a unit that verified nothing this month is judged on the rest, not given full or zero marks).

=====================  ======  ==============================================================
component              weight  value
=====================  ======  ==============================================================
on-time rectification  0.25    rectified on time / rectified in the month
on-time acceptance     0.20    accepted in time / (accepted + still unaccepted past the limit)
overdue                0.20    1 − min((overdue + unaccepted past the 受理 limit) at month end
                               / enterprises, 1)
rebound                0.10    1 − rebounds / rechecks done in the month
speed                  0.05    1 − min(average days to 销号 / 30, 1)
self-check compliance  0.20    self-checks made by the deadline / (enterprises × weeks)
=====================  ======  ==============================================================

Leaving a report alone must never pay (issue 12): a hazard still unaccepted past its 受理 limit counts
in the overdue component exactly like an overdue rectification, and on top of that it lowers the
acceptance component, where it cannot hide as "no data" the way an unworked hazard hides from the
on-time and speed components.

"enterprises" is the number of enterprises the unit answers for (a township: those located in
it; a department: those of its industries), at least 1: overdue hazards are counted per
enterprise so that a big township is not punished for being big, and the rates are rates already.
Ties are broken by fewer overdue hazards per enterprise, then by the org file's order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain.statistics import Compliance, Figures

__all__ = ["SPEED_SCALE_DAYS", "WEIGHTS", "UnitInput", "UnitScore", "rank_units"]

WEIGHTS = {"on_time": 0.25, "acceptance": 0.20, "overdue": 0.20, "rebound": 0.10, "speed": 0.05, "selfcheck": 0.20}
SPEED_SCALE_DAYS = 30.0  # an average of this many days to 销号 or more scores 0 for speed


@dataclass(frozen=True, slots=True)
class UnitInput:
    """What the ranking needs of one unit."""

    unit_id: str
    enterprises: int
    figures: Figures
    selfcheck: Compliance


@dataclass(frozen=True, slots=True)
class UnitScore:
    """One unit's place in the ranking."""

    unit_id: str
    rank: int
    score: float | None  # None: no data at all this month
    enterprises: int
    on_time_rate: float | None
    overdue: int
    overdue_per_enterprise: float
    rebound_rate: float | None
    average_days_to_close: float | None
    selfcheck_rate: float | None
    components: dict[str, float]
    not_accepted_in_time: int = 0  # 未按时受理
    acceptance_rate: float | None = None


def _components(unit: UnitInput) -> tuple[dict[str, float], float]:
    f = unit.figures
    per_enterprise = (f.overdue + f.unaccepted_overdue) / max(unit.enterprises, 1)
    # a unit with no enterprises and nothing open has no overdue figure to be judged on
    answerable = unit.enterprises > 0 or f.open > 0 or f.overdue > 0
    parts: dict[str, float | None] = {
        "on_time": f.on_time_rate,
        "acceptance": f.acceptance_rate,
        "overdue": 1 - min(per_enterprise, 1.0) if answerable else None,
        "rebound": None if f.rebound_rate is None else 1 - f.rebound_rate,
        "speed": None if f.average_days_to_close is None
        else 1 - min(f.average_days_to_close / SPEED_SCALE_DAYS, 1.0),
        "selfcheck": unit.selfcheck.rate,
    }
    return {k: v for k, v in parts.items() if v is not None}, per_enterprise


def score_of(components: dict[str, float]) -> float | None:
    """100 × the weighted mean of the components present (None when none is)."""
    weight = sum(WEIGHTS[k] for k in components)
    if not weight:
        return None
    return 100 * sum(WEIGHTS[k] * v for k, v in components.items()) / weight


def rank_units(units: Sequence[UnitInput]) -> list[UnitScore]:
    """The units best first; equal scores (to 0.1) share a rank."""
    scored = []
    for position, unit in enumerate(units):
        components, per_enterprise = _components(unit)
        score = score_of(components)
        scored.append((position, unit, components, per_enterprise, score))
    scored.sort(key=lambda s: (s[4] is None, -round(s[4] or 0, 1), s[3], s[0]))
    ranked: list[UnitScore] = []
    for index, (_, unit, components, per_enterprise, score) in enumerate(scored):
        previous = ranked[-1] if ranked else None
        same = previous is not None and previous.score is not None and score is not None \
            and round(previous.score, 1) == round(score, 1)
        rank = previous.rank if same and previous else index + 1
        f = unit.figures
        ranked.append(UnitScore(
            unit.unit_id, rank, score, unit.enterprises, f.on_time_rate, f.overdue, per_enterprise,
            f.rebound_rate, f.average_days_to_close, unit.selfcheck.rate, components, f.not_accepted_in_time,
            f.acceptance_rate,
        ))  # fmt: skip
    return ranked
