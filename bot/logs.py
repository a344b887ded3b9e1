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


class SweepStillRunning(logging.Filter):
    """Drop APScheduler's "skipped: maximum number of running instances reached".

    A sweep that outlasts its interval (a backlog after downtime drains in one sweep) is expected: the runs in
    between are skipped and the next starts after it. Said once a second, it would bury the sweep's own lines.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep every other record."""
        return "maximum number of running instances" not in str(record.msg)


def setup_logging(token: str, level: int = logging.INFO) -> None:
    """Log to stderr, the token masked; no per-request or per-job chatter."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactToken(token))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # APScheduler says "Added job"/"Removed job" at INFO: each report step reschedules its conversation's timeout;
    # httpx (the Feishu SDK's transport) logs every request at INFO
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    scheduler = logging.getLogger("apscheduler.scheduler")
    if not any(isinstance(f, SweepStillRunning) for f in scheduler.filters):
        scheduler.addFilter(SweepStillRunning())
    # PTB 22 warns at every 429 that retry_after will become a timedelta; the sweep reads either form
    warnings.filterwarnings("ignore", message=".*retry_after.*", category=PTBDeprecationWarning)
