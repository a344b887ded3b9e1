"""A passage's location as users read it: the catalog's words around the document's own markers."""

from __future__ import annotations

import pytest

from domain.knowledge.model import Location, LocationStep, StepKind
from texts.knowledge import location_label


@pytest.mark.parametrize(
    ("steps", "label"),
    [
        ([LocationStep(StepKind.SECTION, 3, "三、", "坚持严执法"),
          LocationStep(StepKind.ITEM, 3, "三要", "三要坚持严执法")], "第三部分 · 三要坚持严执法"),
        ([LocationStep(StepKind.SECTION, 12, "十二、", "其他")], "第十二部分"),
        ([LocationStep(StepKind.PREAMBLE, None, "", "同志们")], "开头"),
        ([LocationStep(StepKind.CLOSING, None, "", "谢谢大家")], "结尾"),
        ([LocationStep(StepKind.PARAGRAPH, 2, "", "第二段提出要求")], "第2段"),
        ([LocationStep(StepKind.CHAPTER, 1, "第一章", "总则"), LocationStep(StepKind.ARTICLE, 5, "第五条，", "为了")],
         "第一章 · 第五条"),
        ([LocationStep(StepKind.ASPECT, 2, "另一方面，", "要压实责任")], "另一方面"),
        ([LocationStep(StepKind.SUBSECTION, 2, "（二）", "单位")], "单位"),
        ([LocationStep(StepKind.NUMBERED, 1, "1.", "")], "1."),
    ],
)  # fmt: skip
def test_location_label(steps: list[LocationStep], label: str) -> None:
    assert location_label(Location(tuple(steps))) == label
