"""The knowledge base loads in the background after a start: the bot answers everything else meanwhile, and a
question asked before the load is done is told to ask again (or, if the load failed, to call an admin)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import bot.app as app_module
from domain.knowledge import KnowledgeBase
from kernel import services as services_module
from tests.flows.conftest import World


@pytest.fixture
def held_load(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """The bot's knowledge base load, held in its thread until the test sets the event (at most 10 s)."""
    release = threading.Event()
    load = services_module.load_documents

    def held(bundled_dir: Path, extra_dir: Path | None = None) -> KnowledgeBase:
        release.wait(timeout=10)
        return load(bundled_dir, extra_dir)

    monkeypatch.setattr(services_module, "load_documents", held)
    yield release
    release.set()


@pytest.fixture
def broken_load(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bot's knowledge base load fails (say, its folder is not writable)."""

    def broken(bundled_dir: Path, extra_dir: Path | None = None) -> KnowledgeBase:
        raise PermissionError(f"cannot create {extra_dir}")

    monkeypatch.setattr(services_module, "load_documents", broken)


class TestWhileLoading:
    @pytest.fixture
    def world_kb(self, held_load: threading.Event) -> None:
        """The bot loads its own knowledge base, held back until the test lets it finish."""
        return None

    async def test_a_question_is_told_to_ask_again_and_everything_else_works(
        self, world: World, held_load: threading.Event
    ) -> None:
        services = world.app.bot_data.services
        loading = await world.command(world.admin, "什么是四个一律")
        assert "知识库正在加载" in loading["plain_text"] and "<blockquote>" not in loading["text"]
        assert "知识库正在加载" in (await world.command(world.admin, "/terms"))["plain_text"]
        assert "知识库正在加载" in (await world.command(world.admin, "/ask 四个一律"))["plain_text"]
        assert "用法" in (await world.command(world.admin, "/ask"))["plain_text"]  # its usage needs no index
        query_id = await world.api.press(world.admin, loading, "kb1:q:四个一律")  # a button from before the restart
        assert "知识库正在加载" in (await world.api.wait_callback_answer(query_id))["text"]
        await world.join(world.officer, "e01", "安全员")
        assert "请描述" in (await world.command(world.officer, "/report"))["plain_text"]
        assert not services.kb_loaded.is_set()

        held_load.set()
        await asyncio.wait_for(services.kb_loaded.wait(), 30)
        answer = await world.command(world.admin, "什么是四个一律")
        assert "一律关闭取缔" in answer["plain_text"] and "<blockquote>" in answer["text"]


class TestLoadFailed:
    @pytest.fixture
    def world_kb(self, broken_load: None) -> None:
        """The bot loads its own knowledge base, and fails."""
        return None

    async def test_a_question_is_told_to_call_an_admin(self, world: World) -> None:
        services = world.app.bot_data.services
        await asyncio.wait_for(services.kb_loaded.wait(), 30)
        assert services.kb is None
        assert "知识库未能加载" in (await world.command(world.admin, "什么是四个一律"))["plain_text"]
        assert "/invite" in (await world.command(world.admin, "/help"))["plain_text"]  # the rest of the bot works


class TestQuietMoment:
    @pytest.fixture
    def world_kb(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The bot loads its own knowledge base once no update has come for a second (not at its latest time)."""
        monkeypatch.setattr(app_module, "KB_QUIET_SECONDS", 1.0)
        monkeypatch.setattr(app_module, "KB_LATEST_SECONDS", 60.0)
        return None

    async def test_the_index_is_built_once_the_bot_is_quiet(self, world: World) -> None:
        services = world.app.bot_data.services
        for _ in range(8):  # busy for about two seconds, never a second without an update
            assert "/invite" in (await world.command(world.admin, "/help"))["plain_text"]
            await asyncio.sleep(0.2)
        indexing = any(task.get_name() == "kb:load" for task in asyncio.all_tasks())
        assert not services.kb_loaded.is_set() and not indexing
        await asyncio.wait_for(services.kb_loaded.wait(), 30)
        assert services.kb is not None
        assert app_module.QUIET_WATCH_GROUP not in world.app.handlers  # no longer watching every update
