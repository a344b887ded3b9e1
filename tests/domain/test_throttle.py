"""domain/throttle.py: a sliding window per key, told once per wait."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain import throttle
from domain.throttle import Throttle

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def test_at_most_limit_events_in_the_window_per_key() -> None:
    limit = Throttle(2, timedelta(minutes=1))
    assert limit.check(1, T0).allowed and limit.check(1, T0 + timedelta(seconds=10)).allowed
    refused = limit.check(1, T0 + timedelta(seconds=20))
    assert not refused.allowed and refused.tell and refused.seconds == 40
    assert not limit.check(1, T0 + timedelta(seconds=30)).tell  # said once per wait
    assert limit.check(2, T0 + timedelta(seconds=30)).allowed  # another key is not affected
    assert limit.check(1, T0 + timedelta(seconds=60)).allowed  # the first event left the window
    assert not limit.check(1, T0 + timedelta(seconds=61)).allowed
    assert limit.check(1, T0 + timedelta(seconds=61)).allowed is False


def test_a_refused_event_is_not_counted_and_a_released_one_is_forgotten() -> None:
    limit = Throttle(1, timedelta(seconds=30))
    assert limit.check("a", T0).allowed
    for second in range(1, 29):
        assert not limit.check("a", T0 + timedelta(seconds=second)).allowed
    assert limit.check("a", T0 + timedelta(seconds=30)).allowed  # the refusals did not push the window on
    limit.release("a")
    assert limit.check("a", T0 + timedelta(seconds=31)).allowed


def test_old_keys_are_forgotten_when_the_table_grows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(throttle, "PRUNE_AT", 3)
    limit = Throttle(1, timedelta(seconds=10))
    for key in range(3):
        limit.check(key, T0)
    limit.check("new", T0 + timedelta(seconds=11))
    assert len(limit) == 1
