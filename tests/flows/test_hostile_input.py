"""Hostile input (hypothesis): random Unicode, control characters, 10,000 characters, HTML and Markdown,
SQL-looking strings, malformed commands, random callback data and odd files, from strangers and members,
in private and in groups. No unhandled exception, every request the bot makes passes the Bot API spec
check (the double fails the test otherwise), and nothing is stored for input that was refused."""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.flows.conftest import World

COMMANDS = ["/report", "/show", "/my", "/invite", "/bind", "/unbind", "/ask", "/terms", "/kb", "/kb remove",
            "/start", "/cancel", "/help", "/status", "/nonsense", "/report@hazard_bot", "/show@other_bot"]  # fmt: skip
NASTY = ["<b>粗体", "</i>", "<a href='javascript:alert(1)'>x</a>", "*bold* _it_ `code` [l](http://x)",
         "'; DROP TABLE hazards; --", "\" OR 1=1 --", "\x00\x01\x1b[31m", "\u202e\u200b\ufeff", "𠀀𪚥😀",
         "YH-2026-000001", "h1:1:accept", "#隐患", "%s%n{0}{{}}", "\r\n\t"]  # fmt: skip

text = st.one_of(
    st.text(max_size=300),
    st.sampled_from(NASTY),
    st.builds(lambda s: (s * 10000)[:10000], st.text(min_size=1, max_size=20)),  # 10,000 characters
    st.builds(lambda c, a: f"{c} {a}", st.sampled_from(COMMANDS), st.text(max_size=80) | st.sampled_from(NASTY)),
)
callback = st.one_of(
    st.text(max_size=64).filter(lambda s: len(s.encode()) <= 64),
    st.sampled_from(["h1:1:accept", "h1:-1:x", "h1:99999999999999999999:accept", "my1:99999999999999999990",
                     "r1:00:cat:x", "kb1:p:../../etc", "kb1:t:-30", "my1:-10", "my1:abc", "h1a:zz:grade:major",
                     "kb1:q:", ":::"]),
)
document = st.tuples(
    st.binary(max_size=2000),
    st.sampled_from(["a.txt", "b.jpg", "c.docx", "d.pdf", "../../e.txt", "无名", "x" * 200 + ".png"]),
    st.sampled_from(["text/plain", "image/jpeg", "application/pdf", "application/octet-stream", "image/png"]),
    st.sampled_from([None, "#隐患 配电箱", "/kb add", "/kb add 标题<b>"]),
)
action = st.one_of(
    st.tuples(st.just("text"), text),
    st.tuples(st.just("press"), callback),
    st.tuples(st.just("document"), document),
)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=st.lists(st.tuples(st.sampled_from(["stranger", "officer", "admin"]), st.booleans(), action),
                        min_size=1, max_size=4))
async def test_nothing_breaks_the_bot(world: World, caplog: pytest.LogCaptureFixture,
                                      actions: list[tuple[str, bool, tuple[str, Any]]]) -> None:
    if not getattr(world, "hostile_ready", False):
        await world.join(world.officer, "e01", "安全员")
        world.sentinel = world.api.add_user(first_name="哨兵")  # type: ignore[attr-defined]
        await world.join(world.sentinel, "xfdd", "成员")  # type: ignore[attr-defined]
        world.hostile_ready = True  # type: ignore[attr-defined]
        world.members_before = _count(world, "members")  # type: ignore[attr-defined]
    anchor = world.api.sent(world.admin.id)[-1]  # a message of the bot's, to press buttons on
    with caplog.at_level(logging.ERROR):
        for who, in_group, (kind, payload) in actions:
            user = getattr(world, who)
            chat = world.town_group if in_group and who != "stranger" else None
            if kind == "text":
                await world.api.send_text(user, payload if payload.strip() else "空", chat=chat)
            elif kind == "press":
                await world.api.press(world.admin, anchor, payload)
            else:
                data, name, mime, caption = payload
                await world.api.send_document(user, data, file_name=name, mime_type=mime, caption=caption, chat=chat)
        # updates are handled in order: once the sentinel is answered, everything before it was handled
        await world.api.send_text(world.sentinel, "/help")  # type: ignore[attr-defined]
        await world.until(world.sentinel.id, "您是单位成员", timeout=20)  # type: ignore[attr-defined]
    assert not [r for r in caplog.records if "unhandled error" in r.getMessage()], caplog.text
    assert not any("处理时出错了" in m["plain_text"] for chat in (world.admin.id, world.officer.id, world.stranger.id)
                   for m in world.api.sent(chat))  # fmt: skip
    assert _count(world, "hazards") == 0  # no report can be completed by noise
    assert _count(world, "members") == world.members_before  # type: ignore[attr-defined]
    assert not world.api.violations, world.api.violations


def _count(world: World, table: str) -> int:
    with sqlite3.connect(world.database()) as conn:
        return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
