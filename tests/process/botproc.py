"""`python -m bot` as a child process, pointed at a Bot API double served by the test process."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from config.settings import PROJECT_ROOT
from sandbox.double import BotApiDouble

TOKEN = "123456:PROCESS-TEST-TOKEN"


def bot_environment(api: BotApiDouble, data: Path, **settings: Any) -> dict[str, str]:
    """The environment of the bot process: the double's URLs, files under `data`, and `settings` as HAZARD_*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAZARD_")}
    env |= {
        "PYTHONPATH": str(PROJECT_ROOT),
        "PYTHONUNBUFFERED": "1",
        "HAZARD_BOT_TOKEN": api.token,
        "HAZARD_API_BASE_URL": api.base_url,
        "HAZARD_API_BASE_FILE_URL": api.base_file_url,
        "HAZARD_DATABASE_PATH": str(data / "db.sqlite3"),
        "HAZARD_MEDIA_DIR": str(data / "media"),
        "HAZARD_KNOWLEDGE_DIR": str(data / "knowledge"),
        "HAZARD_RATE_LIMIT": "false",
    }
    env |= {f"HAZARD_{key.upper()}": str(value) for key, value in settings.items()}
    return env


class BotProcess:
    """One run of the bot: started, waited for, killed or stopped; its output appended to `log`."""

    def __init__(self, api: BotApiDouble, env: dict[str, str], log: Path, cwd: Path,
                 argv: tuple[str, ...] = ("-m", "bot")) -> None:
        self.api = api
        self.env = env
        self.log = log
        self.cwd = cwd  # no .env there: the settings come from `env` alone
        self.argv = argv  # what python runs: the bot unless told otherwise (the benchmark's echo bot)
        self.process: asyncio.subprocess.Process | None = None
        self._first_request = 0

    async def start(self, label: str = "") -> None:
        """Spawn `python -m bot` (or `argv`)."""
        assert self.process is None or self.process.returncode is not None, "the previous run is still alive"
        self._first_request = len(self.api.requests)
        with self.log.open("ab") as out:
            out.write(f"\n===== {label} {time.strftime('%H:%M:%S')} =====\n".encode())
            out.flush()
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, *self.argv, cwd=self.cwd, env=self.env, stdin=asyncio.subprocess.DEVNULL,
                stdout=out, stderr=out,
            )  # fmt: skip

    def polling(self) -> bool:
        """This run has asked the double for updates: it is taking users' input."""
        return any(r.method == "getUpdates" for r in self.api.requests[self._first_request :])

    async def ready(self, timeout: float = 60.0) -> None:  # noqa: ASYNC109
        """Wait until this run polls; fail with its output if it exits or takes too long."""
        assert self.process is not None
        process = self.process
        exited = asyncio.ensure_future(process.wait())
        try:
            polls = asyncio.ensure_future(self.api.wait_for(self.polling, timeout, "the bot process to poll"))
            done, _ = await asyncio.wait({exited, polls}, return_when=asyncio.FIRST_COMPLETED)
            if exited in done:
                polls.cancel()
                raise AssertionError(f"the bot exited with {process.returncode} before polling\n{self.tail()}")
            try:
                polls.result()
            except AssertionError as error:
                raise AssertionError(f"{error}\n{self.tail()}") from None
        finally:
            exited.cancel()

    async def kill(self) -> None:
        """SIGKILL: no clean-up of any kind."""
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def terminate(self, timeout: float = 10.0) -> tuple[int, float]:  # noqa: ASYNC109
        """SIGTERM, as a service manager stops the bot; returns the exit status and the seconds it took."""
        assert self.process is not None
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(timeout):
                code = await self.process.wait()
        except TimeoutError:
            await self.kill()
            raise AssertionError(f"the bot did not stop within {timeout}s of SIGTERM\n{self.tail()}") from None
        return code, time.monotonic() - started

    @property
    def alive(self) -> bool:
        """Started and not yet exited."""
        return self.process is not None and self.process.returncode is None

    def tail(self, lines: int = 60) -> str:
        """The end of the bot's output, for failure messages."""
        if not self.log.exists():
            return "(no output)"
        text = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(["--- bot output (tail) ---", *text[-lines:]])
