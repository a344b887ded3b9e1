"""The export worker process: started per export, answered over its pipes, killed with its export."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from reports import worker


async def test_a_cancelled_export_kills_its_worker(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The bot stopping cancels an export in hand: its worker process does not outlive it."""
    pid_file = tmp_path / "pid"
    sleeper = (sys.executable, "-c", f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid()));"
                                     " time.sleep(60)")  # fmt: skip
    monkeypatch.setattr(worker, "COMMAND", sleeper)
    ticks: list[None] = []

    async def waiting() -> None:
        ticks.append(None)

    running = asyncio.create_task(worker.run(None, waiting, every=0.05))  # type: ignore[arg-type]
    while not pid_file.exists() or not pid_file.read_text():  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    pid = int(pid_file.read_text())
    await asyncio.sleep(0.2)
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    assert ticks  # told it was still working meanwhile
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # gone (and reaped)


async def test_a_worker_that_answers_nonsense_fails_its_export(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker, "COMMAND", (sys.executable, "-c", "import pickle, sys; sys.stdin.buffer.read();"
                                                                  " pickle.dump(42, sys.stdout.buffer)"))
    with pytest.raises(worker.WorkerFailed, match="int"):
        await worker.run(None)  # type: ignore[arg-type]
