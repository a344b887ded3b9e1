"""The cause a late send's log line names, and when a failed send is tried again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from messenger.telegram import translate
from outbound.retry import MAX_ATTEMPTS, Verdict, after_failure, late_cause

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


def test_a_failed_send_is_tried_again_later_each_time_then_given_up_on() -> None:
    from outbound.retry import MAX_ATTEMPTS, retry_at

    now = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)
    waits = [retry_at(attempts, now) for attempts in range(MAX_ATTEMPTS)]
    assert [w - now for w in waits[:4] if w] == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert waits[-2] == now + timedelta(minutes=32)  # the seventh failure: 30 s × 2⁶ (under the 1 h cap)
    assert waits[-1] is None  # the last attempt failed: given up


@pytest.mark.parametrize(
    ("error", "attempts", "again", "counted", "refused"),
    [
        (RetryAfter(120), 7, DUE + timedelta(seconds=120), False, False),  # waits what Telegram asks: no attempt
        (TimedOut(), 0, DUE + timedelta(seconds=30), True, False),
        (NetworkError("Bad Gateway"), 3, DUE + timedelta(seconds=240), True, False),
        (NetworkError("Bad Gateway"), 6, DUE + timedelta(minutes=32), True, False),  # 7th failure: 30 s doubled 6×
        (NetworkError("Bad Gateway"), MAX_ATTEMPTS - 1, None, True, False),  # its last attempt failed: given up
        (BadRequest("Type of file mismatch"), 0, None, True, True),  # refused: the same next time, given up at once
        (Forbidden("bot was kicked from the supergroup chat"), 0, None, True, True),
    ],
)  # fmt: skip
def test_one_retry_policy_for_every_send(error: TelegramError, attempts: int, again: datetime | None, counted: bool,
                                         refused: bool) -> None:
    # Telegram's errors reach the policy as the port's (messenger.telegram.translate)
    assert after_failure(translate(error), attempts, DUE) == Verdict(again, counted=counted, refused=refused)
