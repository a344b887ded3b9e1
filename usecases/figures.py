"""/stats for every messenger alike: this week's and this month's figures in the person's scope (enterprise, unit or
the county) — in a group, of what both the person and the group's unit may see, when that is one scope."""

from __future__ import annotations

from domain.members import Member, common_scope
from kernel.services import Services
from reports.service import stats_message
from texts import t
from usecases.lookup import Audience
from usecases.talk import Talk


async def stats(services: Services, talk: Talk, member: Member, readers: Audience) -> None:
    """The figures; a unit's leads and the 安委办 also get one row per enterprise or unit."""
    scope = readers.caller if readers.group is None else common_scope(readers.caller, readers.group)
    if scope is None:
        await talk.say(t("visibility.stats_elsewhere"))
        return
    await talk.say(await stats_message(services, member, scope))
