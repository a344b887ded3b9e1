"""The Telegram implementation of the messenger port: neutral keyboards become inline keyboards, and Telegram's errors
become the port's (what the one retry policy reads). Its sends are exercised end to end by the flow tests."""

from __future__ import annotations

from datetime import timedelta

import pytest
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from messenger.port import Blocked, ChatMoved, MessengerError, Refused, RetryLater, ThreadGone, Unreachable
from messenger.telegram import markup, translate
from views.keyboards import Button


def test_a_neutral_keyboard_becomes_an_inline_keyboard_row_by_row() -> None:
    keyboard = ((Button("受理定级", "h1:7:accept"), Button("移送", "h1:7:transfer")),
                (Button("查看详情", "v1:7:details"),))
    rendered = markup(keyboard)
    assert rendered is not None
    assert [[(b.text, b.callback_data) for b in row] for row in rendered.inline_keyboard] == [
        [("受理定级", "h1:7:accept"), ("移送", "h1:7:transfer")], [("查看详情", "v1:7:details")]]
    assert markup(None) is None and markup(()) is None


@pytest.mark.parametrize(("error", "expected"), [
    (RetryAfter(30), RetryLater),
    (ChatMigrated(-1002), ChatMoved),
    (Forbidden("bot was blocked by the user"), Blocked),
    (BadRequest("Message thread not found"), ThreadGone),
    (BadRequest("TOPIC_DELETED"), ThreadGone),
    (BadRequest("Type of file mismatch"), Refused),
    (TimedOut(), Unreachable),
    (NetworkError("Bad Gateway"), Unreachable),
])  # fmt: skip
def test_telegrams_errors_become_the_ports(error: TelegramError, expected: type[MessengerError]) -> None:
    translated = translate(error)
    assert type(translated) is expected
    assert str(translated) == str(error)  # Telegram's own words are kept (the send's last error, the admins' notice)


def test_a_flood_wait_and_a_moved_chat_carry_what_the_pipeline_needs() -> None:
    wait = translate(RetryAfter(30))
    moved = translate(ChatMigrated(-1002))
    assert isinstance(wait, RetryLater) and wait.wait == timedelta(seconds=30)
    assert isinstance(moved, ChatMoved) and moved.new_chat_id == -1002
