"""Roles, invites, scopes and the report draft: plain domain rules, no bot."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from config.org import load_org
from config.settings import PROJECT_ROOT
from domain.hazards import (
    Draft,
    Grade,
    Step,
    TextProblem,
    check_description,
    check_place,
    clean_text,
    fill_from_caption,
    parse_shortcut,
)
from domain.members import InviteProblem, InviteSpec, Member, Role, Scope, invite_spec, may_view, scope_of

ORG = load_org(PROJECT_ROOT / "config" / "org.example.toml")


@pytest.mark.parametrize(
    ("target", "role", "expected"),
    [
        ("e01", "安全员", InviteSpec(Role.OFFICER, None, "e01")),
        ("yjj", "负责人", InviteSpec(Role.LEAD, "yjj", None)),
        ("cgz", "member", InviteSpec(Role.MEMBER, "cgz", None)),
        ("awb", "管理员", InviteSpec(Role.ADMIN, "awb", None)),
        ("e01", "负责人", InviteProblem.ROLE_MISMATCH),
        ("yjj", "安全员", InviteProblem.ROLE_MISMATCH),
        ("nope", "成员", InviteProblem.UNKNOWN_TARGET),
        ("yjj", "局长", InviteProblem.UNKNOWN_ROLE),
    ],
)
def test_invite_spec(target: str, role: str, expected: object) -> None:
    assert invite_spec(ORG, target, role) == expected


@pytest.mark.parametrize(
    ("member", "scope"),
    [
        (Member(1, "a", Role.OFFICER, enterprise_id="e01"), Scope(enterprise_id="e01")),
        (Member(2, "b", Role.MEMBER, unit_id="yjj"), Scope(unit_id="yjj")),
        (Member(3, "c", Role.LEAD, unit_id="awb"), Scope(everything=True)),
        (Member(4, "d", Role.ADMIN), Scope(everything=True)),
    ],
)
def test_scope_of(member: Member, scope: Scope) -> None:
    assert scope_of(member, ORG) == scope


def test_may_view() -> None:
    assert may_view(Scope(unit_id="cgz"), "e01", {"xfdd", "cgz"})
    assert not may_view(Scope(unit_id="hsx"), "e01", {"xfdd", "cgz"})
    assert not may_view(Scope(enterprise_id="e02"), "e01", {"xfdd", "cgz"})
    assert may_view(Scope(everything=True), "e01", set())


def test_draft_asks_in_order_and_reopens_one_answer() -> None:
    draft = Draft(key="k", enterprise_id="e01")
    seen = []
    for step, answer in [
        (Step.DESCRIPTION, ("description", "灭火器过期")),
        (Step.CATEGORY, ("category_id", "xfaq")),
        (Step.PLACE, ("place", "二号仓库")),
        (Step.PHOTOS, ("photos_done", True)),
        (Step.GRADE, ("grade", Grade.GENERAL)),
    ]:
        seen.append(draft.next_step())
        assert draft.next_step() is step
        setattr(draft, *answer)
    assert draft.next_step() is Step.CONFIRM
    draft.reopen(Step.PLACE)
    assert draft.next_step() is Step.PLACE and draft.category_id == "xfaq"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  灭火器过期\n ", "灭火器过期"),
        ("a\x00b\u200bc", "abc"),
        ("   ", TextProblem.EMPTY),
        ("长" * 11, TextProblem.TOO_LONG),
        ("第一行\n第二行", "第一行\n第二行"),
    ],
)
def test_clean_text(text: str, expected: object) -> None:
    assert clean_text(text, 10) == expected


def test_shortcut_caption_parts() -> None:
    names = {c.name: c.id for c in ORG.categories.values()}
    parsed = parse_shortcut("#隐患 #消防安全 #重大 仓库灭火器过期 地点：二号仓库", names)
    assert (parsed.description, parsed.category_id, parsed.grade, parsed.place) == (
        "仓库灭火器过期", "xfaq", Grade.MAJOR, "二号仓库"
    )
    bare = parse_shortcut("#隐患", names)
    assert (bare.description, bare.category_id, bare.grade, bare.place) == ("", None, None, None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("二号仓库灭火器过期", "二号仓库灭火器过期"),
        ("  配电箱漏电 ", "配电箱漏电"),
        ("火灾", "火灾"),  # two characters say something
        ("", TextProblem.EMPTY),
        (" \n ", TextProblem.EMPTY),
        ("长" * 1001, TextProblem.TOO_LONG),
        ("#隐患", TextProblem.UNINFORMATIVE),
        ("#消防安全 #重大", TextProblem.UNINFORMATIVE),
        ("。。。！！", TextProblem.UNINFORMATIVE),
        ("🔥🔥🔥", TextProblem.UNINFORMATIVE),
        ("火", TextProblem.UNINFORMATIVE),
        ("火！！！", TextProblem.UNINFORMATIVE),
        ("123", TextProblem.UNINFORMATIVE),  # numbers alone describe nothing
        ("empty", "empty"),  # a word is a word: only the parser's placeholder was the defect
    ],
)
def test_a_description_must_say_something(text: str, expected: object) -> None:
    assert check_description(text) == expected
    assert type(check_description(text)) is (str if isinstance(expected, str) and
                                             not isinstance(expected, TextProblem) else TextProblem)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("二号仓库东门", "二号仓库东门"), ("3号", "3号"), ("", TextProblem.EMPTY), ("……", TextProblem.UNINFORMATIVE),
     ("📍", TextProblem.UNINFORMATIVE)],
)
def test_a_place_must_name_somewhere(text: str, expected: object) -> None:
    assert check_place(text) == expected


@pytest.mark.parametrize(
    ("caption", "description", "place", "told"),
    [
        ("#隐患", "", None, (None, None)),
        ("#隐患 #重大", "", None, (None, None)),
        ("#隐患 ！！！", "", None, (TextProblem.UNINFORMATIVE, None)),
        ("#隐患 配电箱电线私拉乱接", "配电箱电线私拉乱接", None, (None, None)),
        ("#隐患 配电箱电线私拉乱接 地点：", "配电箱电线私拉乱接", None, (None, None)),
        ("#隐患 配电箱电线私拉乱接 地点：。。", "配电箱电线私拉乱接", None, (None, TextProblem.UNINFORMATIVE)),
        ("#隐患 配电箱电线私拉乱接 地点：一号车间", "配电箱电线私拉乱接", "一号车间", (None, None)),
    ],
)
def test_a_caption_fills_only_what_it_really_says(caption: str, description: str, place: str | None,
                                                  told: tuple[object, object]) -> None:
    draft = Draft(key="k", enterprise_id="e01")
    intake = fill_from_caption(draft, caption, {c.name: c.id for c in ORG.categories.values()})
    assert (draft.description, draft.place) == (description, place)
    assert (intake.description, intake.place) == told
    assert type(draft.description) is str and (draft.place is None or type(draft.place) is str)


def test_a_restored_draft_holding_the_old_placeholder_is_asked_again() -> None:
    """Drafts saved by the version that stored TextProblem.EMPTY as the description and place."""
    draft = Draft(key="k", enterprise_id="e01", description=TextProblem.EMPTY, category_id="xfaq",
                  place=TextProblem.EMPTY, photos_done=True, grade=Grade.GENERAL)
    assert draft.next_step() is Step.DESCRIPTION
    draft.description = "灭火器过期"
    assert draft.next_step() is Step.PLACE


_CAPTION_PARTS = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["#隐患", "#重大", "#一般", "#消防安全", "#危险化学品", "#", "地点：", "位置:", "。", "！", "🔥",
                     "😀", " ", "\n", "\u200b", "\t", "a", "火", "配电箱漏电", "二号仓库", "empty", "\x00"]),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_CAPTION_PARTS, max_size=8).map("".join))
def test_any_caption_files_real_words_or_asks(caption: str) -> None:
    """Property: after a caption, whatever the draft would file says something, and nothing is a placeholder."""
    draft = Draft(key="k", enterprise_id="e01", photos_done=True)
    fill_from_caption(draft, "#隐患" + caption, {c.name: c.id for c in ORG.categories.values()})
    # the flow asks each missing step in order; answering the non-text ones leaves the text ones checked
    draft.category_id, draft.grade = draft.category_id or "xfaq", draft.grade or Grade.GENERAL
    if draft.next_step() is Step.CONFIRM:
        assert type(draft.description) is str and type(draft.place) is str
        assert not isinstance(check_description(draft.description), TextProblem)
        assert not isinstance(check_place(draft.place), TextProblem)
    else:
        assert draft.next_step() in (Step.DESCRIPTION, Step.PLACE)
