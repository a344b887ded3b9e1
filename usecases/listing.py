"""List my hazards (/my): a page of the hazards the member's scope covers, under one of the filters (待我处理, 逾期,
重大, 已办结), read through the indexes (storage.hazards.list_view), newest first."""

from __future__ import annotations

from dataclasses import dataclass

from domain.hazards import Hazard
from domain.lifecycle import Actor
from domain.listing import MyFilter, duties
from domain.members import Member, scope_of
from kernel.services import Services
from storage.hazards import MyIds


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a member's list and how many the filter finds in all."""

    hazards: list[Hazard]
    total: int


async def list_mine(services: Services, member: Member, view: MyFilter, offset: int, size: int) -> Page:
    """The page at `offset` of the hazards `member` may see that the filter `view` keeps."""
    actor = Actor.of(member, services.org)
    me = MyIds(member.telegram_id, member.unit_id, member.enterprise_id)
    hazards, total = await services.hazards.list_view(scope_of(member, services.org), view, duties(actor), me,
                                                      services.now(), size, offset)  # fmt: skip
    return Page(hazards, total)
