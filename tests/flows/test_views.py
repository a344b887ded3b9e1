"""Records and views officials expect (issue 12 §6): 上报人 and weekdays on cards, /show's 处理记录, /my's badges and
filters, escalations that name who is responsible and offer 查看详情 and 催办."""

from __future__ import annotations

from tests.flows.conftest import World
from tests.flows.test_lifecycle import file_hazard
from tests.flows.test_report import ready


async def test_cards_name_the_reporter_and_write_times_with_the_weekday(world: World) -> None:
    await ready(world)
    card, town_card = await file_hazard(world)
    for delivered in (card, town_card):
        text = delivered["plain_text"] or delivered["plain_caption"]
        assert "上报时间：2026年11月23日（星期一）10:00" in text
        assert "上报人：张 安全（示范化工有限公司）" in text
    shown = await world.command(world.officer, "/show YH-2026-000001")
    assert "上报人：张 安全（示范化工有限公司）" in shown["plain_text"]
