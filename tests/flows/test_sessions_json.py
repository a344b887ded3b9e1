"""Sessions are data, never code: a user's draft and an action's answers are stored as JSON and read back into their
types; a pickled session (the old format, or a doctored database) is never unpickled, only dropped, the user told."""

from __future__ import annotations

import builtins
import json
import pickle
import sqlite3
from pathlib import Path

from sandbox.images import sample_jpeg
from tests.flows.conftest import World
from tests.flows.steps import (
    answer,
    asked_for_a_deadline,
    events,
    finish,
    ready,
    report_until_photos,
    rows,
    say,
    submit,
)


class _Opens:
    """Unpickling this calls open(path, "w"): what a doctored session could run instead."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return builtins.open, (str(self.path), "w")


async def test_a_draft_is_stored_as_json_and_carries_on_after_a_restart(world: World) -> None:
    await ready(world)
    await report_until_photos(world)
    await world.api.send_photo(world.officer, sample_jpeg(label="before-restart"))
    ack = await world.until(world.officer.id, "第 1 张")
    await world.restart()
    [(kind, text)] = rows(world, "SELECT typeof(data), data FROM sessions WHERE user_id = ?", (world.officer.id,))
    assert kind == "text"
    draft = json.loads(text)["draft"]
    assert draft["place"] == "二号仓库东门" and draft["category_id"] == "xfaq" and len(draft["photos"]) == 1
    card = await finish(world, ack)
    assert "照片：1 张" in card["text"]
    await submit(world, card)


async def test_an_actions_answers_come_back_as_their_types_after_a_restart(world: World) -> None:
    member, _, _ = await asked_for_a_deadline(world)  # 一般 chosen: a Grade among the answers
    await world.restart()
    [(text,)] = rows(world, "SELECT data FROM sessions WHERE user_id = ?", (member.id,))
    assert json.loads(text)["act"]["answers"] == {"grade": "general"}
    echo = await answer(world, member, world.dept_group, "3天内")
    assert "确认吗" in echo["plain_text"]


async def test_a_pickled_session_is_never_unpickled_and_the_user_is_told(world: World, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    await ready(world)
    await say(world, "/report")
    await world.restart()
    with sqlite3.connect(world.database()) as conn:  # a doctored (or old, pickled) session
        conn.execute("UPDATE sessions SET data = ?", (pickle.dumps({"draft": _Opens(marker)}),))
    await world.restart()
    assert not marker.exists()  # nothing in it ran
    assert rows(world, "SELECT COUNT(*) FROM sessions") == [(0,)]  # dropped at once, not left to be read again
    assert "没能恢复" in (await say(world, "灭火器过期"))["text"]
    assert "请描述" in (await say(world, "/report"))["text"]
    assert events(world) == []
