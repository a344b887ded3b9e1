"""When the sweep's sends go out: why one went out late (its one log line), and when a failed one is tried again.

Hazards' notices (sweep.py) and scheduled items (periodic.py) follow the same policy.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

MAX_ATTEMPTS = 8  # a send that failed this often (not counting 429s and moved chats) is given up on
BACKOFF = timedelta(seconds=30)  # the wait after its first failure, doubled after each next one
MAX_BACKOFF = timedelta(hours=1)


def retry_at(attempts: int, now: datetime) -> datetime | None:
    """After a failure, when to try again, given the attempts that failed before this one; None: give up."""
    if attempts + 1 >= MAX_ATTEMPTS:
        return None
    return now + min(BACKOFF * 2**attempts, MAX_BACKOFF)


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
