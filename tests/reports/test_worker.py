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
    while not ticks:  # noqa: ASYNC110  told, at least once, that it is still working
        await asyncio.sleep(0.05)
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # gone (and reaped)


async def test_a_worker_that_answers_nonsense_fails_its_export(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker, "COMMAND", (sys.executable, "-c", "import pickle, sys; sys.stdin.buffer.read();"
                                                                  " pickle.dump(42, sys.stdout.buffer)"))
    with pytest.raises(worker.WorkerFailed, match="int"):
        await worker.run(None)  # type: ignore[arg-type]


def test_a_worker_dies_with_a_bot_killed_outright(tmp_path: Path) -> None:
    """kill -9 of the bot: its export worker does not go on building for nobody (Linux: PR_SET_PDEATHSIG)."""
    import subprocess
    import time

    job, held = os.pipe()  # the worker's stdin: held open here, so the worker never sees it end
    bot = subprocess.Popen(  # a stand-in for the bot: starts a worker that waits for its job, says its pid, waits
        [sys.executable, "-c", "import subprocess, sys, time; w = subprocess.Popen(" + repr(list(worker.COMMAND)) +
         f", stdin={job}); print(w.pid, flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True, pass_fds=(job,),
    )  # fmt: skip
    os.close(job)
    assert bot.stdout is not None
    pid = int(bot.stdout.readline())
    for _ in range(100):  # until the worker waits for its job: it asked to die with its parent before that
        if "pipe" in Path(f"/proc/{pid}/wchan").read_text():
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the worker never came to read its job")
    bot.kill()
    bot.wait()
    try:
        for _ in range(50):
            if not _alive(pid):
                return
            time.sleep(0.1)
        os.kill(pid, 9)
        raise AssertionError("the worker outlived the bot")
    finally:
        os.close(held)


def _alive(pid: int) -> bool:
    """Running (not gone, and not a zombie waiting for whoever reaps orphans)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
