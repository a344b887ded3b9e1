"""The report, question by question, for every messenger alike: a safety officer's draft asked through (描述 → 类别 →
位置 → 照片 → 等级 → 确认), or begun in one message with a `#隐患` caption, then filed (usecases.reporting).

The draft lives in the user's session (`session["draft"]`), kept across restarts. Each step returns where the report
now stands: the Step it asks next, ENDED when it is over (filed, cancelled, refused), or None when it stays where it
was (an answer that could not be used, a press that was refused). The adapters map that to their own conversation
machinery (Telegram: ConversationHandler states) and say nothing themselves: the words come from here.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Final

from domain.hazards import (
    MAX_DESCRIPTION,
    MAX_PHOTOS,
    MAX_PLACE,
    Draft,
    Grade,
    Photo,
    Step,
    TextProblem,
    check_description,
    check_place,
    fill_from_caption,
)
from domain.members import Member, Role
from kernel.services import Services
from texts import Html, plain, t
from texts.limits import clip
from usecases.reporting import file_report
from usecases.talk import Session, Talk
from views.callbacks import DraftButton
from views.cards import draft_card, grade_label, unit_names
from views.keyboards import Button, Keyboard


class _Ended:
    def __repr__(self) -> str:
        return "ENDED"


ENDED: Final = _Ended()
Outcome = Step | _Ended | None
TakeImage = Callable[[Draft], Awaitable[Photo | None]]  # the message's image staged under the draft, or None (told why)


def draft_of(session: Session) -> Draft | None:
    """The user's open draft."""
    draft = session.get("draft")
    return draft if isinstance(draft, Draft) else None


def _button(draft: Draft, label: str, action: str, arg: str = "") -> Button:
    return Button(label, DraftButton(draft.key, action, arg).encode())


def question(services: Services, draft: Draft, step: Step) -> tuple[Html, Keyboard | None]:
    """The text and buttons that ask for `step`."""
    org = services.org
    if step is Step.CATEGORY:
        suggested = org.suggest_categories(draft.description, draft.enterprise_id)
        buttons = [_button(draft, c.name, "cat", c.id) for c in suggested]
        return t("report.ask_category"), tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))
    if step is Step.PHOTOS:
        return (t("report.ask_photos", max=MAX_PHOTOS, have=len(draft.photos)),
                ((_button(draft, t("report.photos_done"), "done"),),))  # fmt: skip
    if step is Step.GRADE:
        return t("report.ask_grade"), ((
            _button(draft, grade_label(Grade.GENERAL), "grade", Grade.GENERAL),
            _button(draft, grade_label(Grade.MAJOR), "grade", Grade.MAJOR)),)  # fmt: skip
    if step is Step.CONFIRM:
        return draft_card(org, draft), ((
            _button(draft, t("report.submit"), "submit"), _button(draft, t("report.edit"), "edit")),)  # fmt: skip
    return t(f"report.ask_{step}", limit=MAX_PLACE if step is Step.PLACE else MAX_DESCRIPTION), None


async def ask(services: Services, talk: Talk, draft: Draft, answered: Html | None = None) -> Step:
    """Ask the draft's next question.

    After a button press (`answered` says what was chosen) the question it answered becomes the next one, in place:
    one message per question, and the old buttons cannot be pressed again.
    """
    step = draft.next_step()
    text, keyboard = question(services, draft, step)
    if answered is None:
        await talk.say(text, keyboard)
    else:
        await talk.in_place(t("report.answered", answer=answered, question=text), keyboard)
    return step


async def _new_draft(services: Services, talk: Talk, session: Session, member: Member) -> Draft | None:
    if member.role is not Role.OFFICER or member.enterprise_id not in services.org.enterprises:
        await talk.say(t("report.officers_only"))
        return None
    discard(services, session)
    draft = Draft(key=secrets.token_hex(8), enterprise_id=member.enterprise_id)
    session["draft"] = draft
    return draft


async def start(services: Services, talk: Talk, session: Session, member: Member) -> Outcome:
    """/report: begin a report."""
    draft = await _new_draft(services, talk, session, member)
    return ENDED if draft is None else await ask(services, talk, draft)


async def start_from_caption(services: Services, talk: Talk, session: Session, member: Member, caption: str,
                             album_id: str | None, take: TakeImage, *more: TakeImage) -> Outcome:  # fmt: skip
    """A photo captioned `#隐患 …` (with `more` photos of the same message, where a messenger sends them together): a
    report in one message, asking only what is missing."""
    draft = await _new_draft(services, talk, session, member)
    if draft is None:
        return ENDED
    intake = fill_from_caption(draft, caption, {c.name: c.id for c in services.org.categories.values()})
    draft.album_id = album_id
    draft.photos_done = True  # the photos came with the report
    photo = await take(draft)
    if photo is None:
        discard(services, session)
        return ENDED
    draft.photos.append(photo)
    for taking in more:  # each told and left out if it cannot be used (one too many, not an image)
        if (another := await taking(draft)) is not None:
            draft.photos.append(another)
    # what the caption gave but could not be used is said first; the question for it follows (in order)
    if intake.description is not None:
        await talk.say(t(f"report.description_{intake.description}", limit=MAX_DESCRIPTION,
                         length=intake.description_length))  # fmt: skip
    if intake.place is not None:
        await talk.say(t(f"report.place_{intake.place}", limit=MAX_PLACE, length=intake.place_length))
    return await ask(services, talk, draft)


async def _lost(talk: Talk) -> Outcome:
    """A conversation restored without its draft (a session this version could not read): start again."""
    await talk.say(t("report.draft_lost"))
    return ENDED


async def text(services: Services, talk: Talk, session: Session, raw: str) -> Outcome:
    """Typed text: the description or the place when that is asked; where a button is expected, say so."""
    draft = draft_of(session)
    if draft is None:
        return await _lost(talk)
    step = draft.next_step()
    if step is Step.DESCRIPTION:
        return await _take_text(services, talk, draft, "description", MAX_DESCRIPTION, check_description, raw)
    if step is Step.PLACE:
        return await _take_text(services, talk, draft, "place", MAX_PLACE, check_place, raw)
    if step is Step.PHOTOS:
        return await unexpected(talk, session)
    await talk.say(t("report.use_buttons"))
    return None


async def _take_text(services: Services, talk: Talk, draft: Draft, field: str, limit: int,
                     check: Callable[[str], str | TextProblem], raw: str) -> Outcome:  # fmt: skip
    value = check(raw)
    if isinstance(value, TextProblem):
        await talk.say(t(f"report.{field}_{value}", limit=limit, length=len(raw)))
        return draft.next_step()
    setattr(draft, field, value)
    return await ask(services, talk, draft)


async def location(services: Services, talk: Talk, session: Session, latitude: float, longitude: float,
                   venue: str | None) -> Outcome:  # fmt: skip
    """A shared location as the place (a venue names it; a bare pin only says it is one)."""
    draft = draft_of(session)
    if draft is None:
        return await _lost(talk)
    draft.latitude, draft.longitude = latitude, longitude
    # the pin is shown as a map link (views.cards.map_link)
    draft.place = clip(venue.strip(), MAX_PLACE) if venue and venue.strip() else plain("report.place_from_location")
    return await ask(services, talk, draft)


async def image(services: Services, talk: Talk, session: Session, album_id: str | None, take: TakeImage) -> Outcome:
    """A photo or image file while a report is open."""
    draft = draft_of(session)
    if draft is None:
        return await _lost(talk)
    in_album = album_id is not None and album_id == draft.album_id
    if draft.next_step() is Step.CONFIRM and not in_album:
        await talk.say(t("report.photos_use_edit"))
        return None
    photo = await take(draft)
    if photo is None:
        return None
    draft.photos.append(photo)
    if not in_album:
        await talk.say(t("report.photo_received", count=len(draft.photos), max=MAX_PHOTOS),
                       ((_button(draft, t("report.photos_done"), "done"),),)
                       if draft.next_step() is Step.PHOTOS else None)  # fmt: skip
    if draft.next_step() is Step.CONFIRM:
        return await ask(services, talk, draft)  # an album photo that came after the card: show it again
    return None


async def press(services: Services, talk: Talk, session: Session, button: DraftButton, member: Member | None,
                update_id: int | None) -> Outcome:  # fmt: skip
    """A button of the report: category, grade, photos done, edit, reopen a step, submit."""
    if button.what == "submit" and member is None:  # removed while drafting: nothing is filed
        discard(services, session)
        return ENDED
    draft = draft_of(session)
    if draft is None or button.draft_key != draft.key:
        await talk.refuse()
        return None
    value = button.value
    if button.what == "cat":
        category = services.org.categories.get(value)
        if category is None:
            await talk.acknowledge()
            await talk.say(t("report.unknown_category"))
            return None
        await talk.acknowledge()
        draft.category_id = category.id
        return await ask(services, talk, draft, t("report.chosen", label=Html(t("report.label_category")),
                                                  value=category.name))  # fmt: skip
    if button.what == "grade":
        if value not in set(Grade):
            await talk.refuse("button.invalid")
            return None
        await talk.acknowledge()
        draft.grade = Grade(value)
        return await ask(services, talk, draft, t("report.chosen", label=Html(t("report.label_grade")),
                                                  value=grade_label(draft.grade)))  # fmt: skip
    if button.what == "done":
        await talk.acknowledge()
        draft.photos_done = True
        return await ask(services, talk, draft, t("report.photos_received", count=len(draft.photos)))
    if button.what == "edit":
        await talk.acknowledge()
        steps = [Step.DESCRIPTION, Step.CATEGORY, Step.PLACE, Step.PHOTOS, Step.GRADE]
        await talk.say(t("report.edit_which"), (
            tuple(_button(draft, t(f"report.label_{s}"), "reopen", s) for s in steps[:3]),
            tuple(_button(draft, t(f"report.label_{s}"), "reopen", s) for s in steps[3:])))  # fmt: skip
        return None
    if button.what == "reopen":
        if value not in {s.value for s in Step} or value == Step.CONFIRM:
            await talk.refuse("button.invalid")
            return None
        await talk.acknowledge()
        step = Step(value)
        if step is Step.PHOTOS:
            services.media.discard(draft.key)
        draft.reopen(step)
        return await ask(services, talk, draft, t("report.editing", label=Html(t(f"report.label_{step}"))))
    if button.what == "submit":
        await talk.acknowledge()
        return await _submit(services, talk, session, draft, member, update_id)
    await talk.refuse("button.invalid")
    return None


async def _submit(services: Services, talk: Talk, session: Session, draft: Draft, member: Member | None,
                  update_id: int | None) -> Outcome:  # fmt: skip
    """提交: file the hazard, tell the officer its id, and deliver it to its units."""
    if draft.next_step() is not Step.CONFIRM:
        return await ask(services, talk, draft)
    assert member is not None
    hazard = (await file_report(services, draft, member.telegram_id, update_id)).hazard
    session.pop("draft", None)
    card = draft_card(services.org, draft, t("report.filed_title", code=hazard.code))
    await talk.in_place(t("report.filed", card=card, code=hazard.code, units=unit_names(services.org, hazard)))
    talk.soon(services.dispatcher.deliver(), f"deliver:{hazard.code}")
    return ENDED


async def cancel(services: Services, talk: Talk, session: Session) -> Outcome:
    """/cancel: abandon the report; nothing is stored."""
    discard(services, session)
    await talk.say(t("report.cancelled"))
    return ENDED


async def unexpected(talk: Talk, session: Session) -> Outcome:
    """Something the current question cannot use (a sticker, a file, a location at the wrong time …)."""
    draft = draft_of(session)
    step = draft.next_step() if draft else Step.DESCRIPTION
    await talk.say(t("report.unexpected", question=Html(t(f"report.label_{step}"))))
    return None


def discard(services: Services, session: Session) -> None:
    """Drop the open draft and its staged photos."""
    draft = draft_of(session)
    if draft is not None:
        services.media.discard(draft.key)
        session.pop("draft", None)
