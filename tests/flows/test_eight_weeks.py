"""Eight simulated weeks of a county, every role, through the real bot and the Bot API double (issue 12's last test).

Monday 23 November 2026 to Monday 18 January 2027, with weekly digests, November's and December's rankings, 元旦, a
hazard worked through the whole loop (受理 → 整改 with photos → 验收 with both sets in view → 销号 → 回头看 a month
later) and one nobody accepts. At every step the test reads what each person and group was actually shown; at the end
it reads everything the bot ever sent for the defects the issue names."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from typing import Any

import pytest

from bot.jobs import sweep
from sandbox.images import sample_jpeg
from sandbox.model import Message
from tests.flows.conftest import World
from tests.flows.steps import (
    accept_in_topic,
    buttons,
    file_with,
    leads_and_office,
    local,
    people,
    press,
    ready,
    recheck_pass,
    rectify,
    scene,
    shown,
    submit,
    verify,
)

# what a user must never be shown (issue 12): placeholders, raw Python values, an escalation at 0 days, format holes,
NEVER = [re.compile(p) for p in (r"\bempty\b", r"\bNone\b", r"逾期 0 个工作日", r"超过受理时限 0 个工作日", r"\{\w+\}",
                                  r"补发")]  # (the bot ran all along: nothing it sent was late)


@pytest.fixture
def overrides() -> dict[str, Any]:
    """The digest, ranking and self-check calendar on, as deployed."""
    return {"schedule_enabled": True}


def anchor(world: World, code: str, unit_id: str) -> Message:
    """The hazard's card in the unit's thread, as the group sees it now (edits applied)."""
    with sqlite3.connect(world.database()) as conn:
        chat_id, message_id = conn.execute(
            "SELECT t.chat_id, t.anchor_message_id FROM hazard_threads t JOIN hazards h ON h.id = t.hazard_id"
            " WHERE h.code = ? AND t.unit_id = ?", (code, unit_id)).fetchone()
    return world.api.chat(chat_id).messages[message_id]


async def week(world: World, month: int, day: int, hour: int = 9, minute: int = 5) -> None:
    """Jump to a moment (January is 2027's) as the sandbox's time travel does, the bot running all along: what fell due
    during the jump arrives at its end (domain.clock.arrival), not as 补发 of a stopped bot; then the JobQueue's
    sweeps."""
    moment = local(month, day, hour, minute)
    moment = moment.replace(year=2027) if month == 1 else moment
    jumps: list[tuple[dt.datetime, dt.datetime]] = getattr(world.clock, "jumps", [])
    jumps.append((world.clock.now(), moment.astimezone(dt.UTC)))
    setattr(world.clock, "jumps", jumps)  # noqa: B010 (the sandbox's SystemClock keeps them; FakeClock does not)
    world.clock.set(moment)
    await sweep(world.app)
    await sweep(world.app)


def said(world: World, chat: Any, needle: str) -> list[str]:
    return [shown(m) for m in world.api.sent(chat) if needle in shown(m)]


async def test_eight_weeks_every_role_none_of_the_defects(world: World) -> None:
    await ready(world)
    member, _, town_lead = await people(world)
    dept_lead, office = await leads_and_office(world)
    housing_lead = world.api.add_user(first_name="住建局长")  # the lead of the department that will ignore a report
    await world.join(housing_lead, "zjj", "负责人")
    await sweep(world.app)  # the schedule planned from now

    # —— week 1, Monday 23 November: nothing is filed blank ——
    await world.api.send_photo(world.officer, sample_jpeg(label="blank"), caption="#隐患")
    asked = await world.api.expect(world.officer.id)
    assert "描述" in shown(asked)  # the description is asked for, not invented
    assert (await world.command(world.officer, "/cancel"))["plain_text"]
    with sqlite3.connect(world.database()) as conn:
        assert conn.execute("SELECT COUNT(*) FROM hazards").fetchone() == (0,)

    # the worked hazard: two photos, both units get it, the card says what it is
    await file_with(world, [scene(1), scene(2)])
    h1 = "YH-2026-000001"
    card = anchor(world, h1, "xfdd")
    assert "二号仓库" in shown(card) and "已上报" in shown(card) and "受理定级" in buttons(card)
    # the ignored one: 建筑施工 goes to 县住房和城乡建设局, which never accepts it
    await world.api.send_photo(world.officer, sample_jpeg(label="scaffold"),
                               caption="#隐患 #建筑施工 脚手架连墙件缺失 地点：三号工地")
    grade_question = await world.api.expect(world.officer.id)
    await submit(world, await press(world, grade_question, next(k for k in buttons(grade_question) if "一般" in k)))
    h2 = "YH-2026-000002"

    # 受理 in the department's topic: 一般, 十五日内 (Tuesday 8 December), 王五
    await accept_in_topic(world, member, card)
    await sweep(world.app)
    card = anchor(world, h1, "xfdd")
    assert "整改中" in shown(card) and "2026年12月8日（星期二）" in shown(card) and "王五" in shown(card)
    assert "受理定级" not in buttons(card)  # the card is the truth: only what is valid now
    town_card = anchor(world, h1, "cgz")
    assert "整改中" in shown(town_card)

    # —— Wednesday 25 November: the ignored report is a working day past its 受理 limit ——
    await week(world, 11, 25)
    escalation = await world.until(town_lead.id, h2)
    assert "超过受理时限 1 个工作日" in shown(escalation) and "补发" not in shown(escalation)

    # —— week 2, Monday 30 November: the digests ——
    await week(world, 11, 30)
    digest = await world.until(world.dept_group.id, "一周一统计")
    assert "2026年第48周" in shown(digest) and "补发" not in shown(digest)
    county = await world.until(office.id, "一周一统计")
    assert "未按时受理" in shown(county)  # ignoring a report is its own figure

    # —— Tuesday 1 December: November's ranking puts the unit that ignored its report below the one that worked ——
    await week(world, 12, 1)
    ranking = shown(await world.until(office.id, "一月一排名"))
    assert "2026年11月" in ranking and "未按时受理" in ranking
    places = [name for name in ("县消防救援大队", "县住房和城乡建设局") if name in ranking]
    assert places == ["县消防救援大队", "县住房和城乡建设局"]  # listed best first

    # —— Thursday 3 December: the officer rectifies with a new photo ——
    await week(world, 12, 3, 10)
    await rectify(world, h1, [scene(3)])
    await sweep(world.app)
    topic = card["message_thread_id"]
    verifier_view = [m for m in world.api.sent(world.dept_group.id, thread_id=topic)]
    captions = [c for m in verifier_view for c in (m["plain_caption"] or "",) if c]
    assert any("整改前" in c for c in captions) and any("整改后" in c for c in captions)  # both sets in view
    awaiting = next(m for m in reversed(verifier_view) if "验收通过" in buttons(m))
    assert "待验收" in shown(anchor(world, h1, "xfdd"))

    # 验收 with an opinion: 已销号, every card says so, the old buttons are gone
    await verify(world, member, awaiting, "整改到位，同意销号")
    await sweep(world.app)
    assert "已销号" in shown(anchor(world, h1, "xfdd")) and "已销号" in shown(anchor(world, h1, "cgz"))
    assert "验收通过" not in buttons(world.api.chat(world.dept_group).messages[awaiting["message_id"]])

    # —— the weeks go by: a digest each Monday, the ignored report climbs the ladder once per rung ——
    for month, day in ((12, 7), (12, 14), (12, 21), (12, 28)):
        await week(world, month, day)
    # —— 元旦 and the 回头看 a month after 销号 ——
    await week(world, 1, 4)
    recheck = await world.until(world.town_group.id, "回头看")
    assert "复查通过" in buttons(recheck) and "补发" not in shown(recheck)
    await recheck_pass(world, town_lead, recheck)
    await sweep(world.app)
    assert "回头看" in shown(anchor(world, h1, "cgz")) or "已归档" in shown(anchor(world, h1, "cgz"))
    for month, day in ((1, 11), (1, 18)):
        await week(world, month, day)

    # one digest a week for the department, none late (the bot never stopped), December's ranking out
    assert [bool(re.search(r"补发", d)) for d in said(world, world.dept_group.id, "一周一统计")] == [False] * 8
    assert len(said(world, office.id, "一月一排名")) == 2
    # the ignored report reached every rung once: township lead, department lead, 安委办
    assert len([t for t in said(world, town_lead.id, h2) if "超过受理时限" in t]) == 1
    assert len([t for t in said(world, housing_lead.id, h2) if "超过受理时限" in t]) == 1
    assert said(world, dept_lead.id, h2) == []  # another department's lead is not bothered
    assert len([t for t in said(world, office.id, h2) if "超过受理时限" in t]) == 1

    # everything the bot ever sent anyone, read for the defects
    everyone = [world.officer, member, town_lead, dept_lead, housing_lead, world.admin, world.dept_group,
                world.town_group, office]
    read = [shown(message) for chat in everyone for message in world.api.sent(chat)]
    assert len(read) > 60  # eight weeks of a county's messages, not an empty scan
    for text in read:
        found = [p.pattern for p in NEVER if p.search(text)]
        assert not found, (found, text)
