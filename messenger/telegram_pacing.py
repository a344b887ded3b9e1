"""Pacing requests to Telegram's flood limits without ever sleeping through a long 429.

PTB's AIORateLimiter paces (here a little under 30 messages a second overall and 20 a minute per
group, evenly spaced rather than in bursts) but, with
retries on, it sleeps through a 429 inside the request — a retry_after of an hour would hold the
handler (and, updates being processed in order, the whole bot) — and 22.8 has a bug where a
concurrent request ends such a pause early. So it is used for pacing only (no retries): a short
429 (a few seconds) is waited out here once; a longer one goes back to the caller at once — the
outbox sweep retries that recipient after retry_after while other chats go on, and a handler's
reply fails through the error handler, which tells the admins.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram._utils.types import JSONDict
from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter
from telegram.warnings import PTBDeprecationWarning

SHORT_WAIT = timedelta(seconds=3)


def retry_after(exc: RetryAfter) -> timedelta:
    """How long Telegram asks to wait, whichever form PTB gives it in."""
    with warnings.catch_warnings():
        # PTB 22 gives seconds as an int here and warns that it will become a timedelta
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value if isinstance(value, timedelta) else timedelta(seconds=value)


class Pacing(AIORateLimiter):
    """AIORateLimiter's pacing, with at most one short wait on a 429 and no long ones."""

    def __init__(self, short_wait: timedelta = SHORT_WAIT, per_second: float = 29.5,
                 per_group_minute: float = 19.5) -> None:
        # one request per slot, no bursts: a leaky bucket of 30 per second lets ~60 through in some one-second
        # windows, and each 429 that earns costs more than the burst saved
        super().__init__(
            overall_max_rate=1, overall_time_period=1 / per_second,
            group_max_rate=1, group_time_period=60 / per_group_minute, max_retries=0,
        )  # fmt: skip
        self.short_wait = short_wait

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        """Send through the pacing; wait out a short 429 once, hand a long one back to the caller."""
        try:
            return await super().process_request(callback, args, kwargs, endpoint, data, None)
        except RetryAfter as exc:
            wait = retry_after(exc)
            if wait > self.short_wait:
                raise
            await asyncio.sleep(wait.total_seconds() + 0.1)
            return await super().process_request(callback, args, kwargs, endpoint, data, None)
