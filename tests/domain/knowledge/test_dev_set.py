"""The shared dev questions (tests/data/qa_dev.tsv, a copy of the shared set): every row must pass; prints the accuracy.

Another file of the same format can be checked with KB_QA_TSV=/path/to/file.tsv.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from domain.knowledge import Answer, AnswerStatus, KnowledgeBase
from texts.knowledge import location_label

QA_TSV = Path(os.environ.get("KB_QA_TSV", Path(__file__).resolve().parents[2] / "data" / "qa_dev.tsv"))


@dataclass(frozen=True)
class Row:
    question: str
    must_contain: tuple[str, ...]
    kind: str  # answer | mention | none


def _rows() -> list[Row]:
    rows = []
    for line in QA_TSV.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        question, must_contain, kind = line.split("\t")[:3]
        phrases = tuple(p for p in must_contain.split("|") if p and p != "-")
        rows.append(Row(question.strip(), phrases, kind.strip()))
    return rows


def passes(row: Row, answer: Answer) -> bool:
    """The row's rule: an answer quotes a must_contain phrase; a mention says where; none quotes nothing."""
    match row.kind:
        case "answer":
            quoted = "\n".join(answer.quoted_texts())
            return answer.status is AnswerStatus.FOUND and any(p in quoted for p in row.must_contain)
        case "mention":
            return (
                answer.status is AnswerStatus.MENTIONED_ONLY
                and bool(answer.mentions)
                and all(m.doc_title and m.location.steps for m in answer.mentions)
                and any(p in m.snippet for m in answer.mentions for p in row.must_contain)
            )
        case "none":
            return answer.status is AnswerStatus.NOT_FOUND and not answer.passages and not answer.definitions
    raise ValueError(f"unknown kind {row.kind!r}")


def test_every_dev_question(bundled_kb: KnowledgeBase, capsys: pytest.CaptureFixture[str]) -> None:
    rows = _rows()
    failures = []
    for row in rows:
        answer = bundled_kb.answer(row.question)
        if not passes(row, answer):
            where = [location_label(h.location) for h in answer.passages]
            failures.append(f"{row.kind}: {row.question} → {answer.status} {where}")
    accuracy = (len(rows) - len(failures)) / len(rows)
    with capsys.disabled():
        print(f"\nknowledge base dev set: {len(rows) - len(failures)}/{len(rows)} = {accuracy:.1%} ({QA_TSV.name})")
    assert not failures, "\n".join(failures)
