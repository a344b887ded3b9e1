"""The one callback-data codec: every kind round-trips, fits Telegram's 64 bytes at its worst, and forged, truncated
or stale data reads as None (the handler refuses the press)."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.lifecycle import Action
from domain.listing import MyFilter
from views.callbacks import (
    MAX_BYTES,
    MAX_ROW_ID,
    Answer,
    Callback,
    Details,
    DraftButton,
    HazardAction,
    KnowledgeButton,
    MyPage,
    RemoveMember,
    RevokeInvite,
    SelfCheckChoice,
    decode,
)

WORST: list[Callback] = [  # the longest each kind can be
    *(HazardAction(MAX_ROW_ID, action) for action in Action),
    Details(MAX_ROW_ID),
    *(MyPage(view, 10**9 - 1) for view in MyFilter),
    SelfCheckChoice(dt.date(2026, 11, 23), "link"),
    RemoveMember(10**15 - 1, True),
    RevokeInvite(MAX_ROW_ID),
    Answer("f" * 8, "deadline_again", "v" * 32),  # a nonce is 8 hex digits; values are ids of units, grades, parts
    DraftButton("f" * 16, "reopen", "description"),  # a draft key is 16 hex digits
    KnowledgeButton("p", "2024-06-安全生产月讲话#12"),
]


@pytest.mark.parametrize("callback", WORST, ids=repr)
def test_every_kind_round_trips_within_64_bytes(callback: Callback) -> None:
    data = callback.encode()
    assert len(data.encode()) <= MAX_BYTES
    assert decode(data) == callback


@pytest.mark.parametrize(("callback", "data"), [
    (HazardAction(12, Action.ACCEPT), "h1:12:accept"),
    (Details(12), "v1:12:details"),
    (MyPage(MyFilter.OVERDUE, 10), "my2:late:10"),
    (SelfCheckChoice(dt.date(2026, 11, 23), "zero"), "sc1:20261123:zero"),
    (RemoveMember(42, False), "rm1:42:no"),
    (RevokeInvite(3), "iv1:3"),
    (Answer("ab12", "grade", "major"), "h1a:ab12:grade:major"),
    (DraftButton("0a1b2c3d4e5f6a7b", "cat", "xfaq"), "r1:0a1b2c3d4e5f6a7b:cat:xfaq"),
    (DraftButton("0a1b2c3d4e5f6a7b", "submit"), "r1:0a1b2c3d4e5f6a7b:submit"),
    (KnowledgeButton("t", "30"), "kb1:t:30"),
    (KnowledgeButton("q", "四个一律"), "kb1:q:四个一律"),
])  # fmt: skip
def test_buttons_already_sent_keep_working(callback: Callback, data: str) -> None:
    """The data is exactly what earlier versions put on buttons still in users' chats."""
    assert callback.encode() == data
    assert decode(data) == callback


def test_the_page_data_from_before_the_filters_reads_as_all() -> None:
    assert decode("my1:20") == MyPage(MyFilter.ALL, 20)


@pytest.mark.parametrize("data", [
    None, "", "h1", "h1:", "h1:12", "h1:12:", "h1:12:fly", "h1:0:accept", "h1:-1:accept", f"h1:{2**63}:accept",
    "h1:1e3:accept", "h1:12:accept:extra", "h0:12:accept", "h2:12:accept", "v1:12:delete", "v1:x:details",
    "my2:everything:0", "my2:all:-10", f"my2:all:{10**9}", "my1:", "sc1:20261131:link", "sc1:20261123:maybe",
    "sc1:2026-11-23:link", "rm1:42:yes", "rm1:abc:ok", "iv1:0", "iv1:", "h1a:n:w:v:x", "h1a::w", "h1a:n:w/../x",
    "r1:XYZ:cat:xfaq", "r1:0a1b:cat:x:y", "r1::submit", "kb1:z:1", "kb1:t:abc", "kb1:p:", "kb1:p",
    "x" * 65, "h1:12:accept" + " " * 60,
])  # fmt: skip
def test_forged_truncated_or_stale_data_reads_as_none(data: str | None) -> None:
    assert decode(data) is None


def test_a_term_may_hold_a_colon() -> None:
    assert decode("kb1:q:标准:GB 50016") == KnowledgeButton("q", "标准:GB 50016")


def test_a_knowledge_button_too_long_for_64_bytes_is_not_offered() -> None:
    assert not KnowledgeButton("p", "长" * 30).fits() and KnowledgeButton("p", "短").fits()


def test_data_over_64_bytes_cannot_be_built() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        Answer("n" * 40, "w" * 20, "v" * 20).encode()
