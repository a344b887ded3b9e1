"""File a report: a finished draft becomes a numbered hazard routed to its two units (管行业必须管安全: the category's
industry department; 属地管理: the enterprise's township), its photos kept and its 受理 clock planned."""

from __future__ import annotations

from dataclasses import dataclass

from domain.hazards import Draft, Hazard, Step
from kernel.services import Services
from storage.hazards import NewReport


@dataclass(frozen=True, slots=True)
class Filed:
    """The filed hazard; `created` False when this draft had been filed before (a double-tapped 提交)."""

    hazard: Hazard
    created: bool


async def file_report(services: Services, draft: Draft, reporter_id: int, update_id: int | None) -> Filed:
    """File a draft whose every question is answered, once: its staged photos kept for good, the hazard numbered in
    the local year and routed, the 受理 reminders planned in the same transaction; the staging folder emptied."""
    if draft.next_step() is not Step.CONFIRM or draft.category_id is None:
        raise ValueError(f"draft {draft.key} is not finished")
    draft.photos = [services.media.commit(p) for p in draft.photos]
    hazard, created = await services.hazards.file_report(NewReport(
        draft=draft, reporter_id=reporter_id,
        township_id=services.org.enterprises[draft.enterprise_id].township_id,
        department_id=services.org.categories[draft.category_id].department_id,
        year=services.local_now().year, now=services.now(), update_id=update_id, plan=services.planner()))  # fmt: skip
    services.media.discard(draft.key)
    return Filed(hazard, created)
