"""Callback data: what a button's press sends back, as small typed, versioned values with one codec.

Every kind of button is a frozen dataclass with a version prefix; `encode()` builds its data (at most 64 bytes:
Telegram's limit, checked), `decode()` reads any data back into its typed value, or None for data that is stale (an
older version no longer read), forged or malformed — the handler then refuses the press. Ranges are checked here
(ids of SQLite rows, pages, dates); whether the presser may do it is checked by the handler, on the server, always.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import ClassVar

from domain.lifecycle import Action
from domain.listing import MyFilter

MAX_BYTES = 64  # Telegram's limit for callback_data
MAX_ROW_ID = 2**63 - 1  # SQLite's largest rowid: anything beyond is forged
MAX_OFFSET = 10**9
_SAFE = re.compile(r"^[\w\-.]{1,40}$")  # a nonce or an answer's value: no separator inside


def _encoded(data: str) -> str:
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
    return data


def _row_id(text: str) -> int | None:
    if not text.isdecimal() or len(text) > 19:
        return None
    value = int(text)
    return value if 0 < value <= MAX_ROW_ID else None


@dataclass(frozen=True, slots=True)
class HazardAction:
    """An action button on a hazard's message: h1:<hazard id>:<action>."""

    PREFIX: ClassVar[str] = "h1"
    hazard_id: int
    action: Action

    def encode(self) -> str:
        """The button's data."""
        return _encoded(f"{self.PREFIX}:{self.hazard_id}:{self.action}")


@dataclass(frozen=True, slots=True)
class Details:
    """查看详情 under an escalation or nudge: v1:<hazard id>:details (shaped like an action: what it does last)."""

    PREFIX: ClassVar[str] = "v1"
    WHAT: ClassVar[str] = "details"
    hazard_id: int

    def encode(self) -> str:
        """The button's data."""
        return _encoded(f"{self.PREFIX}:{self.hazard_id}:{self.WHAT}")


@dataclass(frozen=True, slots=True)
class MyPage:
    """A filter or a page of /my: my2:<filter>:<offset> (my1:<offset>, from before the filters, reads as 全部)."""

    PREFIX: ClassVar[str] = "my2"
    LEGACY: ClassVar[str] = "my1"
    view: MyFilter
    offset: int

    def encode(self) -> str:
        """The button's data."""
        return _encoded(f"{self.PREFIX}:{self.view}:{self.offset}")


@dataclass(frozen=True, slots=True)
class SelfCheckChoice:
    """零报告 or 报送本周隐患 on a weekly self-check prompt: sc1:<the week's Monday, yyyymmdd>:<link|zero>."""

    PREFIX: ClassVar[str] = "sc1"
    CHOICES: ClassVar[tuple[str, ...]] = ("link", "zero")
    week_start: dt.date
    choice: str

    def encode(self) -> str:
        """The button's data."""
        return _encoded(f"{self.PREFIX}:{self.week_start:%Y%m%d}:{self.choice}")


@dataclass(frozen=True, slots=True)
class RemoveMember:
    """确认移除 / 取消 under /remove: rm1:<member's id>:<ok|no>."""

    PREFIX: ClassVar[str] = "rm1"
    member_id: int
    confirmed: bool

    def encode(self) -> str:
        """The button's data."""
        return _encoded(f"{self.PREFIX}:{self.member_id}:{'ok' if self.confirmed else 'no'}")


@dataclass(frozen=True, slots=True)
class RevokeInvite:
    """撤销 n under /invites: iv1:<invite number>."""

    PREFIX: ClassVar[str] = "iv1"
    number: int

    def encode(self) -> str:
        """The button's data."""
        return _encoded(f"{self.PREFIX}:{self.number}")


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer button inside an action's conversation: h1a:<the conversation's nonce>:<what>[:<value>]."""

    PREFIX: ClassVar[str] = "h1a"
    nonce: str
    what: str
    value: str = ""

    def encode(self) -> str:
        """The button's data."""
        return _encoded(f"{self.PREFIX}:{self.nonce}:{self.what}" + (f":{self.value}" if self.value else ""))


@dataclass(frozen=True, slots=True)
class DraftButton:
    """A button of the report conversation: r1:<draft key>:<what>[:<value>] (a category, a grade, a step)."""

    PREFIX: ClassVar[str] = "r1"
    draft_key: str
    what: str
    value: str = ""

    def encode(self) -> str:
        """The button's data."""
        return _encoded(f"{self.PREFIX}:{self.draft_key}:{self.what}" + (f":{self.value}" if self.value else ""))


@dataclass(frozen=True, slots=True)
class KnowledgeButton:
    """全文 (p), 其他提及 (m), a suggested term (q) or a /terms page (t): kb1:<kind>:<passage id | term | offset>.

    A term may hold any character, a colon too: everything after the second colon is the value."""

    PREFIX: ClassVar[str] = "kb1"
    KINDS: ClassVar[tuple[str, ...]] = ("p", "m", "q", "t")
    kind: str
    value: str

    def encode(self) -> str:
        """The button's data."""
        return _encoded(f"{self.PREFIX}:{self.kind}:{self.value}")

    def fits(self) -> bool:
        """Whether its data fits the 64 bytes (a very long passage id or term does not: no button then)."""
        return len(f"{self.PREFIX}:{self.kind}:{self.value}".encode()) <= MAX_BYTES


Callback = (HazardAction | Details | MyPage | SelfCheckChoice | RemoveMember | RevokeInvite | Answer | DraftButton
            | KnowledgeButton)
_HEX_KEY = re.compile(r"^[0-9a-f]{1,32}$")


def decode(data: str | None) -> Callback | None:
    """The typed value of a button's data; None when it is not one this version reads (stale, forged, malformed)."""
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    if data.startswith(f"{KnowledgeButton.PREFIX}:"):
        _, kind, value = (*data.split(":", 2), "")[:3]
        ok = kind in KnowledgeButton.KINDS and value and (kind != "t" or value.isdecimal())
        return KnowledgeButton(kind, value) if ok else None
    parts = data.split(":")
    try:
        return _decode(parts)
    except ValueError:
        return None


def _decode(parts: list[str]) -> Callback | None:
    match parts:
        case [HazardAction.PREFIX, hazard, action] if (hazard_id := _row_id(hazard)) is not None:
            return HazardAction(hazard_id, Action(action))
        case [Details.PREFIX, hazard, Details.WHAT] if (hazard_id := _row_id(hazard)) is not None:
            return Details(hazard_id)
        case [MyPage.PREFIX, view, offset] if offset.isdecimal() and int(offset) < MAX_OFFSET:
            return MyPage(MyFilter(view), int(offset))
        case [MyPage.LEGACY, offset] if offset.isdecimal() and int(offset) < MAX_OFFSET:
            return MyPage(MyFilter.ALL, int(offset))
        case [SelfCheckChoice.PREFIX, day, choice] if choice in SelfCheckChoice.CHOICES and day.isdecimal():
            week = dt.datetime.strptime(day, "%Y%m%d").date()  # noqa: DTZ007 (a calendar date, no instant)
            return SelfCheckChoice(week, choice)
        case [RemoveMember.PREFIX, member, ("ok" | "no") as said] if member.isdecimal() and len(member) <= 15:
            return RemoveMember(int(member), said == "ok")
        case [RevokeInvite.PREFIX, number] if (invite := _row_id(number)) is not None:
            return RevokeInvite(invite)
        case [Answer.PREFIX, nonce, what, *value] if len(value) <= 1 and all(
                _SAFE.match(p) for p in (nonce, what, *value)):
            return Answer(nonce, what, value[0] if value else "")
        case [DraftButton.PREFIX, key, what, *value] if len(value) <= 1 and _HEX_KEY.match(key) and all(
                _SAFE.match(p) for p in (what, *value)):
            return DraftButton(key, what, value[0] if value else "")
    return None
