"""/my on the services alone: each member sees their scope's hazards, newest first, filtered and paged."""

from __future__ import annotations

from domain.listing import MyFilter
from kernel.services import Services
from tests.usecases.conftest import MEMBER, OFFICER, finished_draft
from usecases.listing import list_mine
from usecases.reporting import file_report


async def test_each_member_lists_their_scope_newest_first(services: Services) -> None:
    for key in ("d1", "d2", "d3"):
        await file_report(services, finished_draft(services, key), OFFICER, None)
    officer, member = await services.members.get_member(OFFICER), await services.members.get_member(MEMBER)
    assert officer is not None and member is not None
    first = await list_mine(services, officer, MyFilter.ALL, 0, 2)
    assert [h.code for h in first.hazards] == ["YH-2026-000003", "YH-2026-000002"] and first.total == 3
    rest = await list_mine(services, officer, MyFilter.ALL, 2, 2)
    assert [h.code for h in rest.hazards] == ["YH-2026-000001"]
    todo = await list_mine(services, member, MyFilter.MINE, 0, 10)  # the department's 受理定级 waits on the member
    assert todo.total == 3
    assert (await list_mine(services, officer, MyFilter.MINE, 0, 10)).total == 0  # nothing for the officer to do
    assert (await list_mine(services, member, MyFilter.DONE, 0, 10)).total == 0
