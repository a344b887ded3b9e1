"""Roles, invites, scopes and the report draft: plain domain rules, no bot."""

from __future__ import annotations

import pytest

from config.org import load_org
from config.settings import PROJECT_ROOT
from domain.hazards import Draft, Grade, Step, TextProblem, clean_text, parse_shortcut
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
