"""The export worker: a process of its own per export (`python -m reports.worker`), started by the bot and gone after.

The bot sends the job (an ExportJob, pickled) on the worker's stdin; the worker lowers its priority, builds the files
(reports.ledger_export: the ledger's storage, the domain and openpyxl, none of the bot's running parts) and answers
with the ExportFiles, pickled, on its stdout. How far it got it writes to the job's progress file.

A process per export rather than a pool kept alive: nothing of an export stays in memory once its files are written
(a pool's idle worker held ≈ 50 MB, and multiprocessing's resource tracker another ≈ 12 MB, from the first export
on), and a worker that dies (the OOM killer, an operator) fails its own export only. A worker dies with the bot.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import os
import pickle
import signal
import sys
from collections.abc import Awaitable, Callable

from reports.ledger_export import ExportFiles, ExportJob, build_export

log = logging.getLogger(__name__)

NICENESS = 10  # on a small server the bot's replies come before an export's seconds of CPU
COMMAND = (sys.executable, "-m", "reports.worker")
PR_SET_PDEATHSIG = 1  # prctl's option (linux/prctl.h): the signal the worker gets when its parent ends


class WorkerFailed(Exception):
    """The worker process ended without the files (killed, out of memory, an error: its last words in the log)."""


async def run(job: ExportJob, waiting: Callable[[], Awaitable[None]] | None = None, every: float = 2.0) -> ExportFiles:
    """Build the files in a new worker process; `waiting` is called every `every` seconds while it works. Cancelled
    (the bot stopping), the worker is killed."""
    process = await asyncio.create_subprocess_exec(*COMMAND, stdin=asyncio.subprocess.PIPE,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        working = asyncio.ensure_future(process.communicate(pickle.dumps(job)))
        while waiting is not None and not working.done():
            await asyncio.wait([working], timeout=every)
            if not working.done():
                await waiting()
        out, err = await working
    except BaseException:
        if process.returncode is None:
            process.kill()
            await process.wait()
        raise
    if process.returncode != 0:
        log.error("the export worker ended with %s: %s", process.returncode, err.decode(errors="replace")[-2000:])
        raise WorkerFailed(process.returncode)
    files = pickle.loads(out)
    if not isinstance(files, ExportFiles):
        raise WorkerFailed(f"answered {type(files).__name__}")
    return files


def main() -> None:
    """The worker's side: the job from stdin, the files' description to stdout."""
    _die_with_the_bot()
    os.nice(NICENESS)
    job = pickle.load(sys.stdin.buffer)
    pickle.dump(build_export(job), sys.stdout.buffer)


def _die_with_the_bot() -> None:
    """Linux: the kernel kills the worker when the bot's process ends, kill -9 included (prctl PR_SET_PDEATHSIG), so
    no export goes on building for a bot that is gone. Elsewhere (no prctl) the worker ends when its export does."""
    prctl = getattr(ctypes.CDLL(None), "prctl", None)
    if prctl is None:
        return
    bot = os.getppid()
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != bot:  # the bot was gone already, before the request took hold
        os._exit(1)


if __name__ == "__main__":
    main()
