"""Passages keep the speech's structure; titles come from the first line or the opening."""

from __future__ import annotations

import pytest

from domain.knowledge.corpus import is_title_line, parse_document
from domain.knowledge.model import LocationStep, StepKind, TitleSource
from texts.knowledge import location_label

from .conftest import BUNDLED


def _doc(stem: str):
    path = next(BUNDLED.glob(f"{stem}_*.txt"))
    return parse_document(path.stem, path.read_text(encoding="utf-8"), bundled=True)


def _labels(stem: str) -> list[str]:
    return [location_label(p.location) for p in _doc(stem).passages]


def test_sections_and_demands_nest():
    labels = _labels("003")
    assert "第三部分 · 三要坚持严执法" in labels
    assert "第一部分 · 二要突出部门监管责任" in labels
    assert labels[0] == "开头"
    assert labels[-1] == "结尾"


def test_section_heading_alone_is_not_a_passage():
    doc = _doc("002")
    assert not any(p.text.startswith("一、认清形势") for p in doc.passages)
    first_section = next(p for p in doc.passages if p.location.steps[0].kind is StepKind.SECTION)
    assert first_section.location.steps[0].heading.startswith("认清形势")


def test_aspects_and_items_run_together_in_a_paragraph_are_split():
    labels = _labels("002")
    assert "第二部分 · 一方面" in labels
    assert "第二部分 · 另一方面 · 二要突出重点" in labels
    assert "第二部分 · 一方面 · 三是工作落实不认真" in labels
    # 一是 / 二要 / 三要 mixed as paragraph markers stay one list.
    assert "第三部分 · 二要强化执法抓落实" in labels


def test_inline_items_sit_below_their_paragraph():
    doc = _doc("001")
    passage = next(p for p in doc.passages if p.text.startswith("一是立即开展“回头看”"))
    kinds = [step.kind for step in passage.location.steps]
    assert kinds == [StepKind.ITEM, StepKind.ITEM]
    assert passage.location.steps[0].marker == "二要"
    assert location_label(passage.location).endswith("一是立即开展“回头看”")


def test_demands_without_sections():
    labels = _labels("000")
    assert labels[2] == "一要迅速贯彻落实"
    assert labels[-2:] == ["结尾", "结尾"]  # 最后，… and 我就讲这些


def test_every_passage_is_quoted_as_written():
    for stem in ("000", "001", "002", "003", "004"):
        doc = _doc(stem)
        for passage in doc.passages:
            assert passage.text in doc.text


@pytest.mark.parametrize(
    ("stem", "title", "source"),
    [
        ("000", "在全县安全生产工作约谈会上的讲话", TitleSource.OPENING),
        ("001", "在2022年第一季度全县安全生产工作会议上的讲话", TitleSource.OPENING),
        ("002", "在收听收看全国、全省安全生产电视电话会议后的讲话", TitleSource.OPENING),
        ("003", "在2022年县安委会全体（扩大）会议暨全县安全生产工作会讲话", TitleSource.FIRST_LINE),
        ("004", "在全区安全生产会上的主持讲话提纲", TitleSource.FIRST_LINE),
    ],
)
def test_titles(stem: str, title: str, source: TitleSource):
    doc = _doc(stem)
    assert (doc.title, doc.title_source) == (title, source)


def test_given_title_wins_and_title_line_is_not_a_passage():
    doc = parse_document(
        "x", "关于加强汛期安全的通知\n各单位：\n一、加强值班。全天值守。", bundled=False, title="自定标题"
    )
    assert doc.title == "自定标题"
    # The title line and the salutation are not passages.
    assert [p.text for p in doc.passages] == ["一、加强值班。全天值守。"]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("在全区安全生产会上的主持讲话提纲", True),
        ("同志们：", False),
        ("一、提高政治站位，强化底线思维", False),
        ("今天召开会议。主要任务是部署工作。", False),
    ],
)
def test_title_line(line: str, expected: bool):
    assert is_title_line(line) is expected


def test_other_numbering_styles():
    text = "第一章 总则\n第一条 为了加强管理，制定本办法。\n第二条 本办法适用于全县。\n（一）企业；（二）单位。"
    doc = parse_document("rules", text, bundled=False)
    labels = [location_label(p.location) for p in doc.passages]
    assert "第一章 · 第一条" in labels
    assert "第一章 · 第二条" in labels


def test_unnumbered_document_uses_paragraph_numbers():
    doc = parse_document("plain", "第一段说明情况。\n第二段提出要求。", bundled=False)
    assert [p.location.steps for p in doc.passages] == [(LocationStep(StepKind.PARAGRAPH, 1, "", "第一段说明情况"),),
                                                        (LocationStep(StepKind.PARAGRAPH, 2, "", "第二段提出要求"),)]
    assert [location_label(p.location) for p in doc.passages] == ["第1段", "第2段"]
    assert doc.title_source is TitleSource.FALLBACK


def test_passage_ids_are_stable_and_ordered():
    doc = _doc("003")
    assert [p.number for p in doc.passages] == list(range(1, len(doc.passages) + 1))
    assert all(p.id == f"{doc.id}#{p.number}" for p in doc.passages)
