"""The glossary is extracted by code: quoted terms, their mentions and their definitions."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.knowledge.corpus import parse_document
from domain.knowledge.glossary import (
    Glossary,
    build_glossary,
    counted_parts,
    is_shorthand,
    load_supplement,
)
from domain.knowledge.model import DefinitionKind
from texts.knowledge import location_label

from .conftest import BUNDLED


@pytest.fixture(scope="module")
def glossary() -> Glossary:
    docs = [parse_document(p.stem, p.read_text(encoding="utf-8"), bundled=True) for p in sorted(BUNDLED.glob("*.txt"))]
    return build_glossary(docs)


def test_parenthesis_right_after_the_term(glossary: Glossary):
    entry = glossary.get("四个一律")
    assert entry is not None
    (definition,) = entry.definitions
    assert definition.kind is DefinitionKind.PARENTHESIS
    assert definition.text.startswith("对非法生产经营建设")
    assert len(definition.items) == 4
    assert all("一律" in item for item in definition.items)
    assert definition.source is not None and location_label(definition.source.location) == "第三部分 · 三要坚持严执法"


@pytest.mark.parametrize(
    ("term", "items"),
    [
        ("三个坚持", ("一要坚持细排查", "二要坚持真整改", "三要坚持严执法")),
        ("三个突出", ("一要突出领导责任", "二要突出部门监管责任", "三要突出企业主体责任")),
    ],
)
def test_enumerated_items_after_a_counted_term(glossary: Glossary, term: str, items: tuple[str, ...]):
    entry = glossary.get(term)
    assert entry is not None
    (definition,) = entry.definitions
    assert definition.kind is DefinitionKind.ENUMERATION
    assert definition.items == items
    assert [location_label(s.location).split(" · ")[-1] for s in definition.item_sources] == list(items)


def test_three_items_of_san_ge_jin_ding(glossary: Glossary):
    entry = glossary.get("三个紧盯")
    assert entry is not None and entry.definitions[0].items[0] == "一要紧盯省委巡查反馈问题"


def test_colon_after_a_run_of_terms_defines_each(glossary: Glossary):
    for term in ("三个围绕", "三个方面"):
        entry = glossary.get(term)
        assert entry is not None
        (definition,) = entry.definitions
        assert definition.kind is DefinitionKind.COLON
        assert len(definition.items) == 3
        assert definition.items[0].startswith("围绕更好统筹发展和安全")


@pytest.mark.parametrize("term", ["三个必须", "三管三必须"])
def test_counted_term_matched_with_a_quoted_list(glossary: Glossary, term: str):
    entry = glossary.get(term)
    assert entry is not None
    (definition,) = entry.definitions
    assert definition.kind is DefinitionKind.MATCHING_LIST
    assert definition.items == ("管行业必须管安全", "管业务必须管安全", "管生产经营必须管安全")


def test_parts_before_a_counted_term(glossary: Glossary):
    entry = glossary.get("双归零")
    assert entry is not None
    (definition,) = entry.definitions
    assert definition.kind is DefinitionKind.PRECEDING
    assert definition.items == ("查出的问题隐患", "造成问题隐患的制度管理漏洞")


@pytest.mark.parametrize("term", ["五个一批", "13710", "四不放过", "两个至上", "十五条硬措施"])
def test_mentioned_but_not_defined(glossary: Glossary, term: str):
    entry = glossary.get(term)
    assert entry is not None
    assert not entry.has_definition
    assert entry.shorthand
    assert entry.mentions
    for mention in entry.mentions:
        start, end = mention.span
        assert mention.snippet[start:end] == term


def test_every_mention_is_found(glossary: Glossary):
    entry = glossary.get("回头看")
    assert entry is not None
    assert {m.doc_id[:3] for m in entry.mentions} == {"000", "001"}
    assert len(glossary.get("安全生产大检查").mentions) > 10  # type: ignore[union-attr]


def test_short_term_counts_only_its_quoted_uses(glossary: Glossary):
    entry = glossary.get("大安全")
    assert entry is not None
    assert len(entry.mentions) == 1  # not 重特大安全事故


def test_variants_are_one_term(glossary: Glossary):
    entry = glossary.get("谁主管谁负责")
    assert entry is not None
    assert set(entry.variants) == {"谁主管、谁负责", "谁主管谁负责"}


def test_quotations_and_placeholders_are_not_terms(glossary: Glossary):
    terms = {entry.term for entry in glossary.entries()}
    assert "*" not in terms
    assert not any("亡羊补牢" in term for term in terms)  # a leader's quoted sentence


def test_lookup_without_measure_word(glossary: Glossary):
    assert glossary.get("三必须") is glossary.get("三个必须")


@pytest.mark.parametrize(
    ("term", "expected"),
    [("三个必须", (3, ("必须",))), ("三管三必须", (3, ("管", "必须"))), ("两个至上", (2, ("至上",))), ("回头看", None)],
)
def test_counted_parts(term: str, expected):
    assert counted_parts(term) == expected


@pytest.mark.parametrize(
    ("term", "expected"), [("13710", True), ("四不放过", True), ("回头看", False), ("一周一统计、一月一排名", False)]
)
def test_shorthand(term: str, expected: bool):
    assert is_shorthand(term) is expected


def test_supplement_adds_definitions_with_their_own_source(tmp_path: Path):
    path = tmp_path / "glossary_supplement.toml"
    path.write_text(
        '[[term]]\nterm = "四不放过"\ndefinition = "事故原因未查清不放过"\nsource = "补充资料甲"\n'
        '[[term]]\nterm = "无出处"\ndefinition = "没有来源的释义"\n',
        encoding="utf-8",
    )
    entries, problems = load_supplement(path)
    assert [e.term for e in entries] == ["四不放过"]
    assert len(problems) == 1 and problems[0].index == 2 and "source" in problems[0].reason
    doc = parse_document("d", "一、要求\n都要按照“四不放过”原则严肃查处。", bundled=False)
    entry = build_glossary([doc], entries).get("四不放过")
    assert entry is not None
    (definition,) = entry.definitions
    assert definition.kind is DefinitionKind.SUPPLEMENT
    assert definition.note == "补充资料甲"
    assert definition.source is None
    assert len(entry.mentions) == 1


def test_unreadable_supplement_is_reported(tmp_path: Path):
    path = tmp_path / "glossary_supplement.toml"
    path.write_text("[[term]\n", encoding="utf-8")
    entries, problems = load_supplement(path)
    assert entries == [] and problems[0].index is None
