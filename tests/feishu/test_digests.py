"""一周一统计 on Feishu: the weekly digests the sweep sends on schedule reach the units' and the 安委办's groups as
cards, each followed by its chart (an uploaded picture in a card)."""

from __future__ import annotations

from typing import Any

import pytest

from domain.hazards import Draft, Grade
from tests.feishu.conftest import FeishuWorld
from tests.flows.steps import local
from usecases.reporting import file_report


@pytest.fixture
def feishu_settings() -> dict[str, Any]:
    return {"schedule_enabled": True}


async def test_the_weekly_digest_and_its_chart_on_schedule(fworld: FeishuWorld) -> None:
    feishu = fworld.feishu
    office = feishu.add_group("县安委办", [fworld.admin])
    await fworld.bind(fworld.dept_group, "xfdd")
    await fworld.bind(office, "awb")
    await fworld.join(fworld.officer, "e01", "安全员")
    services = fworld.bot.services
    draft = Draft(key="d1", enterprise_id="e01", description="二号仓库灭火器过期，安全出口被杂物堵塞",
                  category_id="xfaq", place="二号仓库", grade=Grade.GENERAL, photos_done=True)
    await file_report(services, draft, await fworld.bot.addresses.local("user", fworld.officer.open_id), None)
    await fworld.bot.sweep()  # plans from now: last week's digest (due this morning) is not sent late
    assert not [m for m in feishu.sent(fworld.dept_group) if "一周一统计" in m.text]

    fworld.clock.set(local(11, 30, 9, 1))  # Monday 09:01: last week's digest
    await fworld.bot.sweep()
    digest = await feishu.until(fworld.dept_group, "一周一统计")
    assert "县消防救援大队" in digest.text and "2026年第48周" in digest.text and "补发" not in digest.text
    assert "新上报 1 项" in digest.text
    chart = await feishu.expect(fworld.dept_group)
    assert len(chart.images) == 1 and feishu.images[chart.images[0]].startswith(b"\x89PNG")
    county = await feishu.until(office, "一周一统计")
    assert "全县" in county.text
    assert (await feishu.expect(office)).images  # the county's chart
    await fworld.bot.sweep()
    assert len([m for m in feishu.sent(fworld.dept_group) if "一周一统计" in m.text]) == 1
