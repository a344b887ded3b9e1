"""Logging set-up: the token never reaches a log line."""

from __future__ import annotations

import logging
import warnings

from telegram.warnings import PTBDeprecationWarning


class RedactToken(logging.Filter):
    """Replace the bot token wherever it appears in a record: its message, its traceback, its stack."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message (and the traceback the formatter would print) with the token masked."""
        if not self.token:
            return True
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, "<token>"), None
        if record.exc_info and not record.exc_text:  # formatted here once; the formatter prints exc_text as it is
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = record.exc_text.replace(self.token, "<token>")
        if record.stack_info:
            record.stack_info = record.stack_info.replace(self.token, "<token>")
        return True


def setup_logging(token: str, level: int = logging.INFO) -> None:
    """Log to stderr, the token masked; no per-request or per-job chatter."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactToken(token))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # APScheduler says "Added job"/"Removed job" at INFO: each report step reschedules its conversation's timeout
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # PTB 22 warns at every 429 that retry_after will become a timedelta; the sweep reads either form
    warnings.filterwarnings("ignore", message=".*retry_after.*", category=PTBDeprecationWarning)
