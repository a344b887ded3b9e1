"""`python -m bot`: validate settings and the org file once, then run the bot (long polling)."""

from __future__ import annotations

import asyncio
import logging
import sys
from datetime import timedelta

from pydantic import ValidationError

from bot import cli
from bot.app import build_application
from bot.logs import setup_logging
from bot.webhook import run_webhook
from config.org import OrgFileError, load_org
from config.settings import Settings
from domain.clock import SystemClock
from storage.db import AlreadyRunning
from texts import plain


def main(argv: list[str] | None = None) -> int:
    """Start the bot (or run `backup` / `restore`); returns the exit status."""
    args = sys.argv[1:] if argv is None else argv
    try:
        settings = Settings()
    except ValidationError as exc:
        print(plain("startup.bad_settings", errors=_errors(exc)), file=sys.stderr)
        return 2
    if args:
        return cli.run(args, settings)
    if settings.messenger == "feishu":
        return _run_feishu(settings)
    if settings.bot_token is None:
        from sandbox.__main__ import main as run_sandbox  # without a token: try the bot in the sandbox
        from sandbox.__main__ import page_url

        print(plain("sandbox.starting", url=page_url()), flush=True)
        return run_sandbox([])
    setup_logging(settings.bot_token.get_secret_value())
    try:
        org = load_org(settings.org_file)
    except OrgFileError as exc:
        print(exc, file=sys.stderr)
        return 2
    clock = SystemClock()
    clock.advance(timedelta(seconds=settings.clock_offset_seconds))  # 0 except in tests/process
    app = build_application(settings, org=org, clock=clock)
    logging.getLogger(__name__).info("starting: org %s, database %s", settings.org_file, settings.database_path)
    updates = ["message", "callback_query", "my_chat_member"]
    try:
        if settings.webhook_url and settings.webhook_secret:
            run_webhook(app, settings, updates)  # our server: the secret is checked before the body is read
        else:
            app.run_polling(allowed_updates=updates, drop_pending_updates=False)
    except AlreadyRunning:
        print(plain("startup.already_running", database=settings.database_path), file=sys.stderr)
        return 1
    return 0


def _run_feishu(settings: Settings) -> int:
    """The bot on Feishu (飞书), through the long connection (bot/feishu.py)."""
    if not settings.feishu_app_id or settings.feishu_app_secret is None:
        from sandbox.__main__ import main as run_sandbox  # without an app: try the bot on the Feishu double
        from sandbox.__main__ import page_url

        print(plain("sandbox.starting_feishu", url=page_url()), flush=True)
        return run_sandbox(["--messenger", "feishu"])
    setup_logging(settings.feishu_app_secret.get_secret_value())
    try:
        load_org(settings.org_file)
    except OrgFileError as exc:
        print(exc, file=sys.stderr)
        return 2
    from bot.feishu import run_feishu  # the Feishu SDK is loaded only where Feishu runs

    try:
        asyncio.run(run_feishu(settings))
    except AlreadyRunning:
        print(plain("startup.already_running", database=settings.database_path), file=sys.stderr)
        return 1
    return 0


def _errors(exc: ValidationError) -> str:
    return "\n".join(f"  HAZARD_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors())


if __name__ == "__main__":
    sys.exit(main())
