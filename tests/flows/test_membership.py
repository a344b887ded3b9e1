"""Joining with invites, binding groups, and strangers being told how to join (with nothing stored)."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from tests.flows.conftest import World


def _count(world: World, table: str) -> int:
    with sqlite3.connect(world.database()) as conn:
        return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


async def test_invite_join_and_reuse(world: World) -> None:
    created = await world.command(world.admin, "/invite e01 安全员")
    assert "https://t.me/hazard_bot?start=" in created["text"] and "示范化工有限公司" in created["text"]
    code = created["text"].split("start=")[1].split()[0]
    joined = await world.command(world.officer, f"/start {code}")
    assert "加入成功：示范化工有限公司 · 安全员" in joined["text"]
    reused = await world.command(world.stranger, f"/start {code}")
    assert "已被使用" in reused["text"]
    assert _count(world, "members") == 2  # the officer, and the configured admin


async def test_expired_and_unknown_codes(world: World) -> None:
    created = await world.command(world.admin, "/invite yjj 负责人")
    code = created["text"].split("start=")[1].split()[0]
    world.clock.advance(timedelta(days=7, minutes=1))
    assert "已过期" in (await world.command(world.stranger, f"/start {code}"))["text"]
    assert "无效" in (await world.command(world.stranger, "/start not-a-code"))["text"]
    assert _count(world, "members") == 1


async def test_invite_mistakes_are_explained(world: World) -> None:
    assert "用法" in (await world.command(world.admin, "/invite"))["text"]
    assert "没有编号为“zzz”" in (await world.command(world.admin, "/invite zzz 成员"))["text"]
    assert "角色与对象不符" in (await world.command(world.admin, "/invite e01 负责人"))["text"]
    await world.join(world.officer, "e01", "安全员")
    assert "仅限管理员" in (await world.command(world.officer, "/invite e01 安全员"))["text"]


async def test_strangers_are_told_how_to_join_and_nothing_is_stored(world: World) -> None:
    for command in ["/report", "/my", "/show YH-2026-000001", "/invite e01 安全员", "/help"]:
        answer = await world.command(world.stranger, command)
        assert "邀请链接" in answer["text"], (command, answer["text"])
    assert _count(world, "members") == 0
    assert _count(world, "invites") == 0


async def test_bind_checks_the_bots_rights(world: World) -> None:
    world.api.set_bot_rights(world.dept_group.id, is_admin=True, can_manage_topics=False)
    answer = await world.command(world.admin, "/bind xfdd", chat=world.dept_group)
    assert "管理话题" in answer["text"] and "管理员身份" not in answer["text"]
    world.api.set_bot_rights(world.dept_group.id, is_admin=False, can_manage_topics=False)
    answer = await world.command(world.admin, "/bind xfdd", chat=world.dept_group)
    assert "管理员身份" in answer["text"]
    assert _count(world, "group_bindings") == 0
    world.api.set_bot_rights(world.dept_group.id, is_admin=True, can_manage_topics=True)
    await world.bind(world.dept_group, "xfdd")
    assert _count(world, "group_bindings") == 1
    assert "解除" in (await world.command(world.admin, "/unbind", chat=world.dept_group))["text"]
    assert _count(world, "group_bindings") == 0


async def test_bind_needs_a_known_unit_and_an_admin(world: World) -> None:
    assert "可用单位" in (await world.command(world.admin, "/bind nope", chat=world.dept_group))["text"]
    await world.join(world.officer, "e01", "安全员")
    answer = await world.command(world.officer, "/bind xfdd", chat=world.dept_group)
    assert "仅限管理员" in answer["text"]
    assert "群组中" in (await world.command(world.admin, "/bind xfdd"))["text"]
    assert _count(world, "group_bindings") == 0
