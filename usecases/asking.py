"""Policy questions answered from the speeches (讲话精神), for every messenger alike: a question, the buttons under an
answer (全文, 其他提及, a suggested term) and the glossary's pages (/terms)."""

from __future__ import annotations

from domain.knowledge import Answer, KnowledgeBase
from kernel.services import Services
from texts import Html, t
from usecases.talk import Talk
from views.callbacks import KnowledgeButton
from views.keyboards import Button, Keyboard, rows_of
from views.knowledge import render_answer, render_full_passage, render_mentions

TERMS_PAGE = 30
MAX_QUESTION = 200


def _button(label: str, kind: str, value: str) -> Button | None:
    """A button, or None when its data would not fit a button's 64 bytes (a very long id or term)."""
    button = KnowledgeButton(kind, value)
    return Button(label, button.encode()) if button.fits() else None


def _keyboard(buttons: list[Button | None]) -> Keyboard | None:
    usable = [b for b in buttons if b is not None]
    return rows_of(usable) if usable else None


async def loaded(services: Services, talk: Talk, *, pressed: bool = False) -> KnowledgeBase | None:
    """The knowledge base; None, the person told so, while it is still loading after a start (or failed to load)."""
    if services.kb is None:
        key = "kb.unavailable" if services.kb_loaded.is_set() else "kb.loading"
        await (talk.refuse(key) if pressed else talk.say(t(key)))
    return services.kb


def answer_message(answer: Answer) -> tuple[Html, Keyboard | None]:
    """An answer and its buttons: 全文 under each passage cut short, 其他提及, the suggested terms."""
    text, trimmed = render_answer(answer)
    buttons = [_button(t("kb.full_button", n=n), "p", answer.passages[n - 1].passage_id) for n in trimmed]
    if answer.term and len(answer.mentions) > 1 and answer.definitions:
        buttons.append(_button(t("kb.mentions_button", count=len(answer.mentions)), "m", answer.term))
    buttons += [_button(s, "q", s) for s in answer.suggestions]
    return text, _keyboard(buttons)


async def ask(services: Services, talk: Talk, question: str) -> None:
    """/ask: answer a question (none: say how to ask)."""
    if not question.strip():
        await talk.say(t("kb.ask_usage"))
        return
    await answer(services, talk, question)


async def answer(services: Services, talk: Talk, question: str) -> None:
    """Answer what the person wrote (in a private chat, any text no question-and-answer is waiting for)."""
    if (kb := await loaded(services, talk)) is not None:
        await talk.say(*answer_message(kb.answer(question.strip()[:MAX_QUESTION])))


async def press(services: Services, talk: Talk, button: KnowledgeButton) -> None:
    """全文 / 其他提及 / a suggested term / a /terms page."""
    if (kb := await loaded(services, talk, pressed=True)) is None:
        return
    kind, value = button.kind, button.value
    if kind == "p":
        hit = kb.passage(value)
        if hit is None:
            await talk.refuse("kb.gone")
            return
        await talk.acknowledge()
        await talk.say(render_full_passage(hit))
    elif kind == "m":
        await talk.acknowledge()
        await talk.say(render_mentions(value, kb.term(value).mentions))
    elif kind == "q":
        await talk.acknowledge()
        await talk.say(*answer_message(kb.term(value)))
    elif kind == "t" and value.isdigit():
        await talk.acknowledge()
        await talk.in_place(*terms_page(kb, int(value)))
    else:
        await talk.refuse("button.invalid")


async def terms(services: Services, talk: Talk) -> None:
    """/terms: the glossary's first page."""
    if (kb := await loaded(services, talk)) is not None:
        await talk.say(*terms_page(kb, 0))


def terms_page(kb: KnowledgeBase, offset: int) -> tuple[Html, Keyboard | None]:
    """A page of the glossary, with 上一页/下一页."""
    every = kb.terms()
    page = every[offset : offset + TERMS_PAGE]
    lines = [t("kb.terms_line", mark="✓" if i.has_definition else "·", term=i.term, mentions=i.mentions) for i in page]
    text = t("kb.terms_page", start=offset + 1, end=offset + len(page), total=len(every), lines=Html("\n".join(lines)))
    return text, _keyboard([
        _button(t("my.previous"), "t", str(offset - TERMS_PAGE)) if offset > 0 else None,
        _button(t("my.next"), "t", str(offset + TERMS_PAGE)) if offset + TERMS_PAGE < len(every) else None,
    ])  # fmt: skip
