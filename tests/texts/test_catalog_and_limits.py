"""The catalog escapes user input; long text is cut within Telegram's limits without breaking HTML."""

from __future__ import annotations

import re
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path

import pytest

from domain.deadlines import DeadlineRefusal
from domain.evidence import Match, NextStep
from domain.hazards import Grade, State
from domain.knowledge import KnowledgeBaseErrorReason, RejectReason
from domain.lifecycle import Action, Audience, Field, PlanPart
from domain.listing import MyFilter
from domain.members import InviteProblem, Role
from domain.periods import PeriodProblem
from domain.schedule import ItemKind
from texts import Html, has, t
from texts.limits import clip, clip_html, tg_len
from views.records import ESCALATION_KINDS


def test_values_are_escaped_unless_already_html() -> None:
    title = t("report.filed_title", code="<b>x</b>")
    assert title == "已立案，编号 &lt;b&gt;x&lt;/b&gt;"
    filed = t("report.filed", card=Html("<b>card</b>"), code="<b>x</b>", units=Html("<i>u</i>"))
    assert filed.startswith("<b>card</b>") and "<i>u</i>" in filed and "/show &lt;b&gt;x&lt;/b&gt;" in filed


def _visible(text: str) -> str:
    parts: list[str] = []

    class P(HTMLParser):
        def handle_data(self, data: str) -> None:
            parts.append(data)

    parser = P(convert_charrefs=True)
    parser.feed(text)
    return "".join(parts)


@pytest.mark.parametrize("limit", [10, 100, 4096])
def test_clip_html_keeps_tags_balanced(limit: int) -> None:
    text = "<b>标题</b>\n" + "<i>" + "&lt;很长&gt;" * 3000 + "</i>"
    clipped = clip_html(text, limit)
    assert tg_len(_visible(clipped)) <= limit
    assert clipped.count("<i>") == clipped.count("</i>") and clipped.count("<b>") == clipped.count("</b>")


def test_clip_counts_utf16_units() -> None:
    assert tg_len("😀") == 2
    assert tg_len(clip("😀" * 10, 7)) <= 7


def test_every_key_used_in_code_is_in_the_catalog() -> None:
    root = Path(__file__).resolve().parents[2]
    used: set[str] = set()
    for folder in ("bot", "handlers", "feishu", "messenger", "outbound", "usecases", "views", "kernel", "reports",
                   "config", "sandbox", "texts"):
        for path in (root / folder).rglob("*.py"):
            used |= set(re.findall(r"\b(?:t|plain)\(\"([a-z_.]+)\"", path.read_text(encoding="utf-8")))
    missing = sorted(key for key in used if not has(key))
    assert not missing, missing


# Keys built from an enum's value (t(f"state.{hazard.state}")): every member has its words, so a new member
# (a state, an action, a refusal) cannot reach a user as a missing key. Subsets say which members can occur there.
ENUM_KEYS: list[tuple[str, Iterable[object]]] = [
    ("act.{}", Action), ("action.{}", Action), ("notice.{}", Action), ("state.{}", State), ("grade.{}", Grade),
    ("role.{}", Role), ("help.{}", Role), ("plan_part.{}", PlanPart), ("audience.{}", Audience),
    ("card.next.{}", NextStep), ("evidence.reuse_{}", Match), ("my.filter.{}", MyFilter), ("my.empty_{}", MyFilter),
    ("schedule_kind.{}", ItemKind), ("loop.deadline.{}", DeadlineRefusal), ("invite.problem.{}", InviteProblem),
    ("period.problem.{}", PeriodProblem), ("kb.error.{}", KnowledgeBaseErrorReason), ("kb.rejected.{}", RejectReason),
    ("loop.field.{}", Field), ("record.escalation.{}", ESCALATION_KINDS), ("record.at_limit.{}", ESCALATION_KINDS),
    ("record.late.{}", ("accept", "submit")),  # domain.records: only 受理 and 提交整改 carry how late they came
    ("weekday.{}", range(7)),
]  # fmt: skip


@pytest.mark.parametrize(("pattern", "members"), ENUM_KEYS, ids=[p for p, _ in ENUM_KEYS])
def test_every_enum_built_key_is_in_the_catalog(pattern: str, members: Iterable[object]) -> None:
    keys = [pattern.format(getattr(member, "value", member)) for member in members]
    assert [key for key in keys if not has(key)] == []
