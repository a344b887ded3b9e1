"""`python -m sandbox`: the bot, unchanged, against a local Bot API server, with a web chat to try it in.

`make run` without a bot token lands here too (see bot/__main__.py). Options: --port (or
HAZARD_SANDBOX_PORT, default 8080) and --data-dir (or HAZARD_SANDBOX_DATA_DIR, default
data/sandbox), which is emptied at every start: the sandbox's chats live in memory only;
--messenger feishu (or HAZARD_MESSENGER=feishu) runs the county on the Feishu double instead
(sandbox/feishu/runner.py; `HAZARD_MESSENGER=feishu make run` without app credentials lands there).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.logs import setup_logging
from sandbox.runner import DEFAULT_DATA_DIR, DEFAULT_PORT, TOKEN, Sandbox
from texts import plain

if TYPE_CHECKING:
    from sandbox.feishu.runner import FeishuSandbox


def configured_port() -> int:
    """The page's port from HAZARD_SANDBOX_PORT, else 8080."""
    try:
        return int(os.environ.get("HAZARD_SANDBOX_PORT", DEFAULT_PORT))
    except ValueError:
        return DEFAULT_PORT


def page_url(port: int | None = None) -> str:
    """The page's address."""
    return f"http://127.0.0.1:{configured_port() if port is None else port}"


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description="本地沙盒：不需要 Telegram 也能试用机器人")
    parser.add_argument("--port", type=int, default=configured_port(), help="网页端口（默认 8080）")
    parser.add_argument("--data-dir", type=Path,
                        default=Path(os.environ.get("HAZARD_SANDBOX_DATA_DIR", DEFAULT_DATA_DIR)),
                        help="沙盒的数据库和照片目录（每次启动清空）")
    parser.add_argument("--messenger", choices=("telegram", "feishu"),
                        default=os.environ.get("HAZARD_MESSENGER", "telegram").strip().lower() or "telegram",
                        help="在哪个通讯工具的模拟服务上运行（telegram 或 feishu，默认 telegram）")
    parser.add_argument("--verbose", action="store_true", help="显示机器人的运行日志")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the sandbox until Ctrl+C or SIGTERM; returns the exit status."""
    args = _arguments(argv)
    setup_logging(TOKEN, logging.INFO if args.verbose else logging.WARNING)
    if not args.verbose:
        logging.getLogger("bm25s").setLevel(logging.WARNING)  # it sets DEBUG on its own logger
    if args.messenger == "feishu":
        from sandbox.feishu.runner import FeishuSandbox  # the Feishu SDK is loaded only where Feishu runs

        return asyncio.run(_serve(FeishuSandbox(port=args.port, data_dir=args.data_dir), feishu=True))
    return asyncio.run(_serve(Sandbox(port=args.port, data_dir=args.data_dir)))


async def _serve(sandbox: Sandbox | FeishuSandbox, *, feishu: bool = False) -> int:
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    starting = asyncio.create_task(sandbox.start())
    stop_asked = asyncio.create_task(stopping.wait())
    try:
        await asyncio.wait({starting, stop_asked}, return_when=asyncio.FIRST_COMPLETED)
        if starting.done():
            try:
                starting.result()
            except OSError:
                _say(plain("sandbox.port_busy", port=sandbox.port))
                return 1
            except Exception as error:  # anything that stops the cast's set-up is reported, not traced
                _say(plain("sandbox.failed", error=error))
                return 1
            _say(plain("sandbox.ready", url=sandbox.url, org=sandbox.org_file, data=sandbox.data_dir))
            if feishu:
                _say(plain("sandbox.real_bot_feishu") + "\n" + plain("startup.feishu_credentials"))
            else:
                _say(plain("sandbox.real_bot") + "\n" + plain("startup.no_token"))
            await stop_asked
        else:
            starting.cancel()
            await asyncio.gather(starting, return_exceptions=True)
        _say(plain("sandbox.stopping"))
        return 0
    finally:
        stop_asked.cancel()
        await sandbox.stop()


def _say(text: str) -> None:
    print(text, flush=True)


if __name__ == "__main__":
    sys.exit(main())
