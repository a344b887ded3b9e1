"""The cause a late send's log line names, from when it was due and when the bot last swept."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from outbound.lateness import late_cause

DUE = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("last_sweep", "cause"),
    [
        (None, "it fell due while the bot was not running (first sweep since start)"),
        (datetime(2026, 11, 27, 0, 59, tzinfo=UTC),
         "no sweep ran between its due time and now (the last at 2026-11-27 00:59:00+00:00)"),
        (datetime(2026, 11, 27, 1, 5, tzinfo=UTC),
         "it was already due at the sweep at 2026-11-27 01:05:00+00:00 but not sent then (a backlog)"),
    ],
)  # fmt: skip
def test_late_cause(last_sweep: datetime | None, cause: str) -> None:
    assert late_cause(DUE, last_sweep) == cause
