"""The error a Bot API call answers with, and the record of a spec violation."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Bot API error response; with ``violation=True`` also a breach of the Bot API spec.

    Violations are requests Telegram would refuse because the bot built them wrongly (an
    unknown parameter, a text over 4096 characters, callback data over 64 bytes ...). The
    double records them in ``BotApiDouble.violations`` so a test fails even when the bot
    swallows the 400. Runtime refusals that a correct bot must expect (a deleted topic, a
    user who blocked the bot, an injected 429) are plain ``ApiError`` with ``violation=False``.
    """

    def __init__(
        self,
        error_code: int,
        description: str,
        *,
        violation: bool = False,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
        details: tuple[str, ...] = (),
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.violation = violation
        self.retry_after = retry_after
        self.migrate_to_chat_id = migrate_to_chat_id
        # Every problem found in the request; the response carries only the first, as Telegram does.
        self.details = details or (description,)
        # Filled in by the HTTP layer once the request is known.
        self.method: str | None = None
        self.params: dict[str, Any] | None = None

    def to_response(self) -> dict[str, Any]:
        """The JSON body Telegram answers with."""
        body: dict[str, Any] = {"ok": False, "error_code": self.error_code, "description": self.description}
        parameters: dict[str, int] = {}
        if self.retry_after is not None:
            parameters["retry_after"] = self.retry_after
        if self.migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = self.migrate_to_chat_id
        if parameters:
            body["parameters"] = parameters
        return body

    def __repr__(self) -> str:
        where = f" in {self.method}" if self.method else ""
        extra = f" {list(self.details[1:])}" if len(self.details) > 1 else ""
        return f"ApiError({self.error_code}{where}: {self.description!r}{extra})"

    __str__ = __repr__


def bad_request(reason: str, *, violation: bool = False, details: tuple[str, ...] = ()) -> ApiError:
    """A 400 with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {reason}", violation=violation, details=details)


def violation(reason: str, *, details: tuple[str, ...] = ()) -> ApiError:
    """A 400 for a request that breaks the Bot API spec."""
    full = tuple(f"Bad Request: {d}" for d in details) if details else ()
    return bad_request(reason, violation=True, details=full)


def forbidden(reason: str) -> ApiError:
    """A 403, as for a chat the bot may not write to."""
    return ApiError(403, f"Forbidden: {reason}")
