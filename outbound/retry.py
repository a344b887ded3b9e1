"""The one retry policy of the sweep's sends: when a failed one is tried again (or given up), and why one went out
late (its one log line).

Hazards' notices (sweep.py), scheduled items (periodic.py) and thread delivery (delivery.py) follow the same
policy: `after_failure`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from messenger.port import MessengerError, Refused, RetryLater

MAX_ATTEMPTS = 8  # a send that failed this often (not counting 429s and moved chats) is given up on
BACKOFF = timedelta(seconds=30)  # the wait after its first failure, doubled after each next one
MAX_BACKOFF = timedelta(hours=1)


def retry_at(attempts: int, now: datetime) -> datetime | None:
    """After a failure, when to try again, given the attempts that failed before this one; None: give up."""
    if attempts + 1 >= MAX_ATTEMPTS:
        return None
    return now + min(BACKOFF * 2**attempts, MAX_BACKOFF)


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the one retry policy says of a failed send."""

    again: datetime | None  # when to try again; None: given up now
    counted: bool  # a failed attempt; a flood wait (429) is not (the messenger only asked to wait)
    refused: bool  # the messenger refused it (a bad request, the bot blocked or removed): the same next time


def after_failure(error: MessengerError, attempts: int, now: datetime) -> Verdict:
    """The one retry policy, given the attempts that failed before: when to try again, or give up now.

    A 429 waits exactly what the messenger asks (that recipient only) and is not a failed attempt; what it
    refuses (a bad request, the bot blocked or removed) fails the same way next time, so it is given up at once
    and reported; anything else (the network, a time-out, a 5xx) backs off (`retry_at`) until MAX_ATTEMPTS.
    """
    if isinstance(error, RetryLater):
        return Verdict(now + error.wait, counted=False, refused=False)
    if isinstance(error, Refused):
        return Verdict(None, counted=True, refused=True)
    return Verdict(retry_at(attempts, now), counted=True, refused=False)


def failure_text(error: MessengerError) -> str:
    """What is kept as the send's last error."""
    if isinstance(error, RetryLater):
        return f"429 retry after {error.wait.total_seconds():.0f}s"
    return str(error)


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
