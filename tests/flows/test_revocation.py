"""Roles can be taken away and links do not leak (issue 13, part 4): removing members, revoking invites, the
configured admins as the truth, private-only commands, what a group may see, and answers that belong to the chat
and topic where their question was asked."""

from __future__ import annotations

import sqlite3
from typing import Any

from tests.flows.conftest import World
from tests.flows.test_lifecycle import answer, events, file_hazard, press
from tests.flows.test_report import buttons, ready


def rows(world: World, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with sqlite3.connect(world.database()) as conn:
        return conn.execute(sql, params).fetchall()


async def test_a_line_in_another_group_is_not_the_answer_to_a_question_asked_elsewhere(world: World) -> None:
    """The admin opened 移送 in the department's topic, then in the township's group; a chat line in the department
    group's General topic is not the township question's reason (it used to be, and moved the hazard)."""
    await ready(world)
    card, town_card = await file_hazard(world)
    await press(world, world.admin, card, "移送")  # its question waits in the department's topic …
    await world.until(world.dept_group.id, "移送的单位")
    await press(world, world.admin, town_card, "移送")  # … and this one in the township's group (no topics)
    units = await world.until(world.town_group.id, "移送的单位")
    await press(world, world.admin, units, "县应急管理局")
    await world.until(world.town_group.id, "理由")
    await world.api.send_text(world.admin, "大家下午好", chat=world.dept_group)  # the General topic
    await world.api.expect_nothing(world.dept_group.id)
    await world.api.expect_nothing(world.town_group.id)
    assert [a for a, _ in events(world)] == ["report"]
    assert rows(world, "SELECT department_id FROM hazards") == [("xfdd",)]
    done = await answer(world, world.admin, world.town_group, "属危化品储存")  # the answer where it was asked
    assert "已完成：移送" in done["plain_text"]
    assert rows(world, "SELECT reason FROM events WHERE action = 'transfer'") == [("属危化品储存",)]
    assert buttons(card)
