"""One instance at a time: a second `python -m bot` on the same database exits at once with a clear message."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from sandbox.double import BotApiDouble
from tests.paths import REPO
from tests.process.botproc import TOKEN, BotProcess, bot_environment
from texts import plain


async def test_a_second_instance_exits_with_a_clear_message(tmp_path: Path) -> None:
    async with BotApiDouble(token=TOKEN, bot_username="hazard_bot") as api:
        admin = api.add_user("管理员")
        env = bot_environment(api, tmp_path / "data", admin_ids=admin.id)
        first = BotProcess(api, env, tmp_path / "bot.log", tmp_path)
        await first.start("first")
        try:
            await first.ready()
            second = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", env={**os.environ, **env}, cwd=REPO,
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            _, err = await asyncio.wait_for(second.communicate(), 60)
            assert second.returncode == 1
            said = err.decode()
            assert plain("startup.already_running", database=tmp_path / "data" / "db.sqlite3") in said, said
            assert "Traceback" not in said
            assert first.alive  # the running one goes on
        finally:
            code, _ = await first.terminate()
        assert code == 0
