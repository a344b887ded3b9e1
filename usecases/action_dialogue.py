"""Acting on a hazard, question by question, for every messenger alike: an action button pressed, then the questions its
action needs (等级, 期限, 责任人, 整改措施, 照片, 验收意见 …), then the action applied (usecases.actions).

What has been answered so far is the user's session (`session["act"]`, a Pending), kept across restarts.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Final, Literal

from typing_extensions import TypedDict

from domain.deadlines import (
    Deadline,
    default_deadline,
    describe_deadline,
    example_date,
    parse_deadline,
    year_to_confirm,
)
from domain.hazards import MAX_PHOTOS, Grade, Photo
from domain.lifecycle import (
    URGE_COOLDOWN,
    Action,
    Actor,
    Field,
    HazardFacts,
    Payload,
    PlanPart,
    Refusal,
    RefusalCode,
    missing_fields,
    precheck,
    text_refusal,
)
from domain.members import Member, Role
from domain.org import Unit, UnitKind
from kernel.services import Services
from texts import Html, has, plain, t
from usecases.actions import apply_action
from usecases.talk import Session, Talk
from views.callbacks import Answer, Callback, HazardAction
from views.cards import grade_label
from views.keyboards import Button, Keyboard
from views.notices import deadline_text


class Answers(TypedDict, total=False):
    """The answers so far, by the name of the Payload field each fills; typed, so that a session is stored as JSON
    and read back as what it was (usecases/sessions.py)."""

    grade: Grade
    deadline: dt.datetime
    responsible_person: str
    measures: str
    reason: str
    to_unit_id: str
    to_unit_kind: UnitKind
    plan_part: PlanPart
    plan_text: str
    opinion: str  # 验收意见 ("" when skipped)
    note: str  # 复查情况
    confirmed: bool


# the answers typed as free text
TextAnswer = Literal["responsible_person", "measures", "reason", "plan_text", "opinion", "note"]


@dataclass
class Pending:
    """An action someone started and is answering questions for."""

    nonce: str
    hazard_id: int
    action: Action
    answers: Answers = field(default_factory=Answers)
    photos: list[Photo] = field(default_factory=list)
    proposed: Deadline | None = None  # a deadline read from text, waiting for 确认
    photos_done: bool = False  # photos count as answered only once 完成 is pressed
    topic_id: int | None = None  # the forum topic the questions are asked in; answers count only there
    chat_id: int | None = None  # the chat they are asked in: a line typed in another group is never an answer
    asked_message_id: int | None = None  # the last question with buttons: they come off once it is answered

    @property
    def staging_key(self) -> str:
        """The media staging folder of this action's photos."""
        return f"act-{self.nonce}"

    def payload(self) -> Payload:
        """The answers so far, as the domain reads them."""
        return Payload(photo_count=len(self.photos) if self.photos_done else 0, photos_done=self.photos_done,
                       **self.answers)


class _Ended:
    def __repr__(self) -> str:
        return "ENDED"


ENDED: Final = _Ended()
ASKING: Final = "asking"  # waiting for typed text, a button, or photos, depending on the field asked
Outcome = Literal["asking"] | _Ended | None
TakeImage = Callable[[Pending], Awaitable[Photo | None]]  # the message's image staged for the action, or None (told)
log = logging.getLogger(__name__)


def pending_of(session: Session) -> Pending | None:
    """The action the user is answering questions for."""
    value = session.get("act")
    return value if isinstance(value, Pending) else None


def in_other_chat(talk: Talk, pending: Pending) -> bool:
    """Sent in another chat than the one the questions are in (the user's questions elsewhere are not this chat's)."""
    return talk.chat_id is None or talk.chat_id != pending.chat_id


def elsewhere(talk: Talk, pending: Pending) -> bool:
    """Typed in another chat, or another thread of the group, than the one the questions are in: not an answer."""
    return in_other_chat(talk, pending) or talk.thread_id != pending.topic_id


def _left_alone(talk: Talk, pending: Pending) -> Outcome:
    """What a conversation does with a line that is not its answer: another thread of the same group stays open;
    in another chat, the question there was replaced by a newer one (the user's one open action), so that chat's
    conversation ends, silently."""
    return ENDED if in_other_chat(talk, pending) else None


def _button(pending: Pending, label: str, what: str, value: str = "") -> Button:
    return Button(label, Answer(pending.nonce, what, value).encode())


async def _refuse(talk: Talk, refusal: Refusal, *, alert: bool = False) -> None:
    """Tell the presser why not: an alert on the button just pressed, or a reply in the chat."""
    values = {
        "state": plain(f"state.{refusal.state}"),
        "field": plain(f"loop.field.{refusal.field}") if refusal.field else "",
        "parts": "、".join(plain(f"plan_part.{p}") for p in refusal.missing_parts),
        "hours": f"{URGE_COOLDOWN.total_seconds() / 3600:g}",
    }
    key = f"loop.refused.{refusal.code}"
    if alert:
        await talk.alert(key, **values)
    else:
        await talk.say(t(key, **values))


async def press(services: Services, talk: Talk, session: Session, member: Member | None, button: Callback | None,
                update_id: int | None, *, thread_id: int | None = None) -> Outcome:  # fmt: skip
    """An action button on a hazard's message: checked on the server, then its first question (or the action).
    `thread_id`: the thread the questions are asked in, where the messenger cannot tell it from the press."""
    if member is None:
        return ENDED
    actor = Actor.of(member, services.org)
    hazard_id, action = (button.hazard_id, button.action) if isinstance(button, HazardAction) else (0, None)
    if action is None or action is Action.START_RECHECK:  # forged: beyond any row id, no action, or the bot's own
        await talk.refuse("button.invalid")
        return ENDED
    facts = await services.lifecycle.get_facts(hazard_id)
    if facts is None:
        await talk.refuse("button.invalid")
        return ENDED
    refusal = precheck(facts, actor, action)
    if refusal is not None:
        if refusal.code is RefusalCode.NOT_ALLOWED:
            # shown buttons never lead here: someone pressed data made for another unit or role
            log.warning("refused %s on hazard %s by user %s (role %s, unit %s)", action, hazard_id,
                        actor.telegram_id, actor.role, actor.unit_id or actor.enterprise_id)  # fmt: skip
        await _refuse(talk, refusal, alert=True)
        return ENDED
    await talk.acknowledge()
    discard(services, session)
    topic = talk.thread_id if thread_id is None else thread_id
    pending = Pending(secrets.token_hex(4), hazard_id, action, topic_id=topic, chat_id=talk.chat_id)
    session["act"] = pending
    return await _next(services, talk, session, pending, facts, actor, update_id)


async def _next(services: Services, talk: Talk, session: Session, pending: Pending, facts: HazardFacts, actor: Actor,
                update_id: int | None) -> Outcome:  # fmt: skip
    """Ask the next unanswered question, or act when all are answered; the question answered loses its buttons."""
    await _unbutton(talk, pending)
    missing = missing_fields(pending.action, pending.payload())
    if not missing:
        return await _act(services, talk, session, pending, actor, update_id)
    question = missing[0]
    hazard = await services.hazards.get_hazard(pending.hazard_id)
    code = hazard.code if hazard else ""
    intro = t("loop.asking", action=t(f"act.{pending.action}"), code=code)
    if question is Field.GRADE:
        keyboard: Keyboard | None = ((*(_button(pending, grade_label(g), "grade", g) for g in Grade),),)
        await _ask(talk, pending, Html(f"{intro}\n{t('loop.ask.grade')}"), keyboard)
    elif question is Field.DEADLINE:
        grade = pending.answers.get("grade") or facts.grade
        days = services.settings.default_deadline_days(grade)
        keyboard = ((_button(pending, t("loop.use_default", days=days), "default"),),)
        asked = t(f"loop.ask.deadline_{pending.action}", example=example(services))
        await _ask(talk, pending, Html(f"{intro}\n{asked}"),
                   keyboard if pending.action is not Action.REQUEST_EXTENSION else None)  # fmt: skip
    elif question is Field.TO_UNIT:
        units = _transfer_targets(services, facts, actor)
        rows = tuple(tuple(_button(pending, u.name, "unit", u.id) for u in units[i : i + 2])
                     for i in range(0, len(units), 2))  # fmt: skip
        await _ask(talk, pending, Html(f"{intro}\n{t('loop.ask.to_unit')}"), rows)
    elif question is Field.PLAN_PART:
        order = [*facts.missing_plan_parts, *(p for p in PlanPart if p in facts.plan_parts)]
        buttons = [_button(pending, plan_part_label(p, p in facts.plan_parts), "part", p) for p in order]
        await _ask(talk, pending, Html(f"{intro}\n{plan_progress(facts)}\n{t('loop.ask.plan_part')}"),
                   tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)))  # fmt: skip
    elif question in (Field.PHOTOS, Field.OPTIONAL_PHOTOS):
        await _ask(talk, pending, Html(f"{intro}\n{_question(pending.action, question)}"),
                   ((_button(pending, t("report.photos_done"), "photos_done"),),))  # fmt: skip
    elif question is Field.OPINION:
        await _ask(talk, pending, Html(f"{intro}\n{t('evidence.ask.opinion')}"),
                   ((_button(pending, t("evidence.no_opinion"), "skip"),),))  # fmt: skip
    elif question is Field.CONFIRM:
        await _ask(talk, pending, Html(f"{intro}\n{_summary(pending)}"),
                   ((_button(pending, t("loop.confirm"), "confirm"),
                     _button(pending, t("evidence.cancel"), "cancel")),))  # fmt: skip
    else:
        await _ask(talk, pending, Html(f"{intro}\n{_question(pending.action, question)}"))
    return ASKING


async def _ask(talk: Talk, pending: Pending, text: Html, keyboard: Keyboard | None = None) -> None:
    """Ask a question; remember it if it has buttons (they are taken off once it is answered)."""
    message_id = await talk.say(text, keyboard)
    pending.asked_message_id = message_id if keyboard else None


async def _unbutton(talk: Talk, pending: Pending) -> None:
    """Take the buttons off the question last asked (answered now, by a button or by typing, or given up): pressed
    later they would only be refused."""
    if pending.asked_message_id is None or pending.chat_id is None:
        return
    message_id, pending.asked_message_id = pending.asked_message_id, None
    await talk.unbutton(message_id)


def _question(action: Action, question: Field) -> Html:
    """The question's words for this action where it has its own (验收意见, 现场照片), else the common ones."""
    for key in (f"evidence.ask.{question}_{action}", f"evidence.ask.{question}"):
        if has(key):
            return t(key)
    return t(f"loop.ask.{question}")


def _summary(pending: Pending) -> Html:
    """What is about to be decided, for the confirmation."""
    answers = pending.answers
    if pending.action is Action.VERIFY_REFUSE:
        return t("evidence.confirm_refuse", reason=answers.get("reason") or "")
    opinion = (answers.get("opinion") or "").strip()
    return t("evidence.confirm_pass", opinion=opinion or plain("evidence.none"))


def plan_part_label(part: PlanPart, done: bool) -> str:
    """A treatment-plan part's button: ✓ before the parts already filled."""
    return plain("evidence.plan_done_mark", part=plain(f"plan_part.{part}")) if done else plain(f"plan_part.{part}")


def plan_progress(facts: HazardFacts) -> Html:
    """How many of the six parts are done, which are left, and that 验收通过 waits for them."""
    missing = facts.missing_plan_parts
    if not missing:
        return t("evidence.plan_complete")
    return t("evidence.plan_progress", done=len(PlanPart) - len(missing), total=len(PlanPart), left=len(missing),
             parts="、".join(plain(f"plan_part.{p}") for p in missing))  # fmt: skip


def _transfer_targets(services: Services, facts: HazardFacts, actor: Actor) -> list[Unit]:
    org = services.org
    kinds = {UnitKind.DEPARTMENT, UnitKind.TOWNSHIP}
    if actor.role is not Role.ADMIN and not actor.is_office:
        kinds = {UnitKind.DEPARTMENT} if actor.unit_id == facts.department_id else {UnitKind.TOWNSHIP}
    current = {facts.department_id, facts.township_id}
    return [u for u in org.units.values() if u.kind in kinds and u.id not in current]


async def _act(services: Services, talk: Talk, session: Session, pending: Pending, actor: Actor,
               update_id: int | None) -> Outcome:  # fmt: skip
    result = await apply_action(services, pending.hazard_id, actor, pending.action, pending.payload(), pending.photos,
                                update_id)  # fmt: skip
    discard(services, session)
    if isinstance(result, Refusal):
        await _refuse(talk, result)
        return ENDED
    if result is None:
        await talk.say(t("button.invalid"))
        return ENDED
    hazard = await services.hazards.get_hazard(pending.hazard_id)
    await talk.say(t("loop.done", action=t(f"act.{pending.action}"), code=hazard.code if hazard else "",
                     state=plain(f"state.{result.to_state}")))  # fmt: skip
    if pending.action is Action.TRANSFER:
        talk.soon(services.dispatcher.deliver(), "deliver:transfer")
    talk.soon(services.dispatcher.sweep(), "sweep:after-action")
    return ENDED


async def _lost(talk: Talk) -> Outcome:
    """A conversation restored without its answers (a session this version could not read): nothing changes."""
    await talk.say(t("loop.lost"))
    return ENDED


async def _resume(services: Services, session: Session, member: Member | None) -> tuple[Pending, HazardFacts,
                                                                                         Actor] | None:  # fmt: skip
    pending = pending_of(session)
    if pending is None or member is None:
        return None
    facts = await services.lifecycle.get_facts(pending.hazard_id)
    if facts is None:
        return None
    return pending, facts, Actor.of(member, services.org)


async def answer_button(services: Services, talk: Talk, session: Session, member: Member | None, answer: Answer,
                        update_id: int | None) -> Outcome:  # fmt: skip
    """A button answering one of the questions."""
    state = await _resume(services, session, member)
    if state is None or answer.nonce != state[0].nonce:
        await talk.refuse()
        return None
    pending, facts, actor = state
    what, value = answer.what, answer.value
    settings, org = services.settings, services.org
    if what == "grade" and value in set(Grade):
        pending.answers["grade"] = Grade(value)
    elif what == "default":
        grade = pending.answers.get("grade") or facts.grade
        pending.proposed = default_deadline(grade, services.local_now(), calendar=services.calendar,
                                            days_by_grade=settings.default_deadline_table(),
                                            end_of_day=settings.end_of_workday)  # fmt: skip
        pending.answers["deadline"] = pending.proposed.at
    elif what == "deadline_ok" and pending.proposed is not None:
        pending.answers["deadline"] = pending.proposed.at
    elif what == "deadline_again":
        pending.proposed = None
    elif what == "unit" and value in org.units:
        pending.answers["to_unit_id"], pending.answers["to_unit_kind"] = value, org.units[value].kind
    elif what == "part" and value in set(PlanPart):
        pending.answers["plan_part"] = PlanPart(value)
    elif what == "photos_done":
        needed = missing_fields(pending.action, pending.payload())[:1] == (Field.PHOTOS,)
        if needed and not pending.photos:
            await talk.alert("loop.photos_needed")
            return None
    elif what == "skip":
        pending.answers["opinion"] = ""
    elif what == "confirm":
        pending.answers["confirmed"] = True
    elif what == "cancel":
        await talk.acknowledge()
        return await cancel(services, talk, session)
    else:
        await talk.refuse("button.invalid")
        return None
    await talk.acknowledge()
    if what == "photos_done":
        pending.photos_done = True
    return await _next(services, talk, session, pending, facts, actor, update_id)


async def answer_text(services: Services, talk: Talk, session: Session, member: Member | None, raw: str,
                      update_id: int | None) -> Outcome:  # fmt: skip
    """Typed text answering the question asked."""
    pending = pending_of(session)
    if pending is None:
        return await _lost(talk)
    if elsewhere(talk, pending):
        return _left_alone(talk, pending)  # talk in another thread or chat, left alone
    state = await _resume(services, session, member)
    if state is None:
        return ENDED
    pending, facts, actor = state
    text = raw.strip()
    missing = missing_fields(pending.action, pending.payload())
    if not missing:
        return await _act(services, talk, session, pending, actor, update_id)
    question = missing[0]
    if question is Field.DEADLINE:
        return await _read_deadline(services, talk, pending, text)
    names: dict[Field, TextAnswer] = {Field.RESPONSIBLE_PERSON: "responsible_person", Field.MEASURES: "measures",
                                      Field.REASON: "reason", Field.PLAN_TEXT: "plan_text", Field.OPINION: "opinion",
                                      Field.NOTE: "note"}  # fmt: skip
    if question not in names:
        await talk.say(t("report.use_buttons"))
        return None
    problem = text_refusal(question, text)
    if problem is not None:
        await _refuse(talk, Refusal(problem, facts.state, field=question))
        return None
    pending.answers[names[question]] = text
    return await _next(services, talk, session, pending, facts, actor, update_id)


async def _read_deadline(services: Services, talk: Talk, pending: Pending, text: str) -> Outcome:
    result = parse_deadline(text[:100], services.local_now(), calendar=services.calendar,
                            end_of_day=services.settings.end_of_workday)  # fmt: skip
    if not isinstance(result, Deadline):
        candidate = deadline_text(result.candidate, services.zone) if result.candidate else ""
        await talk.say(t(f"loop.deadline.{result.reason}", text=text[:100], candidate=candidate,
                         example=example(services)))  # fmt: skip
        return None
    pending.proposed = result
    keyboard = ((_button(pending, t("loop.confirm"), "deadline_ok"),
                 _button(pending, t("loop.again"), "deadline_again")),)  # fmt: skip
    notes = []
    if not describe_deadline(result, now=services.local_now(), calendar=services.calendar).is_workday:
        notes.append(t("deadline_note.day_off"))
    if (year := year_to_confirm(result, services.local_now())) is not None:
        notes.append(t("deadline_note.far_year", year=year))
    echo = t("loop.deadline.echo", when=deadline_text(result.at, services.zone))
    await _unbutton(talk, pending)  # the question's 用默认期限: answered by typing
    await _ask(talk, pending, Html("\n".join([echo, *notes])), keyboard)
    return None


def example(services: Services) -> str:
    """The date the deadline questions give as an example: ahead of today, whatever today is."""
    day = example_date(services.local_now())
    return plain("deadline_note.example_date", m=day.month, d=day.day)


async def answer_photo(services: Services, talk: Talk, session: Session, take: TakeImage) -> Outcome:
    """An after-photo (整改后照片) or a rebound photo."""
    pending = pending_of(session)
    if pending is None:
        return await _lost(talk)
    if elsewhere(talk, pending):
        return _left_alone(talk, pending)  # a photo posted in another thread or chat, left alone
    missing = missing_fields(pending.action, pending.payload())
    if not missing or missing[0] not in (Field.PHOTOS, Field.OPTIONAL_PHOTOS):
        await talk.say(t("report.use_buttons"))
        return None
    photo = await take(pending)
    if photo is not None:
        pending.photos.append(photo)
        await _unbutton(talk, pending)  # one 完成 at a time: the latest photo's
        await _ask(talk, pending, t("report.photo_received", count=len(pending.photos), max=MAX_PHOTOS),
                   ((_button(pending, t("report.photos_done"), "photos_done"),),))  # fmt: skip
    return None


async def answer_other_file(services: Services, talk: Talk, session: Session, member: Member | None,
                            update_id: int | None) -> Outcome:  # fmt: skip
    """A file that is not an image (a PDF, a spreadsheet) while a question is open: say so and ask it again."""
    pending = pending_of(session)
    if pending is None:
        return await _lost(talk)
    if elsewhere(talk, pending):
        return None
    state = await _resume(services, session, member)
    if state is None:
        return ENDED
    pending, facts, actor = state
    missing = missing_fields(pending.action, pending.payload())
    if not missing:  # nothing asked (a press is awaited): a file must not be what completes the action
        await talk.say(t("report.use_buttons"))
        return None
    if missing[0] is Field.PHOTOS:
        await talk.say(t("report.not_an_image"))
    return await _next(services, talk, session, pending, facts, actor, update_id)


async def cancel(services: Services, talk: Talk, session: Session) -> Outcome:
    """/cancel while answering: nothing changes."""
    pending = pending_of(session)
    if pending is None or not in_other_chat(talk, pending):  # not the action open in another chat
        if pending is not None:
            await _unbutton(talk, pending)
        discard(services, session)
    await talk.say(t("loop.cancelled"))
    return ENDED


def discard(services: Services, session: Session) -> None:
    """Drop the open action and its staged photos."""
    pending = pending_of(session)
    if pending is not None:
        services.media.discard(pending.staging_key)
        session.pop("act", None)
