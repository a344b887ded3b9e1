"""What the decision makers need in view (issue 12 §3–5): how late a hazard is, what is expected next, and whether a
rectification photo was used before (byte-identical, or near-identical by perceptual hash).

Pure: takes `now` and data, returns values; the handlers and the outbound layer render them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from domain.hazards import Grade, State
from domain.lifecycle import HazardFacts

# Hamming distance between two 64-bit perceptual hashes (ImageHash's phash) at or under which two photos count as
# the same scene: re-encoded, resized or lightly cropped copies land within a few bits, different scenes at ~32.
NEAR_DISTANCE = 8


def days_overdue(deadline: dt.datetime | None, state: State, now: dt.datetime, zone: dt.tzinfo) -> int:
    """Calendar days past the deadline (local dates, at least 1 once past) while rectification is owed; else 0."""
    if deadline is None or state is not State.RECTIFYING or now <= deadline:
        return 0
    return max((now.astimezone(zone).date() - deadline.astimezone(zone).date()).days, 1)


class NextStep(StrEnum):
    """What is expected next of whom; each has a line on the card (card.next.*)."""

    ACCEPT = "reported"  # the department accepts and grades
    RECTIFY = "rectifying"  # the enterprise rectifies and submits
    VERIFY = "awaiting_verification"  # the department verifies
    PLAN_THEN_VERIFY = "awaiting_plan"  # 重大: the plan's missing parts first, then 验收
    RECHECK_DUE = "closed"  # the 回头看 falls due on its date
    RECHECK = "recheck"  # the department or township rechecks
    NONE = "archived"  # nothing: archived


def next_step(facts: HazardFacts) -> NextStep:
    """The next expected action on the hazard as it stands."""
    match facts.state:
        case State.REPORTED:
            return NextStep.ACCEPT
        case State.RECTIFYING:
            return NextStep.RECTIFY
        case State.AWAITING_VERIFICATION:
            major_unplanned = facts.grade is Grade.MAJOR and facts.missing_plan_parts
            return NextStep.PLAN_THEN_VERIFY if major_unplanned else NextStep.VERIFY
        case State.CLOSED:
            return NextStep.RECHECK_DUE
        case State.RECHECK:
            return NextStep.RECHECK
    return NextStep.NONE


class Match(StrEnum):
    """How a rectification photo matches an earlier one."""

    EXACT = "exact"  # the same bytes (SHA-256)
    NEAR = "near"  # a near-duplicate (perceptual hash within NEAR_DISTANCE)


@dataclass(frozen=True, slots=True)
class StoredPhoto:
    """A photo already on file: whose, of which stage, and its content and perceptual hashes."""

    hazard_id: int
    code: str
    stage: str  # report, submit:<event>, rebound:<event> …
    sha256: str
    phash: int | None


@dataclass(frozen=True, slots=True)
class Reuse:
    """The n-th new photo (1-based) matches a photo of `code` (the same hazard when `same_hazard`)."""

    n: int
    hazard_id: int
    code: str
    same_hazard: bool
    match: Match
    distance: int

    def as_data(self) -> dict[str, object]:
        """For the audit event's data."""
        return {"n": self.n, "hazard_id": self.hazard_id, "code": self.code, "same_hazard": self.same_hazard,
                "match": self.match.value, "distance": self.distance}  # fmt: skip


def _comparable(photo: StoredPhoto, hazard_id: int) -> bool:
    """Another hazard's photo of any stage; of the same hazard, what showed the problem (not an earlier 整改后)."""
    return photo.hazard_id != hazard_id or not photo.stage.startswith("submit:")


def find_reuse(hazard_id: int, new: Sequence[tuple[str, int | None]], stored: Iterable[StoredPhoto]) -> list[Reuse]:
    """For each new photo (sha256, phash), its closest earlier photo if byte-identical or near-identical.

    Compared with the same hazard's report (and rebound) photos and every other hazard's photos. One finding per new
    photo: an exact match before a near one, the closest near one, the lowest hazard id on a tie.
    """
    best: dict[int, Reuse] = {}
    for photo in stored:
        if not _comparable(photo, hazard_id):
            continue
        for n, (sha, phash) in enumerate(new, 1):
            if sha == photo.sha256:
                found = Reuse(n, photo.hazard_id, photo.code, photo.hazard_id == hazard_id, Match.EXACT, 0)
            elif phash is not None and photo.phash is not None:
                distance = (phash ^ photo.phash).bit_count()
                if distance > NEAR_DISTANCE:
                    continue
                found = Reuse(n, photo.hazard_id, photo.code, photo.hazard_id == hazard_id, Match.NEAR, distance)
            else:
                continue
            held = best.get(n)
            if held is None or (found.match is Match.EXACT, -found.distance, -found.hazard_id) > (
                held.match is Match.EXACT, -held.distance, -held.hazard_id
            ):
                best[n] = found
    return [best[n] for n in sorted(best)]
