"""Faults the double can inject: Telegram answering a call with an error (or late) instead of doing it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sandbox.errors import ApiError

_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    403: "Forbidden: bot was blocked by the user",
    409: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
    504: "Gateway Timeout",
}


@dataclass
class Fault:
    """Answer the next ``times`` calls of ``method`` ("*" for any) with an error.

    ``when`` narrows it to calls whose params match (e.g. one chat). ``error_code=None`` makes it
    a slow answer instead: the call runs normally after ``delay`` seconds (for client timeouts).
    ``hits`` counts the calls it answered.
    """

    method: str
    error_code: int | None = 429
    description: str | None = None
    retry_after: int | None = None
    migrate_to_chat_id: int | None = None
    times: int = 1
    when: Callable[[dict[str, Any]], bool] | None = None
    delay: float = 0.0
    hits: int = 0

    @property
    def spent(self) -> bool:
        """Whether it has answered all the calls it was meant to."""
        return self.hits >= self.times

    def matches(self, method: str, params: dict[str, Any]) -> bool:
        """Whether this fault answers a call of ``method`` with ``params``."""
        if self.spent:
            return False
        if self.method != "*" and self.method.lower() != method.lower():
            return False
        return self.when is None or bool(self.when(params))

    def error(self) -> ApiError | None:
        """The error to answer with (None for a slow answer that then succeeds)."""
        if self.error_code is None:
            return None
        retry_after = self.retry_after
        if self.error_code == 429 and retry_after is None:
            retry_after = 1
        description = self.description
        if description is None:
            if self.error_code == 429:
                description = f"Too Many Requests: retry after {retry_after}"
            elif self.migrate_to_chat_id is not None:
                description = "Bad Request: group chat was upgraded to a supergroup chat"
            else:
                description = _DEFAULT_DESCRIPTIONS.get(self.error_code, "Error")
        return ApiError(
            self.error_code, description, retry_after=retry_after, migrate_to_chat_id=self.migrate_to_chat_id
        )
