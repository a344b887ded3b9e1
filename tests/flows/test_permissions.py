"""Who may do what, through the bot: each role × action allowed and denied; forged buttons refused and logged."""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

import pytest

from tests.flows.conftest import World
from tests.flows.steps import document, file_hazard, ready
from texts import plain

# role → (target of the invite)
ROLES = {"officer": ("e01", "安全员"), "member": ("xfdd", "成员"), "lead": ("cgz", "负责人"),
         "office": ("awb", "成员"), "other_unit": ("hsx", "成员")}  # fmt: skip


async def _person(world: World, role: str) -> Any:
    if role == "admin":
        return world.admin
    if role == "stranger":
        return world.stranger
    if role == "officer":
        await world.join(world.officer, *ROLES[role])
        return world.officer
    user = world.api.add_user(first_name=role)
    await world.join(user, *ROLES[role])
    return user


MEMBERS = {"officer", "member", "lead", "office", "other_unit", "admin"}  # everyone who has joined

# command → the roles that may use it (everyone else gets a refusal)
COMMANDS = {
    "/report": {"officer"},
    "/invite e01 安全员": {"admin"},
    "/kb": {"admin"},
    "/status": {"admin"},
    "/stats": MEMBERS,
    "/export": MEMBERS,
}
# the catalog's refusals, word for word: not an officer, not an admin, not a member at all
REFUSALS = {plain("report.officers_only"), plain("admin.only"), plain("join.how")}


def _database(world: World) -> list[str]:
    """Every row of every table, to show a refused command changed nothing."""
    with sqlite3.connect(world.database()) as conn:
        return list(conn.iterdump())


@pytest.mark.parametrize("role", [*sorted(MEMBERS), "stranger"])
@pytest.mark.parametrize("command", list(COMMANDS))
async def test_commands_by_role(world: World, role: str, command: str) -> None:
    person = await _person(world, role)
    if person is world.admin:
        await world.command(person, "/help")  # a configured admin is stored on first contact, not by the refusal
    before = _database(world)
    shown = await world.command(person, command)
    answer = shown["plain_text"] or shown["plain_caption"] or ""  # /export answers with a document
    refused = answer in REFUSALS
    assert refused is (role not in COMMANDS[command]), answer
    if refused:
        assert _database(world) == before


# /stats and /export answer for the caller's scope: the enterprise, the unit, or the whole county
@pytest.mark.parametrize(
    ("role", "scope"),
    [("officer", "示范化工有限公司"), ("member", "县消防救援大队"), ("lead", "城关镇"), ("office", "全县"),
     ("other_unit", "河西乡"), ("admin", "全县")],
)  # fmt: skip
async def test_stats_and_export_scope_by_role(world: World, role: str, scope: str) -> None:
    person = await _person(world, role)
    assert f"隐患统计 · {scope}\n" in (await world.command(person, "/stats"))["plain_text"]
    await world.api.send_text(person, "/export")
    ledger = await document(world, person.id)
    assert ledger["document"] and f"隐患排查治理台账 · {scope} · 2026年11月" in ledger["plain_caption"]


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
