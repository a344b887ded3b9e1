"""Logging set-up: the token never reaches a log line."""

from __future__ import annotations

import logging
import warnings

from telegram.warnings import PTBDeprecationWarning


class RedactToken(logging.Filter):
    """Replace the bot token wherever it appears in a record (URLs logged by httpx, error texts)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message with the token masked."""
        message = record.getMessage()
        if self.token and self.token in message:
            record.msg, record.args = message.replace(self.token, "<token>"), None
        return True


def setup_logging(token: str, level: int = logging.INFO) -> None:
    """Log to stderr; httpx's per-request lines (which carry the URL) only at WARNING."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactToken(token))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # APScheduler says "Added job"/"Removed job" at INFO: each report step reschedules its conversation's timeout
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # PTB 22 warns at every 429 that retry_after will become a timedelta; the sweep reads either form
    warnings.filterwarnings("ignore", message=".*retry_after.*", category=PTBDeprecationWarning)
