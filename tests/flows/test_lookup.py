"""/my and /show: each caller sees exactly their scope; /help and the command menu."""

from __future__ import annotations

from tests.flows.conftest import World
from tests.flows.steps import buttons, finish, ready, report_until_photos, submit


async def _file_one(world: World) -> None:
    photos_question = await report_until_photos(world)
    filed = await submit(world, await finish(world, photos_question))
    code = filed["plain_text"].split("编号 ")[1].split("\n")[0]
    for group in (world.dept_group, world.town_group):  # delivered to both threads
        assert code in (await world.api.expect(group.id))["text"]
    assert "已送达" in (await world.api.expect(world.officer.id))["plain_text"]  # and the officer is told so


async def test_my_and_show_respect_scope(world: World) -> None:
    await ready(world)
    await _file_one(world)
    mine = await world.command(world.officer, "/my")
    assert "YH-2026-000001" in mine["text"] and "共 1 条" in mine["text"]

    shown = await world.command(world.officer, "/show YH-2026-000001")
    assert "处理记录" in shown["text"] and "上报 → 已上报" in shown["text"] and "已送达县消防救援大队" in shown["text"]

    township_member = world.api.add_user(first_name="城关镇成员")
    await world.join(township_member, "cgz", "成员")
    assert "YH-2026-000001" in (await world.command(township_member, "/my"))["text"]

    outsider = world.api.add_user(first_name="河西乡成员")
    await world.join(outsider, "hsx", "成员")
    assert "暂无隐患记录" in (await world.command(outsider, "/my"))["text"]
    assert "无权查看" in (await world.command(outsider, "/show YH-2026-000001"))["text"]

    office = world.api.add_user(first_name="安委办")
    await world.join(office, "awb", "成员")
    assert "YH-2026-000001" in (await world.command(office, "/show yh-2026-000001"))["text"]


async def test_my_pages_with_buttons(world: World) -> None:
    await ready(world)
    for _ in range(11):
        await _file_one(world)
    first = await world.command(world.admin, "/my")
    assert "共 11 条" in first["text"] and "YH-2026-000011" in first["text"]
    next_button = {"callback_data": buttons(first)["下一页 ▶"]}
    await world.api.press(world.admin, first, next_button["callback_data"])
    edited = (await world.api.expect_edit(world.admin.id)).message
    assert "第 11–11 条" in edited["text"] and "YH-2026-000001" in edited["text"]
    messages = len(world.api.sent(world.admin.id))
    again = await world.api.press(world.admin, first, next_button["callback_data"])  # a double tap: the same page
    await world.api.wait_callback_answer(again)
    await world.api.send_text(world.admin, "/help")  # updates are handled in order: the tap's is done by then
    await world.until(world.admin.id, "/invite")
    assert len(world.api.sent(world.admin.id)) == messages + 1  # already shown: no second copy, no error


async def test_help_depends_on_role_and_commands_are_registered(world: World) -> None:
    await ready(world)
    assert "/report" in (await world.command(world.officer, "/help"))["text"]
    assert "/invite" in (await world.command(world.admin, "/help"))["text"]
    described = {c["command"]: c["description"] for scope in world.api.commands.values() for c in scope}
    assert described["report"] == "上报隐患" and described["bind"].startswith("把本群绑定")
