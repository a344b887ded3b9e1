"""Careless and hostile input on Feishu gets a clear Chinese answer and changes nothing: strangers, forged buttons,
a file where a photo is asked, a description far too long."""

from __future__ import annotations

import sqlite3

from sandbox.feishu.double import Message
from tests.feishu.conftest import FeishuWorld


def _hazards(world: FeishuWorld) -> int:
    with sqlite3.connect(world.settings.database_path) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM hazards").fetchone()[0])


def _forged(world: FeishuWorld, data: str) -> Message:
    """A card carrying a button with `data` no version of the bot made, in the officer's private chat."""
    return world.feishu.plant_card(world.feishu.p2p(world.officer), {"elements": [{"tag": "action", "actions": [
        {"tag": "button", "text": {"tag": "plain_text", "content": "按我"}, "value": {"d": data}}]}]})


async def test_strangers_are_told_how_to_join_and_nothing_is_filed(fworld: FeishuWorld) -> None:
    feishu, stranger = fworld.feishu, fworld.officer  # not joined yet
    assert "还未加入" in (await fworld.command(stranger, "/report")).text
    await feishu.press(stranger, _forged(fworld, "h1:1:accept"), "按我")
    assert "还未加入" in (await feishu.expect(feishu.p2p(stranger))).text
    for _ in range(5):  # a stranger's flood in a group: one hint a day, nothing else
        await feishu.send_text(stranger, "/bind xfdd", chat=fworld.dept_group, mention=True)
    assert "只有已加入本系统的人员" in (await feishu.expect(fworld.dept_group)).text
    await feishu.send_text(stranger, "/unbind", chat=fworld.dept_group, mention=True)
    await fworld.command(stranger, "/help")  # one person's events are handled in order: the group's are done
    assert [m for m in feishu.sent(fworld.dept_group) if "只有已加入" in m.text] != [] and \
        len(feishu.sent(fworld.dept_group)) == 1
    assert _hazards(fworld) == 0


async def test_the_bot_leaves_a_group_a_stranger_added_it_to_and_stays_where_an_admin_did(fworld: FeishuWorld) -> None:
    feishu, stranger = fworld.feishu, fworld.officer
    theirs = feishu.add_group("陌生人的群", [stranger], bot_in=False)
    await feishu.add_bot(theirs, stranger)
    await feishu.wait_for(lambda: not theirs.bot_in, what="the bot leaving the stranger's group")
    assert feishu.calls("/members")[-1].query == {"member_id_type": "app_id"}
    ours = feishu.add_group("新建的单位群", [fworld.admin], bot_in=False)
    await feishu.add_bot(ours, fworld.admin)
    await fworld.command(fworld.admin, "/help")  # after the admin's add was handled
    assert ours.bot_in and len(feishu.calls("/members")) == 1
    assert feishu.sent(theirs) == []  # nothing of the county's was said there


async def test_forged_buttons_files_and_overlong_text(fworld: FeishuWorld) -> None:
    feishu, officer = fworld.feishu, fworld.officer
    await fworld.join(officer, "e01", "安全员")
    for data in ("h1:999999:accept", "zz:1:2", "h1:1:start_recheck"):
        await feishu.press(officer, _forged(fworld, data), "按我")
        assert "无效的按钮" in (await feishu.expect(feishu.p2p(officer))).text, data
    assert "请描述" in (await fworld.command(officer, "/report")).text
    too_long = await fworld.command(officer, "隐" * 1200)
    assert "描述过长（1200字）" in too_long.text
    await fworld.command(officer, "二号仓库灭火器过期，安全出口被杂物堵塞")
    await feishu.send_file(officer, "台账.pdf", b"%PDF-1.4 ...")
    assert "当前需要的是" in (await feishu.expect(feishu.p2p(officer))).text
    assert _hazards(fworld) == 0
