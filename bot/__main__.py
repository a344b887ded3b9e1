"""`python -m bot`: validate settings and the org file once, then run the bot (long polling)."""

from __future__ import annotations

import logging
import sys

from pydantic import ValidationError

from bot.app import build_application
from bot.logs import setup_logging
from config.org import OrgFileError, load_org
from config.settings import Settings
from texts import plain


def main() -> int:
    """Start the bot; returns the exit status."""
    try:
        settings = Settings()
    except ValidationError as exc:
        print(plain("startup.bad_settings", errors=_errors(exc)), file=sys.stderr)
        return 2
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
    app = build_application(settings, org=org)
    logging.getLogger(__name__).info("starting: org %s, database %s", settings.org_file, settings.database_path)
    app.run_polling(allowed_updates=["message", "callback_query", "my_chat_member"], drop_pending_updates=False)
    return 0


def _errors(exc: ValidationError) -> str:
    return "\n".join(f"  HAZARD_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors())


if __name__ == "__main__":
    sys.exit(main())
