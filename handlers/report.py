"""/report: a safety officer reports a hazard step by step, or in one message with a `#隐患` caption."""

from __future__ import annotations

import secrets
import warnings
from collections.abc import Callable
from enum import IntEnum
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
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

from config.settings import Settings
from domain.hazards import (
    MAX_DESCRIPTION,
    MAX_PHOTOS,
    MAX_PLACE,
    Draft,
    Grade,
    Step,
    TextProblem,
    check_description,
    check_place,
    fill_from_caption,
)
from domain.members import Role
from handlers.common import refuse_button, reply, require_member, show_in_place
from handlers.context import BotContext
from handlers.photos import receive_image
from texts import Html, plain, t
from texts.limits import clip
from usecases.reporting import file_report
from views.callbacks import DraftButton, decode
from views.cards import draft_card, grade_label, unit_names

END = ConversationHandler.END


class Asking(IntEnum):
    """The conversation's states, one per question of the report. The numbers are what a restart restores from the
    saved conversations (bot/persistence.py): they are fixed here, never derived from the order of `Step`, and a new
    question takes a new number."""

    DESCRIPTION = 0
    CATEGORY = 1
    PLACE = 2
    PHOTOS = 3
    GRADE = 4
    CONFIRM = 5


def _state(step: Step) -> Asking:
    """The conversation state that asks `step`."""
    return Asking[step.name]
NAME = "report"  # the conversation's name, as persisted


def _draft(context: BotContext) -> Draft | None:
    draft = context.user_data.get("draft") if context.user_data is not None else None
    return draft if isinstance(draft, Draft) else None


def _button(draft: Draft, label: str, action: str, arg: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=DraftButton(draft.key, action, arg).encode())


async def _pressed(update: Update, context: BotContext) -> tuple[Draft, str] | None:
    """The draft a button belongs to and its argument; stale or forged presses are refused here."""
    query = update.callback_query
    assert query is not None
    button = decode(query.data)
    draft = _draft(context)
    if draft is None or not isinstance(button, DraftButton) or button.draft_key != draft.key:
        await refuse_button(update)
        return None
    await query.answer()
    return draft, button.value


async def _ask(update: Update, context: BotContext, draft: Draft, answered: Html | None = None) -> int:
    """Ask the draft's next question; the state is the step's index.

    After a button press (`answered` says what was chosen) the question it answered becomes the next
    one, in place: one message per question, and the old buttons cannot be pressed again.
    """
    step = draft.next_step()
    text, markup = _question(context, draft, step)
    if answered is None:
        await reply(update, text, markup)
    else:
        await show_in_place(update, t("report.answered", answer=answered, question=text), markup)
    return _state(step)


def _question(context: BotContext, draft: Draft, step: Step) -> tuple[Html, InlineKeyboardMarkup | None]:
    """The text and buttons that ask for `step`."""
    org = context.services.org
    if step is Step.CATEGORY:
        suggested = org.suggest_categories(draft.description, draft.enterprise_id)
        buttons = [_button(draft, c.name, "cat", c.id) for c in suggested]
        return t("report.ask_category"), InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])
    if step is Step.PHOTOS:
        return (t("report.ask_photos", max=MAX_PHOTOS, have=len(draft.photos)),
                InlineKeyboardMarkup([[_button(draft, t("report.photos_done"), "done")]]))  # fmt: skip
    if step is Step.GRADE:
        return t("report.ask_grade"), InlineKeyboardMarkup([[
            _button(draft, grade_label(Grade.GENERAL), "grade", Grade.GENERAL),
            _button(draft, grade_label(Grade.MAJOR), "grade", Grade.MAJOR)]])  # fmt: skip
    if step is Step.CONFIRM:
        return draft_card(org, draft), InlineKeyboardMarkup([[
            _button(draft, t("report.submit"), "submit"), _button(draft, t("report.edit"), "edit")]])  # fmt: skip
    return t(f"report.ask_{step}", limit=MAX_PLACE if step is Step.PLACE else MAX_DESCRIPTION), None


async def _new_draft(update: Update, context: BotContext) -> Draft | None:
    member = await require_member(update, context)
    if member is None:
        return None
    if member.role is not Role.OFFICER or member.enterprise_id not in context.services.org.enterprises:
        await reply(update, t("report.officers_only"))
        return None
    _discard(context)
    draft = Draft(key=secrets.token_hex(8), enterprise_id=member.enterprise_id)
    context.user_data["draft"] = draft  # type: ignore[index]
    return draft


async def start_report(update: Update, context: BotContext) -> int:
    """/report: begin a report."""
    draft = await _new_draft(update, context)
    return END if draft is None else await _ask(update, context, draft)


async def start_from_caption(update: Update, context: BotContext) -> int:
    """A photo or image file captioned `#隐患 …`: a report in one message, asking only what is missing."""
    message = update.effective_message
    assert message is not None
    draft = await _new_draft(update, context)
    if draft is None:
        return END
    org = context.services.org
    intake = fill_from_caption(draft, message.caption or "", {c.name: c.id for c in org.categories.values()})
    draft.album_id = message.media_group_id
    draft.photos_done = True  # the photos came with the report
    if not await _take_image(update, context, draft, acknowledge=False):
        _discard(context)
        return END
    # what the caption gave but could not be used is said first; the question for it follows (in order)
    if intake.description is not None:
        await reply(update, t(f"report.description_{intake.description}", limit=MAX_DESCRIPTION,
                              length=intake.description_length))
    if intake.place is not None:
        await reply(update, t(f"report.place_{intake.place}", limit=MAX_PLACE, length=intake.place_length))
    return await _ask(update, context, draft)


async def got_description(update: Update, context: BotContext) -> int:
    """The officer typed the description."""
    return await _take_text(update, context, "description", MAX_DESCRIPTION, check_description)


async def got_place(update: Update, context: BotContext) -> int:
    """The officer typed where in the enterprise the hazard is."""
    return await _take_text(update, context, "place", MAX_PLACE, check_place)


async def _lost_draft(update: Update) -> int:
    """A conversation restored without its draft (a session this version could not read): start again."""
    await reply(update, t("report.draft_lost"))
    return END


async def _take_text(update: Update, context: BotContext, field: str, limit: int,
                     check: Callable[[str], str | TextProblem]) -> int:
    draft = _draft(context)
    if draft is None:
        return await _lost_draft(update)
    assert update.effective_message is not None
    raw = update.effective_message.text or ""
    value = check(raw)
    if isinstance(value, TextProblem):
        await reply(update, t(f"report.{field}_{value}", limit=limit, length=len(raw)))
        return _state(draft.next_step())
    setattr(draft, field, value)
    return await _ask(update, context, draft)


async def got_location(update: Update, context: BotContext) -> int:
    """The officer shared a Telegram location as the place."""
    draft = _draft(context)
    if draft is None:
        return await _lost_draft(update)
    location = update.effective_message.location if update.effective_message else None
    assert location is not None
    draft.latitude, draft.longitude = location.latitude, location.longitude
    venue = update.effective_message.venue if update.effective_message else None
    # the pin is shown as a map link (views.cards.map_link); a venue names the place, a bare pin only says it is one
    draft.place = (clip(f"{venue.title} {venue.address}".strip(), MAX_PLACE) if venue
                   else plain("report.place_from_location"))
    return await _ask(update, context, draft)


async def chose_category(update: Update, context: BotContext) -> int | None:
    """A category button was pressed."""
    pressed = await _pressed(update, context)
    if pressed is None:
        return None
    draft, category_id = pressed
    category = context.services.org.categories.get(category_id)
    if category is None:
        await reply(update, t("report.unknown_category"))
        return None
    draft.category_id = category.id
    return await _ask(update, context, draft, t("report.chosen", label=Html(t("report.label_category")),
                                                 value=category.name))


async def chose_grade(update: Update, context: BotContext) -> int | None:
    """一般 or 重大 was pressed."""
    pressed = await _pressed(update, context)
    if pressed is None:
        return None
    draft, value = pressed
    if value not in set(Grade):
        await refuse_button(update, "button.invalid")
        return None
    draft.grade = Grade(value)
    return await _ask(update, context, draft, t("report.chosen", label=Html(t("report.label_grade")),
                                                 value=grade_label(draft.grade)))


async def photos_finished(update: Update, context: BotContext) -> int | None:
    """完成: no more photos."""
    pressed = await _pressed(update, context)
    if pressed is None:
        return None
    draft, _ = pressed
    draft.photos_done = True
    return await _ask(update, context, draft, t("report.photos_received", count=len(draft.photos)))


async def got_image(update: Update, context: BotContext) -> int | None:
    """A photo or image file while a report is open."""
    draft = _draft(context)
    if draft is None:
        return await _lost_draft(update)
    message = update.effective_message
    in_album = message is not None and message.media_group_id is not None and message.media_group_id == draft.album_id
    if draft.next_step() is Step.CONFIRM and not in_album:
        await reply(update, t("report.photos_use_edit"))
        return None
    if await _take_image(update, context, draft, acknowledge=not in_album) and draft.next_step() is Step.CONFIRM:
        return await _ask(update, context, draft)  # an album photo that came after the card: show it again
    return None


async def _take_image(update: Update, context: BotContext, draft: Draft, *, acknowledge: bool) -> bool:
    """Download, check and stage one image into the draft; the officer is told what was wrong if it cannot."""
    photo = await receive_image(update, context, draft.key, len(draft.photos))
    if photo is None:
        return False
    draft.photos.append(photo)
    if acknowledge:
        await reply(update, t("report.photo_received", count=len(draft.photos), max=MAX_PHOTOS),
                    InlineKeyboardMarkup([[_button(draft, t("report.photos_done"), "done")]])
                    if draft.next_step() is Step.PHOTOS else None)  # fmt: skip
    return True


async def edit(update: Update, context: BotContext) -> int | None:
    """修改: choose which answer to change."""
    pressed = await _pressed(update, context)
    if pressed is None:
        return None
    draft, _ = pressed
    steps = [Step.DESCRIPTION, Step.CATEGORY, Step.PLACE, Step.PHOTOS, Step.GRADE]
    await reply(update, t("report.edit_which"), InlineKeyboardMarkup(
        [[_button(draft, t(f"report.label_{s}"), "reopen", s) for s in steps[:3]],
         [_button(draft, t(f"report.label_{s}"), "reopen", s) for s in steps[3:]]]))  # fmt: skip
    return None


async def reopen(update: Update, context: BotContext) -> int | None:
    """One answer chosen for changing: ask it again."""
    pressed = await _pressed(update, context)
    if pressed is None:
        return None
    draft, value = pressed
    if value not in {s.value for s in Step} or value == Step.CONFIRM:
        await refuse_button(update, "button.invalid")
        return None
    step = Step(value)
    if step is Step.PHOTOS:
        context.services.media.discard(draft.key)
    draft.reopen(step)
    return await _ask(update, context, draft, t("report.editing", label=Html(t(f"report.label_{step}"))))


async def submit(update: Update, context: BotContext) -> int | None:
    """提交: file the hazard, tell the officer its id, and deliver it to its units."""
    if await require_member(update, context) is None:  # removed while drafting: nothing is filed
        _discard(context)
        return END
    pressed = await _pressed(update, context)
    if pressed is None:
        return None
    draft, _ = pressed
    if draft.next_step() is not Step.CONFIRM:
        return await _ask(update, context, draft)
    services = context.services
    assert update.effective_user is not None
    hazard = (await file_report(services, draft, update.effective_user.id, update.update_id)).hazard
    context.user_data.pop("draft", None)  # type: ignore[union-attr]
    card = draft_card(services.org, draft, t("report.filed_title", code=hazard.code))
    await show_in_place(update, t("report.filed", card=card, code=hazard.code, units=unit_names(services.org, hazard)))
    context.application.create_task(services.dispatcher.deliver(), name=f"deliver:{hazard.code}")
    return END


async def cancel(update: Update, context: BotContext) -> int:
    """/cancel: abandon the report; nothing is stored."""
    _discard(context)
    await reply(update, t("report.cancelled"))
    return END


async def timed_out(update: Update, context: BotContext) -> None:
    """The report was left idle too long."""
    _discard(context)
    if update.effective_user is not None and update.effective_user.id in context.services.removed_ids:
        return  # removed meanwhile: the report ended with the membership, nothing more to say
    if update.effective_chat is not None:
        await tell_timed_out(context.bot, update.effective_chat.id, {}, context.services.settings)


async def tell_timed_out(bot: Bot, chat_id: int, user_data: dict[Any, Any], settings: Settings) -> None:
    """Say that the report was abandoned for being idle (also for one left idle while the bot was stopped)."""
    await bot.send_message(chat_id, t("report.timed_out", minutes=round(settings.conversation_timeout_seconds / 60)))


def staging_key(user_data: dict[Any, Any]) -> str | None:
    """The staging folder of the user's open draft (kept at start when the draft was restored), if any."""
    draft = user_data.get("draft")
    return draft.key if isinstance(draft, Draft) else None


def _discard(context: BotContext) -> None:
    draft = _draft(context)
    if draft is not None:
        context.services.media.discard(draft.key)
        context.user_data.pop("draft", None)  # type: ignore[union-attr]


async def expected_button(update: Update, context: BotContext) -> None:
    """Typed text where a button is expected."""
    await reply(update, t("report.use_buttons"))


async def unexpected(update: Update, context: BotContext) -> None:
    """Something the current question cannot use (a sticker, a file, a location at the wrong time …)."""
    draft = _draft(context)
    step = draft.next_step() if draft else Step.DESCRIPTION
    await reply(update, t("report.unexpected", question=Html(t(f"report.label_{step}"))))


async def stale_button(update: Update, context: BotContext) -> None:
    """A report button pressed outside its report: the report is gone or was submitted."""
    await refuse_button(update)


def register(app: Application, conversation_timeout: float) -> None:
    """Add the report conversation."""
    private = filters.ChatType.PRIVATE
    images = private & (filters.PHOTO | filters.Document.ALL)
    text = private & filters.TEXT & ~filters.COMMAND

    def button(action: str, callback: Any) -> CallbackQueryHandler:
        return CallbackQueryHandler(callback, pattern=rf"^{DraftButton.PREFIX}:[0-9a-f]+:{action}(:|$)")

    with warnings.catch_warnings():
        # Buttons here belong to the user's one draft, checked by its key, not tracked per message.
        warnings.filterwarnings("ignore", message=".*per_message.*", category=PTBUserWarning)
        conversation = ConversationHandler(
            entry_points=[
                CommandHandler("report", start_report, private),
                MessageHandler(images & filters.CaptionRegex(r"^\s*#隐患"), start_from_caption),
            ],
            states={
                Asking.DESCRIPTION: [MessageHandler(text, got_description)],
                Asking.CATEGORY: [button("cat", chose_category), MessageHandler(text, expected_button)],
                Asking.PLACE: [MessageHandler(text, got_place),
                               MessageHandler(private & filters.LOCATION, got_location)],
                Asking.PHOTOS: [button("done", photos_finished)],
                Asking.GRADE: [button("grade", chose_grade), MessageHandler(text, expected_button)],
                Asking.CONFIRM: [button("submit", submit), button("edit", edit), button("reopen", reopen),
                                 MessageHandler(text, expected_button)],
                ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
            },
            fallbacks=[
                CommandHandler("cancel", cancel),
                MessageHandler(images, got_image),
                button("reopen", reopen),
                CallbackQueryHandler(stale_button, pattern=rf"^{DraftButton.PREFIX}:"),
                MessageHandler(private & ~filters.COMMAND, unexpected),
            ],
            conversation_timeout=conversation_timeout,
            allow_reentry=True,
            name=NAME,
            persistent=True,  # a draft survives a restart (bot/persistence.py)
        )
    app.add_handler(conversation)
    app.add_handler(CallbackQueryHandler(stale_button, pattern=rf"^{DraftButton.PREFIX}:"))

