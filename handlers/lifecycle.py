"""Acting on a hazard: the buttons on its messages, each followed by the questions its action needs.

The press is checked on the server (role, unit, state) before any question, and again when the
answers are complete: `storage.lifecycle.act` re-reads the hazard and lets the domain decide in one
transaction, so a stale button, a double tap or two members at once change the hazard only once.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import warnings
from dataclasses import dataclass, field
from typing import Any, Literal

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, MaybeInaccessibleMessage, Message, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.warnings import PTBUserWarning
from typing_extensions import TypedDict

from config.settings import Settings
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
from domain.members import Role
from domain.org import UnitKind
from handlers.common import refuse_button, reply, require_member
from handlers.context import BotContext
from handlers.photos import receive_image
from messenger.port import MessengerError
from messenger.telegram import TelegramMessenger
from texts import Html, has, plain, t
from usecases.actions import apply_action
from views.callbacks import Answer, HazardAction, decode
from views.cards import grade_label
from views.notices import deadline_text

log = logging.getLogger(__name__)
END = ConversationHandler.END
ASK = 0  # waiting for typed text, a button, or photos, depending on the field asked
NAME = "act"  # the conversation's name, as persisted


class Answers(TypedDict, total=False):
    """The answers so far, by the name of the Payload field each fills; typed, so that a session is stored as JSON
    and read back as what it was (bot/session_codec.py)."""

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


def _pending(context: BotContext) -> Pending | None:
    value = context.user_data.get("act") if context.user_data is not None else None
    return value if isinstance(value, Pending) else None


def _topic(message: MaybeInaccessibleMessage | None) -> int | None:
    """The forum topic a message is in (None outside forum topics)."""
    return message.message_thread_id if isinstance(message, Message) and message.is_topic_message else None


def _in_other_chat(update: Update, pending: Pending) -> bool:
    """Sent in another chat than the one the questions are in (the user's questions elsewhere are not this chat's)."""
    chat = update.effective_chat
    return chat is None or chat.id != pending.chat_id


def _elsewhere(update: Update, pending: Pending) -> bool:
    """Typed in another chat, or another topic of the group, than the one the questions are in: not an answer."""
    return _in_other_chat(update, pending) or _topic(update.effective_message) != pending.topic_id


def _left_alone(update: Update, pending: Pending) -> int | None:
    """What a conversation does with a line that is not its answer: another topic of the same group stays open;
    in another chat, the question there was replaced by a newer one (the user's one open action), so that chat's
    conversation ends, silently."""
    return END if _in_other_chat(update, pending) else None


def _button(pending: Pending, label: str, what: str, value: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=Answer(pending.nonce, what, value).encode())


async def _actor(update: Update, context: BotContext) -> Actor | None:
    member = await require_member(update, context)
    return None if member is None else Actor.of(member, context.services.org)


async def _refuse(update: Update, refusal: Refusal, *, alert: bool = False) -> None:
    """Tell the presser why not: an alert on the button just pressed, or a reply in the chat."""
    key = f"loop.refused.{refusal.code}"
    values = {
        "state": plain(f"state.{refusal.state}"),
        "field": plain(f"loop.field.{refusal.field}") if refusal.field else "",
        "parts": "、".join(plain(f"plan_part.{p}") for p in refusal.missing_parts),
        "hours": f"{URGE_COOLDOWN.total_seconds() / 3600:g}",
    }
    if alert and update.callback_query:
        await update.callback_query.answer(plain(key, **values), show_alert=True)
    else:
        await reply(update, t(key, **values))


async def pressed(update: Update, context: BotContext) -> int:
    """An action button on a hazard's message."""
    query = update.callback_query
    assert query is not None
    button = decode(query.data)
    actor = await _actor(update, context)
    if actor is None:
        return END
    hazard_id, action = (button.hazard_id, button.action) if isinstance(button, HazardAction) else (0, None)
    if action is None or action is Action.START_RECHECK:  # forged: beyond any row id, no action, or the bot's own
        await refuse_button(update, "button.invalid")
        return END
    facts = await context.services.lifecycle.get_facts(hazard_id)
    if facts is None:
        await refuse_button(update, "button.invalid")
        return END
    refusal = precheck(facts, actor, action)
    if refusal is not None:
        if refusal.code is RefusalCode.NOT_ALLOWED:
            # shown buttons never lead here: someone pressed data made for another unit or role
            log.warning("refused %s on hazard %s by user %s (role %s, unit %s)", action, hazard_id,
                        actor.telegram_id, actor.role, actor.unit_id or actor.enterprise_id)  # fmt: skip
        await _refuse(update, refusal, alert=True)
        return END
    await query.answer()
    _discard(context)
    chat_id = update.effective_chat.id if update.effective_chat else None
    pending = Pending(secrets.token_hex(4), hazard_id, action, topic_id=_topic(query.message), chat_id=chat_id)
    context.user_data["act"] = pending  # type: ignore[index]
    return await _next(update, context, pending, facts, actor)


async def _next(update: Update, context: BotContext, pending: Pending, facts: HazardFacts, actor: Actor) -> int:
    """Ask the next unanswered question, or act when all are answered; the question answered loses its buttons."""
    await _unbutton(context, pending)
    missing = missing_fields(pending.action, pending.payload())
    if not missing:
        return await _act(update, context, pending, actor)
    question = missing[0]
    hazard = await context.services.hazards.get_hazard(pending.hazard_id)
    code = hazard.code if hazard else ""
    intro = t("loop.asking", action=t(f"act.{pending.action}"), code=code)
    if question is Field.GRADE:
        markup = InlineKeyboardMarkup([[_button(pending, grade_label(g), "grade", g) for g in Grade]])
        await _ask(update, context, pending, Html(f"{intro}\n{t('loop.ask.grade')}"), markup)
    elif question is Field.DEADLINE:
        grade = pending.answers.get("grade") or facts.grade
        days = context.services.settings.default_deadline_days(grade)
        markup = InlineKeyboardMarkup([[_button(pending, t("loop.use_default", days=days), "default")]])
        example = _example(context)
        asked = t(f"loop.ask.deadline_{pending.action}", example=example)
        await _ask(update, context, pending, Html(f"{intro}\n{asked}"),
                   markup if pending.action is not Action.REQUEST_EXTENSION else None)
    elif question is Field.TO_UNIT:
        units = _transfer_targets(context, facts, actor)
        rows = [[_button(pending, u.name, "unit", u.id) for u in units[i : i + 2]] for i in range(0, len(units), 2)]
        await _ask(update, context, pending, Html(f"{intro}\n{t('loop.ask.to_unit')}"), InlineKeyboardMarkup(rows))
    elif question is Field.PLAN_PART:
        order = [*facts.missing_plan_parts, *(p for p in PlanPart if p in facts.plan_parts)]
        buttons = [_button(pending, plan_part_label(p, p in facts.plan_parts), "part", p) for p in order]
        await _ask(update, context, pending, Html(f"{intro}\n{plan_progress(facts)}\n{t('loop.ask.plan_part')}"),
                   InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)]))
    elif question in (Field.PHOTOS, Field.OPTIONAL_PHOTOS):
        await _ask(update, context, pending, Html(f"{intro}\n{_question(pending.action, question)}"),
                   InlineKeyboardMarkup([[_button(pending, t("report.photos_done"), "photos_done")]]))
    elif question is Field.OPINION:
        await _ask(update, context, pending, Html(f"{intro}\n{t('evidence.ask.opinion')}"),
                   InlineKeyboardMarkup([[_button(pending, t("evidence.no_opinion"), "skip")]]))
    elif question is Field.CONFIRM:
        markup = InlineKeyboardMarkup([[_button(pending, t("loop.confirm"), "confirm"),
                                        _button(pending, t("evidence.cancel"), "cancel")]])  # fmt: skip
        await _ask(update, context, pending, Html(f"{intro}\n{_summary(pending)}"), markup)
    else:
        await _ask(update, context, pending, Html(f"{intro}\n{_question(pending.action, question)}"))
    return ASK


async def _ask(update: Update, context: BotContext, pending: Pending, text: Html,
               markup: InlineKeyboardMarkup | None = None) -> None:
    """Ask a question; remember it if it has buttons (they are taken off once it is answered)."""
    message = await reply(update, text, markup)
    pending.asked_message_id = message.message_id if message is not None and markup is not None else None


async def _unbutton(context: BotContext, pending: Pending) -> None:
    """Take the buttons off the question last asked (answered now, by a button or by typing, or given up): pressed
    later they would only be refused. Best effort: a message that cannot be edited keeps them."""
    if pending.asked_message_id is None or pending.chat_id is None:
        return
    message_id, pending.asked_message_id = pending.asked_message_id, None
    try:
        await TelegramMessenger(context.bot).set_buttons(pending.chat_id, message_id, None)
    except MessengerError as exc:
        log.info("buttons of question %s in %s left on: %s", message_id, pending.chat_id, exc)


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


def _transfer_targets(context: BotContext, facts: HazardFacts, actor: Actor) -> list[Any]:
    org = context.services.org
    kinds = {UnitKind.DEPARTMENT, UnitKind.TOWNSHIP}
    if actor.role is not Role.ADMIN and not actor.is_office:
        kinds = {UnitKind.DEPARTMENT} if actor.unit_id == facts.department_id else {UnitKind.TOWNSHIP}
    current = {facts.department_id, facts.township_id}
    return [u for u in org.units.values() if u.kind in kinds and u.id not in current]


async def _act(update: Update, context: BotContext, pending: Pending, actor: Actor) -> int:
    services = context.services
    result = await apply_action(services, pending.hazard_id, actor, pending.action, pending.payload(), pending.photos,
                                update.update_id)  # fmt: skip
    _discard(context)
    if isinstance(result, Refusal):
        await _refuse(update, result)
        return END
    if result is None:
        await reply(update, t("button.invalid"))
        return END
    hazard = await services.hazards.get_hazard(pending.hazard_id)
    await reply(update, t("loop.done", action=t(f"act.{pending.action}"), code=hazard.code if hazard else "",
                          state=plain(f"state.{result.to_state}")))  # fmt: skip
    if pending.action is Action.TRANSFER:
        context.application.create_task(services.dispatcher.deliver(), name="deliver:transfer")
    context.application.create_task(services.dispatcher.sweep(), name="sweep:after-action")
    return END


async def _lost(update: Update) -> int:
    """A conversation restored without its answers (a session this version could not read): nothing changes."""
    await reply(update, t("loop.lost"))
    return END


async def _resume(update: Update, context: BotContext) -> tuple[Pending, HazardFacts, Actor] | None:
    pending = _pending(context)
    actor = await _actor(update, context)
    if pending is None or actor is None:
        return None
    facts = await context.services.lifecycle.get_facts(pending.hazard_id)
    if facts is None:
        return None
    return pending, facts, actor


async def answered_button(update: Update, context: BotContext) -> int | None:
    """A button answering one of the questions."""
    query = update.callback_query
    assert query is not None
    answer = decode(query.data)
    state = await _resume(update, context)
    if state is None or not isinstance(answer, Answer) or answer.nonce != state[0].nonce:
        await refuse_button(update)
        return None
    pending, facts, actor = state
    what, value = answer.what, answer.value
    settings, org = context.services.settings, context.services.org
    if what == "grade" and value in set(Grade):
        pending.answers["grade"] = Grade(value)
    elif what == "default":
        grade = pending.answers.get("grade") or facts.grade
        pending.proposed = default_deadline(grade, context.services.local_now(), calendar=context.services.calendar,
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
            await query.answer(t("loop.photos_needed"), show_alert=True)
            return None
    elif what == "skip":
        pending.answers["opinion"] = ""
    elif what == "confirm":
        pending.answers["confirmed"] = True
    elif what == "cancel":
        await query.answer()
        return await cancel(update, context)
    else:
        await refuse_button(update, "button.invalid")
        return None
    await query.answer()
    if what == "photos_done":
        pending.photos_done = True
    return await _next(update, context, pending, facts, actor)


async def answered_text(update: Update, context: BotContext) -> int | None:
    """Typed text answering the question asked."""
    pending = _pending(context)
    if pending is None:
        return await _lost(update)
    if _elsewhere(update, pending):
        return _left_alone(update, pending)  # talk in another topic or chat, left alone
    state = await _resume(update, context)
    if state is None:
        return END
    pending, facts, actor = state
    text = (update.effective_message.text or "").strip() if update.effective_message else ""
    missing = missing_fields(pending.action, pending.payload())
    if not missing:
        return await _act(update, context, pending, actor)
    question = missing[0]
    if question is Field.DEADLINE:
        return await _read_deadline(update, context, pending, text)
    names: dict[Field, TextAnswer] = {Field.RESPONSIBLE_PERSON: "responsible_person", Field.MEASURES: "measures",
                                      Field.REASON: "reason", Field.PLAN_TEXT: "plan_text", Field.OPINION: "opinion",
                                      Field.NOTE: "note"}  # fmt: skip
    if question not in names:
        await reply(update, t("report.use_buttons"))
        return None
    problem = text_refusal(question, text)
    if problem is not None:
        await _refuse(update, Refusal(problem, facts.state, field=question))
        return None
    pending.answers[names[question]] = text
    return await _next(update, context, pending, facts, actor)


async def _read_deadline(update: Update, context: BotContext, pending: Pending, text: str) -> int | None:
    services = context.services
    result = parse_deadline(text[:100], services.local_now(), calendar=services.calendar,
                            end_of_day=services.settings.end_of_workday)  # fmt: skip
    if not isinstance(result, Deadline):
        candidate = deadline_text(result.candidate, services.zone) if result.candidate else ""
        await reply(update, t(f"loop.deadline.{result.reason}", text=text[:100], candidate=candidate,
                              example=_example(context)))
        return None
    pending.proposed = result
    markup = InlineKeyboardMarkup([[_button(pending, t("loop.confirm"), "deadline_ok"),
                                    _button(pending, t("loop.again"), "deadline_again")]])  # fmt: skip
    notes = []
    if not describe_deadline(result, now=services.local_now(), calendar=services.calendar).is_workday:
        notes.append(t("deadline_note.day_off"))
    if (year := year_to_confirm(result, services.local_now())) is not None:
        notes.append(t("deadline_note.far_year", year=year))
    echo = t("loop.deadline.echo", when=deadline_text(result.at, services.zone))
    await _unbutton(context, pending)  # the question's 用默认期限: answered by typing
    await _ask(update, context, pending, Html("\n".join([echo, *notes])), markup)
    return None


def _example(context: BotContext) -> str:
    """The date the deadline questions give as an example: ahead of today, whatever today is."""
    day = example_date(context.services.local_now())
    return plain("deadline_note.example_date", m=day.month, d=day.day)


async def answered_photo(update: Update, context: BotContext) -> int | None:
    """An after-photo (整改后照片) or a rebound photo."""
    pending = _pending(context)
    if pending is None:
        return await _lost(update)
    if _elsewhere(update, pending):
        return _left_alone(update, pending)  # a photo posted in another topic or chat, left alone
    missing = missing_fields(pending.action, pending.payload())
    if not missing or missing[0] not in (Field.PHOTOS, Field.OPTIONAL_PHOTOS):
        await reply(update, t("report.use_buttons"))
        return None
    photo = await receive_image(update, context, pending.staging_key, len(pending.photos))
    if photo is not None:
        pending.photos.append(photo)
        await _unbutton(context, pending)  # one 完成 at a time: the latest photo's
        await _ask(update, context, pending, t("report.photo_received", count=len(pending.photos), max=MAX_PHOTOS),
                   InlineKeyboardMarkup([[_button(pending, t("report.photos_done"), "photos_done")]]))
    return None


async def answered_other_file(update: Update, context: BotContext) -> int | None:
    """A file that is not an image (a PDF, a spreadsheet) while a question is open: say so and ask it again,
    rather than let the report's catch-all answer with the report's hint."""
    pending = _pending(context)
    if pending is None:
        return await _lost(update)
    if _elsewhere(update, pending):
        return None
    state = await _resume(update, context)
    if state is None:
        return END
    pending, facts, actor = state
    missing = missing_fields(pending.action, pending.payload())
    if not missing:  # nothing asked (a press is awaited): a file must not be what completes the action
        await reply(update, t("report.use_buttons"))
        return None
    if missing[0] is Field.PHOTOS:
        await reply(update, t("report.not_an_image"))
    return await _next(update, context, pending, facts, actor)


async def cancel(update: Update, context: BotContext) -> int:
    """/cancel while answering: nothing changes."""
    pending = _pending(context)
    if pending is None or not _in_other_chat(update, pending):  # not the action open in another chat
        if pending is not None:
            await _unbutton(context, pending)
        _discard(context)
    await reply(update, t("loop.cancelled"))
    return END


async def timed_out(update: Update, context: BotContext) -> None:
    """Answers left unfinished too long."""
    pending = _pending(context)
    if pending is not None and _in_other_chat(update, pending):
        return  # this chat's question was replaced by one in another chat, which has its own time-out
    _discard(context)
    if update.effective_user is not None and update.effective_user.id in context.services.removed_ids:
        return  # removed meanwhile: the action ended with the membership, nothing more to say
    if update.effective_chat is not None:
        await _tell_timed_out(context.bot, update.effective_chat.id, pending)


async def tell_timed_out(bot: Bot, chat_id: int, user_data: dict[Any, Any], settings: Settings) -> None:
    """Say that the action's questions were abandoned, for answers left idle while the bot was stopped."""
    pending = user_data.get("act")
    await _tell_timed_out(bot, chat_id, pending if isinstance(pending, Pending) else None)


async def _tell_timed_out(bot: Bot, chat_id: int, pending: Pending | None) -> None:
    await bot.send_message(chat_id, t("loop.timed_out"), message_thread_id=pending.topic_id if pending else None)


def staging_key(user_data: dict[Any, Any]) -> str | None:
    """The staging folder of the user's open action (its after-photos), if any."""
    pending = user_data.get("act")
    return pending.staging_key if isinstance(pending, Pending) else None


def _discard(context: BotContext) -> None:
    pending = _pending(context)
    if pending is not None:
        context.services.media.discard(pending.staging_key)
        context.user_data.pop("act", None)  # type: ignore[union-attr]


async def stale_answer(update: Update, context: BotContext) -> None:
    """An answer button from a question no longer open."""
    await refuse_button(update)


def register(app: Application, conversation_timeout: float) -> None:
    """Add the action conversation (before the catch-alls)."""
    text = filters.TEXT & ~filters.COMMAND
    images = filters.PHOTO | filters.Document.IMAGE
    with warnings.catch_warnings():
        # Answer buttons carry the pending action's nonce, checked on every press.
        warnings.filterwarnings("ignore", message=".*per_message.*", category=PTBUserWarning)
        conversation = ConversationHandler(
            entry_points=[CallbackQueryHandler(pressed, pattern=rf"^{HazardAction.PREFIX}:\d+:\w+$")],
            states={
                ASK: [
                    CallbackQueryHandler(answered_button, pattern=rf"^{Answer.PREFIX}:"),
                    MessageHandler(text, answered_text),
                    MessageHandler(images, answered_photo),
                    MessageHandler(filters.Document.ALL & ~filters.Document.IMAGE, answered_other_file),
                ],
                ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
            },
            fallbacks=[CommandHandler("cancel", cancel)],
            conversation_timeout=conversation_timeout,
            allow_reentry=True,
            name=NAME,
            persistent=True,  # answers so far survive a restart (bot/persistence.py)
        )
    app.add_handler(conversation)
    app.add_handler(CallbackQueryHandler(stale_answer, pattern=rf"^{Answer.PREFIX}:"))
