"""Why something the sweep sends went out late: the cause its one log line names."""

from __future__ import annotations

import logging
from datetime import datetime


def late_cause(due_at: datetime, last_sweep: datetime | None) -> str:
    """The likely cause, from when it was due and when this process last swept (None: not since it started)."""
    if last_sweep is None:
        return "it fell due while the bot was not running (first sweep since start)"
    if last_sweep < due_at:
        return f"no sweep ran between its due time and now (the last at {last_sweep})"
    return f"it was already due at the sweep at {last_sweep} but not sent then (a backlog)"


def log_late(log: logging.Logger, key: str, due_at: datetime, now: datetime, last_sweep: datetime | None) -> None:
    """The one line that says something goes out late, how late, and why (on `log`: the sender's own logger)."""
    log.warning("%s goes out late, %s after it was due at %s: %s", key, now - due_at, due_at,
                late_cause(due_at, last_sweep))
