"""Who may do what, through the bot: each role × action allowed and denied; forged buttons refused and logged."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.flows.conftest import World
from tests.flows.test_lifecycle import file_hazard
from tests.flows.test_report import ready

# role → (target of the invite)
ROLES = {"officer": ("e01", "安全员"), "member": ("xfdd", "成员"), "lead": ("cgz", "负责人"),
         "office": ("awb", "成员"), "other_unit": ("hsx", "成员")}  # fmt: skip


async def _person(world: World, role: str) -> Any:
    if role == "admin":
        return world.admin
    if role == "officer":
        await world.join(world.officer, *ROLES[role])
        return world.officer
    user = world.api.add_user(first_name=role)
    await world.join(user, *ROLES[role])
    return user


# command → the roles that may use it (everyone else gets a refusal)
COMMANDS = {
    "/report": {"officer"},
    "/invite e01 安全员": {"admin"},
    "/kb": {"admin"},
    "/status": {"admin"},
}
REFUSALS = ("只有企业安全员", "仅限管理员")


@pytest.mark.parametrize("role", ["officer", "member", "lead", "office", "other_unit", "admin"])
@pytest.mark.parametrize("command", list(COMMANDS))
async def test_commands_by_role(world: World, role: str, command: str) -> None:
    person = await _person(world, role)
    answer = (await world.command(person, command))["plain_text"]
    refused = any(words in answer for words in REFUSALS)
    assert refused is (role not in COMMANDS[command]), answer


# who sees hazard YH-2026-000001 (e01 → 县消防救援大队 and 城关镇)
@pytest.mark.parametrize(
    ("role", "sees"),
    [("officer", True), ("member", True), ("lead", True), ("office", True), ("other_unit", False), ("admin", True)],
)
async def test_show_by_role(world: World, role: str, sees: bool) -> None:
    await ready(world)
    await file_hazard(world)
    person = world.officer if role == "officer" else await _person(world, role)
    answer = (await world.command(person, "/show YH-2026-000001"))["plain_text"]
    assert ("处理记录" in answer) is sees and ("无权查看" in answer) is (not sees)


# hazard actions: 受理定级 belongs to the department (and the 安委办); forged presses by others are refused
@pytest.mark.parametrize(
    ("role", "allowed"),
    [("officer", False), ("member", True), ("lead", False), ("office", True), ("other_unit", False), ("admin", False)],
)
async def test_accept_by_role(world: World, role: str, allowed: bool, caplog: pytest.LogCaptureFixture) -> None:
    await ready(world)
    card, _ = await file_hazard(world)
    person = world.officer if role == "officer" else await _person(world, role)
    if person is not world.officer and person is not world.admin:
        world.api.set_member(world.dept_group, person)
    with caplog.at_level(logging.WARNING, logger="handlers.lifecycle"):
        query = await world.api.press(person, card, "h1:1:accept")
        answer = await world.api.wait_callback_answer(query)
    if allowed:
        assert "请确定隐患等级" in (await world.until(world.dept_group.id, "受理定级"))["plain_text"]
    else:
        assert "不能进行" in answer.get("text", "")
        assert any("refused accept on hazard 1" in r.getMessage() for r in caplog.records)
