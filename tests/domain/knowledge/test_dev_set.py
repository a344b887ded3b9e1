"""The question sets: the shared dev set (tests/data/qa_dev.tsv, a copy of the shared one) and the engine's own
(tests/data/qa_own.tsv, issue 17). Prints first-quoted-text and top-3 accuracy and refusal precision and recall.

Another file of the same format can be checked with KB_QA_TSV=/path/to/file.tsv.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from domain.knowledge import Answer, AnswerStatus, KnowledgeBase
from tests.domain.knowledge.plain_ranker import PlainRanker
from texts.knowledge import location_label

DATA = Path(__file__).resolve().parents[2] / "data"
QA_TSV = Path(os.environ.get("KB_QA_TSV", DATA / "qa_dev.tsv"))
OWN_TSV = DATA / "qa_own.tsv"
BUNDLED_CORPUS = Path(__file__).resolve().parents[3] / "config" / "corpus"
# Held-out questions, never edited to pass: the first written before the engine changes of 2026-12-04 evening
# (some of which were then found from its misses), the second after them and measured once, the third before the
# generalisation work of the second continuation (see tests/data/README.md).
HOLDOUT_TSVS = (DATA / "qa_own_holdout.tsv", DATA / "qa_own_holdout2.tsv", DATA / "qa_own_holdout3.tsv")
# The goal on the engine's own set (issue 17), asserted; top-3 at what the engine reaches (see README).
FIRST_QUOTED_GOAL = 0.95
TOP3_FLOOR = 0.96


@dataclass(frozen=True)
class Row:
    question: str
    must_contain: tuple[str, ...]
    kind: str  # answer | mention | none


def _rows(path: Path) -> list[Row]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
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


@dataclass(frozen=True)
class Scores:
    """The figures a question set is measured by."""

    answerable: int
    first_quoted: int  # the first text the reply quotes holds the phrase
    top3: int  # one of the first three quoted texts does
    refused_right: int  # a question to refuse was refused
    refused_wrong: int  # a question the speeches answer was refused
    to_refuse: int
    misses: tuple[str, ...]

    @property
    def refusal_precision(self) -> float:
        """Of the refusals, how many were right."""
        refused = self.refused_right + self.refused_wrong
        return self.refused_right / refused if refused else 1.0

    @property
    def refusal_recall(self) -> float:
        """Of the questions to refuse, how many were refused."""
        return self.refused_right / self.to_refuse if self.to_refuse else 1.0


def score(kb: KnowledgeBase, rows: list[Row]) -> Scores:
    """Ask every question and count."""
    answerable = first = top3 = right = wrong = to_refuse = 0
    misses: list[str] = []
    for row in rows:
        answer = kb.answer(row.question)
        refused = answer.status is AnswerStatus.NOT_FOUND
        if row.kind == "none":
            to_refuse += 1
            right += refused
            if not refused:
                misses.append(f"not refused: {row.question}")
            continue
        wrong += refused
        if row.kind != "answer":
            continue
        answerable += 1
        quotes = answer.first_quotes()
        first_ok = bool(quotes) and any(p in quotes[0] for p in row.must_contain)
        first += first_ok
        top3 += any(p in quote for quote in quotes[:3] for p in row.must_contain)
        if not first_ok:
            misses.append(f"first quote: {row.question} → {answer.status} {quotes[0][:40] if quotes else ''}")
    return Scores(answerable, first, top3, right, wrong, to_refuse, tuple(misses))


def _report(name: str, scores: Scores) -> str:
    n = scores.answerable or 1
    return (
        f"\nknowledge base {name} set: first quoted text {scores.first_quoted}/{scores.answerable} = "
        f"{scores.first_quoted / n:.1%}, top-3 {scores.top3}/{scores.answerable} = {scores.top3 / n:.1%}, "
        f"refusal precision {scores.refusal_precision:.1%} recall {scores.refusal_recall:.1%} "
        f"({scores.refused_right}/{scores.to_refuse} refused)"
    )


def test_every_dev_question(bundled_kb: KnowledgeBase, capsys: pytest.CaptureFixture[str]) -> None:
    """Every row of the shared dev set passes; its figures are printed."""
    rows = _rows(QA_TSV)
    failures = []
    for row in rows:
        answer = bundled_kb.answer(row.question)
        if not passes(row, answer):
            where = [location_label(h.location) for h in answer.passages]
            failures.append(f"{row.kind}: {row.question} → {answer.status} {where}")
    accuracy = (len(rows) - len(failures)) / len(rows)
    with capsys.disabled():
        print(f"\nknowledge base dev set: {len(rows) - len(failures)}/{len(rows)} = {accuracy:.1%} ({QA_TSV.name})")
        print(_report("dev", score(bundled_kb, rows)))
    assert not failures, "\n".join(failures)


def test_own_set(bundled_kb: KnowledgeBase, capsys: pytest.CaptureFixture[str]) -> None:
    """The engine's own set: figures printed; refusals exact, first quoted at the goal, top-3 above its floor."""
    rows = _rows(OWN_TSV)
    assert sum(r.kind == "answer" for r in rows) >= 150 and sum(r.kind == "none" for r in rows) >= 30
    scores = score(bundled_kb, rows)
    with capsys.disabled():
        print(_report("own", scores) + f" (goal: first quoted ≥ {FIRST_QUOTED_GOAL:.0%})")
        for miss in scores.misses:
            print(f"  {miss}")
    assert scores.refused_wrong == 0, "a question the speeches answer was refused"
    assert scores.refused_right == scores.to_refuse, "an off-topic question was answered"
    assert scores.first_quoted / scores.answerable >= FIRST_QUOTED_GOAL
    assert scores.top3 / scores.answerable >= TOP3_FLOOR


@pytest.mark.parametrize("path", HOLDOUT_TSVS, ids=lambda path: path.stem)
def test_own_holdout_set(bundled_kb: KnowledgeBase, capsys: pytest.CaptureFixture[str], path: Path) -> None:
    """The held-out questions: figures printed (not tuned on, so no floor); off-topic ones are refused."""
    scores = score(bundled_kb, _rows(path))
    with capsys.disabled():
        print(_report(path.stem, scores))
        for miss in scores.misses:
            print(f"  {miss}")
    assert scores.refused_right == scores.to_refuse, "an off-topic question was answered"


def plain_score(ranker: PlainRanker, rows: list[Row]) -> Scores:
    """The plain reference ranker on a set, counted as the engine is (it never refuses)."""
    answerable = first = top3 = 0
    for row in rows:
        if row.kind != "answer":
            continue
        quotes = ranker.top(row.question)
        answerable += 1
        first += any(p in quotes[0] for p in row.must_contain)
        top3 += any(p in quote for quote in quotes for p in row.must_contain)
    to_refuse = sum(row.kind == "none" for row in rows)
    return Scores(answerable, first, top3, 0, 0, to_refuse, ())


def test_plain_reference(capsys: pytest.CaptureFixture[str]) -> None:
    """The plain jieba + BM25 sentence ranker's figures on every set, printed beside the engine's."""
    ranker = PlainRanker(BUNDLED_CORPUS)
    with capsys.disabled():
        for path in (QA_TSV, OWN_TSV, *HOLDOUT_TSVS):
            print(_report(f"{path.stem} (plain jieba + BM25 sentence ranker)", plain_score(ranker, _rows(path))))
    own = plain_score(ranker, _rows(OWN_TSV))
    assert own.first_quoted > 0 and own.refused_right == 0  # a real ranker that answers, and refuses nothing
