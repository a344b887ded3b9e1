"""Rendering knowledge-base answers: quotes trimmed around the match, with document and place."""

from __future__ import annotations

from domain.knowledge import Answer, AnswerStatus, Definition, DefinitionKind, Hit, Mention
from texts import Html, escape, t
from texts.knowledge import location_label

EXCERPT = 240  # characters of a passage shown around its match; the full text is a button away
ANSWER_LIMIT = 400  # characters of answering clauses (an enumeration) shown before they too are trimmed


def excerpt(text: str, spans: tuple[tuple[int, int], ...], width: int = EXCERPT) -> tuple[Html, bool]:
    """The part of `text` around its first matches, matched words in bold; and whether it was cut."""
    if not spans:
        start = 0
    else:
        first = spans[0][0]
        start = max(0, min(first - width // 3, len(text) - width))
    end = min(len(text), start + width)
    pieces: list[str] = ["…"] if start > 0 else []
    cursor = start
    for left, right in spans:
        left, right = max(left, cursor), min(right, end)
        if left >= right:
            continue
        pieces += [escape(text[cursor:left]), f"<b>{escape(text[left:right])}</b>"]
        cursor = right
    pieces.append(escape(text[cursor:end]))
    if end < len(text):
        pieces.append("…")
    return Html("".join(pieces)), start > 0 or end < len(text)


def _definition(definition: Definition) -> Html:
    if definition.items:
        body = Html("\n".join(t("kb.item", item=item) for item in definition.items))
    else:
        body = escape(definition.text)
    if definition.kind is DefinitionKind.SUPPLEMENT:
        return t("kb.definition_supplement", body=body, note=definition.note or "")
    source = definition.source
    where = t("kb.source", title=source.doc_title, location=location_label(source.location)) if source else Html("")
    note = t("kb.inferred") if definition.kind is DefinitionKind.MATCHING_LIST else Html("")
    return t("kb.definition", body=body, source=where, note=note)


def _hit(number: int, hit: Hit) -> tuple[Html, bool]:
    if hit.answer_span is not None:
        # The clause(s) that answer, quoted alone; the whole passage is behind the 全文 button.
        start, end = hit.answer_span
        spans = tuple((max(a, start) - start, min(b, end) - start) for a, b in hit.match_spans if a < end and b > start)
        text, cut = excerpt(hit.text[start:end], spans, width=max(EXCERPT, min(end - start, ANSWER_LIMIT)))
        cut = cut or (start, end) != (0, len(hit.text))
    else:
        text, cut = excerpt(hit.text, hit.match_spans)
    return t("kb.passage", n=number, title=hit.doc_title, location=location_label(hit.location), text=text), cut


def _mention(number: int, mention: Mention) -> Html:
    left, right = mention.span
    snippet = mention.snippet
    marked = Html(f"{escape(snippet[:left])}<b>{escape(snippet[left:right])}</b>{escape(snippet[right:])}")
    return t("kb.mention", n=number, title=mention.doc_title, location=location_label(mention.location), snippet=marked)


def render_answer(answer: Answer) -> tuple[Html, list[int]]:
    """The reply to a question, and the numbers of the passages that were trimmed (for 全文 buttons)."""
    if answer.status is AnswerStatus.NOT_FOUND:
        return t("kb.not_found", question=answer.question[:60], suggestions="、".join(answer.suggestions)), []
    if answer.status is AnswerStatus.MENTIONED_ONLY:
        lines = [_mention(n, m) for n, m in enumerate(answer.mentions[:8], start=1)]
        return t("kb.mentioned_only", term=answer.term or answer.question, count=len(answer.mentions),
                 mentions=Html("\n".join(lines))), []  # fmt: skip
    definitions: list[str] = []
    if answer.term and answer.definitions:
        definitions.append(t("kb.term_heading", term=answer.term))
        definitions += [_definition(d) for d in answer.definitions]
    passages: list[str] = []
    trimmed: list[int] = []
    for number, hit in enumerate(answer.passages, start=1):
        text, cut = _hit(number, hit)
        passages.append(text)
        if cut:
            trimmed.append(number)
    parts = definitions + passages if answer.definitions_first else passages + definitions
    return Html("\n\n".join(parts)), trimmed


def render_mentions(term: str, mentions: tuple[Mention, ...]) -> Html:
    """Every place a term is mentioned."""
    lines = [_mention(n, m) for n, m in enumerate(mentions, start=1)]
    return t("kb.all_mentions", term=term, count=len(mentions), mentions=Html("\n".join(lines)))


def render_full_passage(hit: Hit) -> Html:
    """A whole passage with its source."""
    return t("kb.full_passage", title=hit.doc_title, location=location_label(hit.location), text=hit.text)
