"""Which sentence of a passage answers the question that was asked.

A passage of a speech is a paragraph of several sentences; the answer to "对屡次整改不到位的企业
怎么办" is one of them. The question's frame says what kind of sentence answers it: 哪些/哪几/包括
want the enumeration (the items, 、-separated or 一是/二是), 是什么/什么意思 a definition (是/即/指),
怎么办/如何/要做什么 a sentence that prescribes (要/必须/坚决/严格), 出自/哪个原则 the principle or
document (原则, a quoted phrase, 《…》). Each clause (ended by 。！？；) is scored by the weight of
the question's words it contains, the kind's mark adding a little so that, among clauses that
carry the same words, the one of the asked kind wins.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise

__all__ = ["AnswerSpan", "QuestionKind", "answer_span", "question_kind"]


class QuestionKind(StrEnum):
    """What a question asks for, read from its interrogative frame."""

    ENUMERATION = "enumeration"  # 哪些, 哪几, 包括, 有几
    DEFINITION = "definition"  # 是什么, 什么意思, 指什么
    ACTION = "action"  # 怎么办, 如何, 要做什么, 有什么要求
    PRINCIPLE = "principle"  # 出自, 哪个原则, 依据
    REASON = "reason"  # 为什么, 为何, 原因
    PROHIBITION = "prohibition"  # 有哪些错误做法, 不能做什么: what the speech forbids
    OTHER = "other"


_KIND_PATTERNS: tuple[tuple[QuestionKind, re.Pattern[str]], ...] = (
    (QuestionKind.PROHIBITION, re.compile(r"错误做法|错误|不能做|不该做|不允许|禁止|不得|误区")),
    (QuestionKind.PRINCIPLE, re.compile(r"出自|出处|哪个原则|什么原则|依据|哪份文件|哪个文件|怎么说的|怎么讲的|原话")),
    (QuestionKind.REASON, re.compile(r"为什么|为何|什么原因|原因是|怎么会|目的|为了什么")),
    (QuestionKind.ENUMERATION, re.compile(r"哪些|哪几|包括|包含|有几|几个|几项|几点|几条|哪两|哪三|哪四|哪五")),
    (QuestionKind.ACTION, re.compile(r"怎么办|怎么|怎样|如何|咋|做什么|干什么|要求|应该|应当|注意|还要|需要")),
    (QuestionKind.DEFINITION, re.compile(r"是什么|什么是|什么意思|指什么|是指|含义|意思|是怎样|是哪")),
)
# The mark of a clause of each kind.
_CLAUSE_MARKS: dict[QuestionKind, re.Pattern[str]] = {
    QuestionKind.ENUMERATION: re.compile(r"、|[一二三四五六七八九][是要查]|：|等"),
    QuestionKind.DEFINITION: re.compile(r"是指|即|就是|是|指"),
    QuestionKind.ACTION: re.compile(r"要|必须|坚决|严格|一律|立即|及时|务必|应|该"),
    QuestionKind.PRINCIPLE: re.compile(r"原则|“|《|要求|理念"),
    QuestionKind.REASON: re.compile(r"原因|因为|由于|导致|为了|目的"),
    QuestionKind.PROHIBITION: re.compile(r"决不能|不能|不得|禁止|杜绝|反对|严禁|不准|不允许|克服"),
    QuestionKind.OTHER: re.compile(r"(?!)"),
}
# Kinds whose clause mark is specific enough to rank passages by (、 and 要 are everywhere).
_RANKING_MARKS = frozenset({QuestionKind.PROHIBITION, QuestionKind.PRINCIPLE})
# An actor followed by a modal (领导要, 队伍要保持, 企业必须): the speech tells that actor what to do.
_PRESCRIBES = re.compile(r"(?:一定)?(?:要(?!求)|必须|应当|应|务必|需要)")
_PARALLEL = 12  # characters between the starts of two coordinated words written in parallel (A定…，B列…)
_ECHO_SHARE = 0.25  # of the lightest question word: an echoed verb of handling only breaks ties
_KIND_BONUS = 0.35  # of the heaviest question word: enough to choose among equals, not to outvote a word
_CLAUSE_END = "。！？!?；;"
_CLOSING = "”’」』)）"
_SHORT_CLAUSE = 14  # a clause this short (一要突出预警。) is a heading: its answer follows it
_ITEM = re.compile(r"\s*(?:[一二三四五六七八九十]+(?:是|要|方面|、)|（[一二三四五六七八九十]+）|\d+[.、])")
_ITEMS_LIMIT = 400  # characters of an enumeration quoted as the answer; the rest is behind the full-passage button
_HEADING = 40  # a passage's first clause up to this long is its heading (三要全力做好迎接国务院巡查各项准备工作。)
# … when it opens with a speech's numbering (一要, 二是, 三、, （一）, 一方面) or 首先/最后: a preamble's
# first sentence (我们召开全县安全生产工作约谈会。) is not a heading, its next one may say why.
_HEADING_MARK = re.compile(
    r"\s*(?:[一二三四五六七八九十]+(?:是|要|、|方面)|（[一二三四五六七八九十]+）|\d+[.、]|另一方面|首先|其次|最后)"
)


def question_kind(question: str) -> QuestionKind:
    """The kind of answer a question's frame asks for."""
    for kind, pattern in _KIND_PATTERNS:
        if pattern.search(question):
            return kind
    return QuestionKind.OTHER


@dataclass(frozen=True, slots=True)
class AnswerSpan:
    """The answering clause(s) of a passage: [start, end) and the share of the question's weight they carry."""

    start: int
    end: int
    coverage: float
    in_heading: bool = False  # the question's words are the passage's heading: the passage is about them
    # the clause carries the mark of a kind whose mark is specific (决不能 for 错误做法, 原则 for 出自)
    marked: bool = False
    # the clause tells the question's actor what to do (主要领导要亲自过问 for 主要领导要做什么)
    prescribed: bool = False


def clauses(text: str) -> list[tuple[int, int]]:
    """Spans of a passage's clauses, each ending after its 。！？；."""
    spans: list[tuple[int, int]] = []
    start = 0
    for i, ch in enumerate(text):
        if ch in _CLAUSE_END:
            end = i + 1
            while end < len(text) and text[end] in _CLOSING:
                end += 1  # 。” closes a quotation: the quotation mark belongs to the clause it ends
            if text[start:end].strip() and end > start:
                spans.append((start, end))
            start = max(start, end)
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


def _best_clause(
    text: str,
    spans: Sequence[tuple[int, int]],
    weights: dict[str, float],
    bonus: float,
    mark: re.Pattern[str],
    actors: Sequence[str] = (),
    coordinated: Collection[tuple[str, str]] = (),
    echoes: Mapping[str, float] | None = None,
) -> tuple[float, float, int] | None:
    """(score, coverage, index in spans) of the clause carrying most of the question, or None if none does."""
    words = list(weights)
    # Words the question writes side by side (经济 形势) count again where the clause has them side
    # by side too (从经济形势上看): the phrase, not two words scattered over a long sentence.
    # A modifier and its head are one phrase with or without 的 between them (反馈问题, 反馈的问题).
    pairs = [(a, b, min(weights[a], weights[b])) for a, b in pairwise(words)]
    echoes = echoes or {}
    total = sum(weights.values()) + sum(w for _, _, w in pairs) + sum(echoes.values()) or 1.0
    best: tuple[float, float, int] | None = None
    for n, (start, end) in enumerate(spans):
        clause = text[start:end]
        carried = sum(w for word, w in weights.items() if word in clause)
        if not carried:
            continue
        carried += sum(w for a, b, w in pairs if _together(clause, a, b, (a, b) in coordinated))
        carried += sum(w for echo, w in echoes.items() if echo in clause)
        score = carried + (bonus if mark.search(clause) else 0.0) + (bonus if _prescribes(clause, actors) else 0.0)
        if best is None or score > best[0]:
            best = (score, carried / total, n)
    return best


def _together(clause: str, a: str, b: str, coordinated: bool) -> bool:
    """Whether a clause writes two neighbouring question words as the question does.

    Side by side, with or without 的 (反馈问题, 反馈的问题); words the question coordinates (决策和措施)
    a speech lists in parallel, close together (决策定一项是一项，措施列一条做一条).
    """
    if a + b in clause or a + "的" + b in clause:
        return True
    if not coordinated:
        return False
    return any(abs(i - j) <= _PARALLEL for i in _positions(clause, a) for j in _positions(clause, b))


def _positions(text: str, word: str) -> list[int]:
    found = []
    at = text.find(word)
    while at != -1:
        found.append(at)
        at = text.find(word, at + 1)
    return found


def _prescribes(clause: str, actors: Sequence[str]) -> bool:
    """Whether the clause has one of the actors right before a modal (主要领导要, 应急救援队伍要)."""
    for actor in actors:
        at = clause.find(actor)
        while at != -1:
            if _PRESCRIBES.match(clause, at + len(actor)):
                return True
            at = clause.find(actor, at + 1)
    return False


def answer_span(
    folded_text: str,
    words: Sequence[str],
    weight: Callable[[str], float],
    kind: QuestionKind,
    actors: Sequence[str] = (),
    *,
    asks_how: bool = False,
    coordinated: Collection[tuple[str, str]] = (),
    echoes: Sequence[str] = (),
) -> AnswerSpan | None:
    """The clause of a (folded) passage that best answers, or None when no clause holds a question word."""
    if not words:
        return None
    weights = {word: weight(word) for word in words}
    bonus = _KIND_BONUS * max(weights.values())
    mark = _CLAUSE_MARKS[kind]
    spans = clauses(folded_text)
    actors = [actor for actor in actors if actor in weights]
    # The question's verb of handling (对待, 处理) is too common to search by, but of two clauses carrying
    # the same words, the one that also uses it echoes the question (把隐患当作事故来对待): a tie-breaker.
    echo_weights = {echo: _ECHO_SHARE * min(weights.values()) for echo in echoes if echo not in weights}
    best = _best_clause(folded_text, spans, weights, bonus, mark, actors, coordinated, echo_weights)
    if best is None:
        return None
    _, coverage, n = best
    in_heading = False
    announces_items = (
        kind is QuestionKind.ENUMERATION and n + 1 < len(spans) and bool(_ITEM.match(folded_text, spans[n + 1][0]))
    )
    heading = spans[0][1] - spans[0][0] <= _HEADING and bool(_HEADING_MARK.match(folded_text))
    if n == 0 and len(spans) > 1 and heading and not announces_items:
        # The passage's heading (三要全力做好迎接国务院巡查各项准备工作。) names the topic; the
        # answer is in its body: the body clause that best carries the question, else the first.
        # No kind bonus here: among body clauses the words decide, the earliest among equals.
        # A question asking what to do is answered by a body clause that prescribes (要, 必须, 坚决 …):
        # speeches state the background first (全国上下正在开展安全生产大检查。), then what to do.
        candidates = list(range(1, len(spans)))
        if asks_how:
            prescribing = _CLAUSE_MARKS[QuestionKind.ACTION]
            candidates = [i for i in candidates if prescribing.search(folded_text, *spans[i])] or candidates
        body = _best_clause(
            folded_text, [spans[i] for i in candidates], weights, 0.0, mark, (), coordinated, echo_weights
        )
        n = candidates[body[2] if body is not None else 0]
        in_heading = True
    start, end = spans[n]
    if kind is QuestionKind.PRINCIPLE and n > 0 and "“" not in folded_text[start:end]:
        # 总书记强调，“…。” 总书记的重要指示，深刻揭示了…: a clause naming the words said refers back to the
        # quotation just before it, which is what 怎么说的/原话 asks for: quote both.
        before = folded_text[spans[n - 1][0] : spans[n - 1][1]]
        if "“" in before and before.rstrip().endswith("”"):
            start = spans[n - 1][0]
    marked = kind in _RANKING_MARKS and bool(mark.search(folded_text[start:end]))
    prescribed = _prescribes(folded_text[start:end], actors)
    if kind is QuestionKind.ENUMERATION:
        # 还存在不少问题。一是…；二是…；三是…: the clause announces the items that follow it.
        following = n + 1
        while following < len(spans) and _ITEM.match(folded_text, spans[following][0]):
            if spans[following][1] - start > _ITEMS_LIMIT and following > n + 1:
                break
            end = spans[following][1]
            following += 1
        if following > n + 1:
            return AnswerSpan(start, end, coverage, in_heading, marked, prescribed)
    if kind is QuestionKind.REASON and n + 1 < len(spans) and not _CLAUSE_MARKS[kind].search(folded_text[start:end]):
        # A speech states the fact, then why (我市安全生产形势依然不容乐观。从政治形势上看，…): quote both.
        return AnswerSpan(start, spans[n + 1][1], coverage, in_heading, marked, prescribed)
    # A heading clause (一要突出预警。) or one announcing a list (要做到“三个坚持”：) is answered by
    # what follows it: quote the next clause with it.
    if n + 1 < len(spans) and (end - start <= _SHORT_CLAUSE or folded_text[start:end].rstrip().endswith(("：", ":"))):
        end = spans[n + 1][1]
    return AnswerSpan(start, end, coverage, in_heading, marked, prescribed)
