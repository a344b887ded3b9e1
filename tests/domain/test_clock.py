"""The sandbox clock's time jumps: what fell due inside one arrived when the jump ended, not hours "late"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.clock import FakeClock, SystemClock, arrival


def test_an_instant_skipped_by_a_jump_arrives_at_its_end() -> None:
    clock = SystemClock()
    clock.advance(timedelta(days=30))  # a start-up offset is no jump
    assert clock.jumps == []
    before = clock.now()
    clock.jump(timedelta(days=1))
    [(start, end)] = clock.jumps
    assert start >= before and end - start == timedelta(days=1)
    assert arrival(clock, start + timedelta(hours=5)) == end  # fell due inside the jump
    assert arrival(clock, start - timedelta(hours=1)) == start - timedelta(hours=1)  # due before it: late if unsent
    assert arrival(clock, end + timedelta(minutes=1)) == end + timedelta(minutes=1)
    clock.jump(timedelta(hours=2))
    assert arrival(clock, end + timedelta(hours=1)) == clock.jumps[1][1]


def test_a_clock_that_never_jumps_keeps_every_instant() -> None:
    instant = datetime(2026, 11, 23, 2, tzinfo=UTC)
    fake = FakeClock(instant)
    fake.advance(timedelta(days=3))  # a test's clock moving while the bot is stopped is downtime: lateness counts
    assert arrival(fake, instant + timedelta(days=1)) == instant + timedelta(days=1)
    assert arrival(SystemClock(), instant) == instant
