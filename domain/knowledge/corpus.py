"""Documents split into passages that keep a speech's own structure, and their titles.

A speech numbers its parts in a few ways, often nested: sections 一、/二、, demands 一要…/二要…
or 一是…/二是… (as whole paragraphs or run together inside one), 一方面/另一方面, and in
other documents （一）, 1. and 第一条. Each passage is the smallest such part, and its location
is the chain of parts above it, e.g. 第三部分 · 三要坚持严执法.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.knowledge.model import Document, Location, LocationStep, Passage, StepKind, TitleSource
from domain.knowledge.text import CLAUSE_END, SENTENCE_END, chinese_number, first_clause

_NUM = "[一二三四五六七八九十]+"

# Paragraph-level markers, most specific first (一、 must win over 一是 only by its comma).
_PARAGRAPH_MARKERS: tuple[tuple[StepKind, re.Pattern[str]], ...] = (
    (StepKind.ARTICLE, re.compile(rf"^第(?P<n>{_NUM}|\d+)条")),
    (StepKind.CHAPTER, re.compile(rf"^第(?P<n>{_NUM}|\d+)(?:章|部分|篇)")),
    (StepKind.SECTION, re.compile(rf"^(?P<n>{_NUM})[、．.]")),
    (StepKind.SUBSECTION, re.compile(rf"^[（(](?P<n>{_NUM})[）)]")),
    (StepKind.NUMBERED, re.compile(r"^(?P<n>\d{1,2})(?:[、．]|\.(?!\d))")),
    (StepKind.ITEM, re.compile(rf"^(?P<n>{_NUM})(?P<suffix>是|要)(?=[\u3400-\u9fff“（(])")),
    (StepKind.ASPECT, re.compile(r"^(?P<aspect>一方面|另一方面)")),
)

# Markers that run on inside a paragraph: 一是…；二是…, 一要…。二要…, 一方面…；另一方面…
_INLINE_ITEM = re.compile(rf"(?:^|(?<=[。；;：:！？!?，,]))(?P<n>{_NUM})(?P<suffix>是|要)(?=[\u3400-\u9fff“（(])")
_INLINE_ASPECT = re.compile(r"(?:^|(?<=[。；;：:！？!?，,]))(?P<aspect>一方面|另一方面)")
_INLINE_SUBSECTION = re.compile(rf"(?:^|(?<=[。；;：:！？!?，,]))[（(](?P<n>{_NUM})[）)]")

_SALUTATION = re.compile(r"^(?:(?:同志们|各位[^，。]{0,12}|尊敬的[^，。]{0,24})[：:，,！!]?|各[^，。：:]{1,16}[：:])$")
_FILLER = re.compile(r"^[.．。…·\-—_*\s]+$")
_CLOSING_CUE = re.compile(r"^(?:同志们|最后|总之|总而言之|综上|今天的会议|会议就到|我就讲|我就说|以上|谢谢)")

_MEETING = re.compile(
    # The name runs to the 会 that ends it: 县安委会全体（扩大）会议暨全县安全生产工作会，
    r"(?P<verb>召开|收听收看了?|参加|出席)(?P<name>[^，。；：！？]{2,50}?(?:会议|大会|会))(?![\u4e00-\u9fff])"
)
_TITLE_MAX = 60


@dataclass(frozen=True, slots=True)
class _Marker:
    kind: StepKind
    ordinal: int
    marker: str
    suffix: str = ""


@dataclass(slots=True)
class _Segment:
    text: str
    marker: _Marker | None
    paragraph: int
    inline_child: bool = False  # a part run together inside a paragraph, below the paragraph's own part


def parse_document(doc_id: str, text: str, *, bundled: bool, title: str | None = None) -> Document:
    """Split a document's text into passages with locations, and give it a title."""
    lines = [line.strip(" \t\u3000\ufeff") for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    lines = [line for line in lines if line]
    title_source = TitleSource.GIVEN
    if lines and is_title_line(lines[0]):
        first_line = lines.pop(0)
        if title is None:
            title, title_source = first_line, TitleSource.FIRST_LINE
    paragraphs = [line for line in lines if not _SALUTATION.match(line) and not _FILLER.match(line)]
    if title is None:
        title, title_source = title_from_opening(paragraphs)
    passages = tuple(
        Passage(id=f"{doc_id}#{n}", doc_id=doc_id, number=n, location=location, text=passage_text)
        for n, (location, passage_text) in enumerate(_passages(paragraphs), start=1)
    )
    return Document(id=doc_id, title=title, title_source=title_source, text=text, passages=passages, bundled=bundled)


def is_title_line(line: str) -> bool:
    """Whether a document's first line is its title rather than the start of the text."""
    if len(line) > _TITLE_MAX or _SALUTATION.match(line) or _paragraph_marker(line) is not None:
        return False
    if line[-1] in SENTENCE_END + "：:；;，,、…":
        return False
    return not any(ch in SENTENCE_END for ch in line)


def title_from_opening(paragraphs: list[str]) -> tuple[str, TitleSource]:
    """A title made from the meeting the opening names and the kind of speech, by code."""
    opening = "".join(paragraphs[:3])
    # A chairing script (主持词) announces the agenda; everything else here is a speech.
    kind = "主持讲话" if "现在开会" in opening or "议程" in opening else "讲话"
    meeting = _MEETING.search(opening)
    if meeting:
        name = meeting.group("name")
        if meeting.group("verb").startswith("收听收看"):
            return f"在收听收看{name}后的{kind}", TitleSource.OPENING
        return f"在{name}上的{kind}", TitleSource.OPENING
    if paragraphs:
        return first_clause(paragraphs[0], limit=24), TitleSource.FALLBACK
    return "", TitleSource.FALLBACK


def _paragraph_marker(text: str) -> _Marker | None:
    for kind, pattern in _PARAGRAPH_MARKERS:
        match = pattern.match(text)
        if match is None:
            continue
        groups = match.groupdict()
        if kind is StepKind.ASPECT:
            return _Marker(kind, 1 if groups["aspect"] == "一方面" else 2, groups["aspect"])
        ordinal = chinese_number(groups["n"])
        if ordinal is None:
            continue
        return _Marker(kind, ordinal, match.group(0), groups.get("suffix") or "")
    return None


def _inline_runs(text: str, own: _Marker | None) -> tuple[list[tuple[int, _Marker]], bool] | None:
    """The first run of parts numbered 1, 2, … inside a paragraph, and whether it continues `own`.

    A run continues the paragraph's own marker (一是A；二是B) when it is the same kind and picks
    up from its number; then the parts are siblings of the paragraph rather than its children.
    """
    for pattern, kind in ((_INLINE_ITEM, StepKind.ITEM), (_INLINE_SUBSECTION, StepKind.SUBSECTION)):
        candidates: list[tuple[int, _Marker]] = []
        for match in pattern.finditer(text):
            if match.start() == 0:
                continue
            ordinal = chinese_number(match.group("n"))
            if ordinal is not None:
                suffix = match.groupdict().get("suffix") or ""
                candidates.append((match.start(), _Marker(kind, ordinal, match.group(0), suffix)))
        if own is not None and own.kind is kind:
            run = _consecutive_run(candidates, own.ordinal + 1, same_suffix=True)
            if run and run[0][1].suffix == own.suffix:
                return run, True
        run = _consecutive_run(candidates, 1, same_suffix=True)
        if len(run) >= 2:
            return run, False
    aspects = [
        (m.start(), _Marker(StepKind.ASPECT, 1 if m.group("aspect") == "一方面" else 2, m.group("aspect")))
        for m in _INLINE_ASPECT.finditer(text)
        if m.start() > 0
    ]
    if own is not None and own.kind is StepKind.ASPECT and own.ordinal == 1:
        second = [a for a in aspects if a[1].ordinal == 2]
        if second:
            return second[:1], True
    run = _consecutive_run(aspects, 1, same_suffix=False)
    return (run, False) if len(run) == 2 else None


def _consecutive_run(
    candidates: list[tuple[int, _Marker]], start: int, *, same_suffix: bool
) -> list[tuple[int, _Marker]]:
    run: list[tuple[int, _Marker]] = []
    expected = start
    for position, marker in candidates:
        if marker.ordinal != expected:
            continue
        if same_suffix and run and marker.suffix != run[0][1].suffix:
            continue
        run.append((position, marker))
        expected += 1
    return run


def _segments(paragraphs: list[str]) -> list[_Segment]:
    """Paragraphs cut where numbered parts run together inside them."""
    segments: list[_Segment] = []
    for number, paragraph in enumerate(paragraphs, start=1):
        own = _paragraph_marker(paragraph)
        found = _inline_runs(paragraph, own)
        if found is None:
            segments.append(_Segment(paragraph, own, paragraph=number))
            continue
        run, continues = found
        cuts = [position for position, _ in run]
        segments.append(_Segment(paragraph[: cuts[0]], own, paragraph=number))
        for (position, marker), end in zip(run, [*cuts[1:], len(paragraph)], strict=True):
            part = paragraph[position:end]
            segments.append(_Segment(part, marker, paragraph=number, inline_child=not continues))
    return segments


def _is_heading_only(segment: _Segment) -> bool:
    """A section heading on its own line (一、认清形势，守住安全“底线”) is not a passage."""
    if segment.marker is None or segment.marker.kind not in (
        StepKind.CHAPTER,
        StepKind.SECTION,
        StepKind.SUBSECTION,
        StepKind.NUMBERED,
    ):
        return False
    return len(segment.text) <= 40 and not any(ch in SENTENCE_END + "；;" for ch in segment.text)


def _step(marker: _Marker, text: str) -> LocationStep:
    heading = text[len(marker.marker) :].lstrip("，,、 ") if marker.kind is not StepKind.ITEM else text
    return LocationStep(marker.kind, marker.ordinal, marker.marker, first_clause(heading))


def _passages(paragraphs: list[str]) -> list[tuple[Location, str]]:
    segments = _segments(paragraphs)
    if not any(segment.marker is not None for segment in segments):
        return [
            (Location((LocationStep(StepKind.PARAGRAPH, s.paragraph, "", first_clause(s.text)),)), s.text)
            for s in segments
            if s.text.strip()
        ]
    last_marked = max(i for i, segment in enumerate(segments) if segment.marker is not None)
    closing_from = next(
        (
            i
            for i in range(last_marked + 1, len(segments))
            if segments[i].marker is None and _CLOSING_CUE.match(segments[i].text)
        ),
        len(segments),
    )
    passages: list[tuple[Location, str]] = []
    stack: list[LocationStep] = []
    seen_marker = False
    for i, segment in enumerate(segments):
        text = segment.text.strip()
        if not text or all(ch in CLAUSE_END + "，,、 " for ch in text):
            continue
        marker = segment.marker
        if i >= closing_from:
            passages.append((Location((LocationStep(StepKind.CLOSING, None, "", first_clause(text)),)), text))
            continue
        if marker is None:
            steps = tuple(stack) if seen_marker else (LocationStep(StepKind.PREAMBLE, None, "", first_clause(text)),)
            passages.append((Location(steps), text))
            continue
        if segment.inline_child:
            # A part run together inside a paragraph sits below the paragraph's own part.
            passages.append((Location((*stack, _step(marker, text))), text))
            continue
        seen_marker = True
        step = _step(marker, text)
        _push(stack, step)
        if not _is_heading_only(segment):
            passages.append((Location(tuple(stack)), text))
    return passages


def _push(stack: list[LocationStep], step: LocationStep) -> None:
    """Place a part in the hierarchy: a kind already open closes what is below it."""
    for depth, open_step in enumerate(stack):
        if open_step.kind is step.kind:
            del stack[depth:]
            break
    stack.append(step)
