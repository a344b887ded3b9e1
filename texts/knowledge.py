"""How the knowledge base's structured answers read: a passage's location, from the catalog."""

from __future__ import annotations

from domain.knowledge.model import Location, LocationStep, StepKind
from domain.knowledge.text import chinese_numeral
from texts import plain


def step_label(step: LocationStep) -> str:
    """One level: 第三部分, 开头, 结尾, 第2段, or the document's own marker or opening words."""
    match step.kind:
        case StepKind.SECTION if step.ordinal is not None:
            return plain("kb.location.section", n=chinese_numeral(step.ordinal))
        case StepKind.PREAMBLE:
            return plain("kb.location.preamble")
        case StepKind.CLOSING:
            return plain("kb.location.closing")
        case StepKind.PARAGRAPH:
            return plain("kb.location.paragraph", n=step.ordinal)
        case StepKind.CHAPTER | StepKind.ARTICLE | StepKind.ASPECT:
            return step.marker.rstrip("，,、")
        case _:
            return step.heading or step.marker


def location_label(location: Location) -> str:
    """Where a passage stands, outermost part first: 第三部分 · 三要坚持严执法 (plain text: t() escapes it)."""
    return plain("kb.location.separator").join(step_label(step) for step in location.steps)
