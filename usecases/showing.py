"""Show a hazard (/show, 查看详情): everything the card, the 处理记录 and the 整改前/整改后 album are made of,
read at once.

Who may see which hazard is the caller's to check first (handlers.visibility: a group's readers see only what its
unit may see)."""

from __future__ import annotations

from dataclasses import dataclass

from domain.hazards import Grade, Hazard, Photo, Thread
from domain.lifecycle import HazardFacts, PlanPart
from domain.members import Member
from domain.records import RecordLine, processing_record
from kernel.services import Services
from reports.service import accept_due_of
from views.records import ESCALATION_KINDS


@dataclass(frozen=True, slots=True)
class Shown:
    """A hazard as /show presents it."""

    hazard: Hazard
    facts: HazardFacts | None
    before: list[Photo]  # the report's photos (整改前)
    after: list[Photo]  # the rectification's (整改后)
    threads: list[Thread]
    plan: dict[PlanPart, str]  # a 重大 hazard's treatment plan, as far as it is filled in
    record: list[RecordLine]  # the 处理记录: events and escalations by time, late steps marked
    members: dict[int, Member]  # everyone the record names, and the reporter

    @property
    def reporter_name(self) -> str | None:
        """The reporter's name as they joined (None once their membership is gone)."""
        reporter = self.members.get(self.hazard.reporter_id)
        return reporter.display_name if reporter else None


async def show_hazard(services: Services, hazard: Hazard) -> Shown:
    """Everything /show says about `hazard`, as it stands now."""
    hazards = services.hazards
    audit = await hazards.get_audit(hazard.id)
    escalations = await hazards.get_sent_escalations(hazard.id, ESCALATION_KINDS)
    named = {e.actor_id for e in audit} | {hazard.reporter_id}
    members = {m.telegram_id: m for m in [await services.members.get_member(i) for i in named] if m is not None}
    reported_grade = next((Grade(str(e.data["grade_from"])) for e in audit if e.data.get("grade_from")), hazard.grade)
    return Shown(
        hazard=hazard, facts=await services.lifecycle.get_facts(hazard.id),
        before=await hazards.get_photos(hazard.id), after=await hazards.get_after_photos(hazard.id),
        threads=await hazards.get_threads(hazard.id), plan=await services.lifecycle.get_plan(hazard.id),
        record=processing_record(hazard.reported_at, reported_grade, audit, escalations, accept_due_of(services)),
        members=members,
    )  # fmt: skip
