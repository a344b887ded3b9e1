"""Why something the sweep sends went out late: the cause its one log line names."""

from __future__ import annotations

from datetime import datetime


def late_cause(due_at: datetime, last_sweep: datetime | None) -> str:
    """The likely cause, from when it was due and when this process last swept (None: not since it started)."""
    if last_sweep is None:
        return "it fell due while the bot was not running (first sweep since start)"
    if last_sweep < due_at:
        return f"no sweep ran between its due time and now (the last at {last_sweep})"
    return f"it was already due at the sweep at {last_sweep} but not sent then (a backlog)"
