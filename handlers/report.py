"""/report: a safety officer reports a hazard step by step, or in one message with a `#隐患` caption."""

from __future__ import annotations

import warnings
from enum import IntEnum
from typing import Any

from telegram import Bot, Update
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
from domain.hazards import Draft, Photo, Step
from handlers.common import refuse_button, require_member
from handlers.context import BotContext
from handlers.photos import receive_image
from handlers.talk import TelegramTalk
from texts import t
from usecases import report_dialogue as dialogue
from usecases.talk import Session
from views.callbacks import DraftButton, decode

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


def _outcome(outcome: dialogue.Outcome) -> int | None:
    """The dialogue's outcome as the conversation's state (None: it stays where it was)."""
    if outcome is dialogue.ENDED:
        return END
    return _state(outcome) if isinstance(outcome, Step) else None


def _entered(outcome: dialogue.Outcome) -> int:
    """An entry point's outcome: the question it asks, or the end."""
    state = _outcome(outcome)
    return END if state is None else state


def _talk(update: Update, context: BotContext) -> tuple[TelegramTalk, Session]:
    assert context.user_data is not None
    return TelegramTalk(update, context), context.user_data


def _taker(update: Update, context: BotContext) -> dialogue.TakeImage:
    async def take(draft: Draft) -> Photo | None:
        return await receive_image(update, context, draft.key, len(draft.photos))
    return take


async def start_report(update: Update, context: BotContext) -> int:
    """/report: begin a report."""
    member = await require_member(update, context)
    if member is None:
        return END
    return _entered(await dialogue.start(context.services, *_talk(update, context), member))


async def start_from_caption(update: Update, context: BotContext) -> int:
    """A photo or image file captioned `#隐患 …`: a report in one message, asking only what is missing."""
    message = update.effective_message
    assert message is not None
    member = await require_member(update, context)
    if member is None:
        return END
    outcome = await dialogue.start_from_caption(context.services, *_talk(update, context), member,
                                                message.caption or "", message.media_group_id, _taker(update, context))
    return _entered(outcome)


async def got_text(update: Update, context: BotContext) -> int | None:
    """The officer typed an answer (the description, the place) or text where a button is expected."""
    assert update.effective_message is not None
    return _outcome(await dialogue.text(context.services, *_talk(update, context), update.effective_message.text or ""))


async def got_location(update: Update, context: BotContext) -> int | None:
    """The officer shared a Telegram location as the place."""
    message = update.effective_message
    assert message is not None and message.location is not None
    venue = f"{message.venue.title} {message.venue.address}" if message.venue else None
    return _outcome(await dialogue.location(context.services, *_talk(update, context), message.location.latitude,
                                            message.location.longitude, venue))  # fmt: skip


async def got_image(update: Update, context: BotContext) -> int | None:
    """A photo or image file while a report is open."""
    message = update.effective_message
    album = message.media_group_id if message is not None else None
    return _outcome(await dialogue.image(context.services, *_talk(update, context), album, _taker(update, context)))


async def pressed(update: Update, context: BotContext) -> int | None:
    """A button of the report (category, grade, photos done, edit, reopen, submit); stale or forged ones refused."""
    query = update.callback_query
    assert query is not None
    button = decode(query.data)
    if not isinstance(button, DraftButton):
        await refuse_button(update)
        return None
    member = await require_member(update, context) if button.what == "submit" else None
    if button.what == "submit" and member is None:
        dialogue.discard(context.services, context.user_data)  # type: ignore[arg-type]
        return END
    return _outcome(await dialogue.press(context.services, *_talk(update, context), button, member, update.update_id))


async def cancel(update: Update, context: BotContext) -> int:
    """/cancel: abandon the report; nothing is stored."""
    return _entered(await dialogue.cancel(context.services, *_talk(update, context)))


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
    if context.user_data is not None:
        dialogue.discard(context.services, context.user_data)


async def unexpected(update: Update, context: BotContext) -> None:
    """Something the current question cannot use (a sticker, a file, a location at the wrong time …)."""
    await dialogue.unexpected(*_talk(update, context))


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
                Asking.DESCRIPTION: [MessageHandler(text, got_text)],
                Asking.CATEGORY: [button("cat", pressed), MessageHandler(text, got_text)],
                Asking.PLACE: [MessageHandler(text, got_text),
                               MessageHandler(private & filters.LOCATION, got_location)],
                Asking.PHOTOS: [button("done", pressed)],
                Asking.GRADE: [button("grade", pressed), MessageHandler(text, got_text)],
                Asking.CONFIRM: [button("submit", pressed), button("edit", pressed), button("reopen", pressed),
                                 MessageHandler(text, got_text)],
                ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
            },
            fallbacks=[
                CommandHandler("cancel", cancel),
                MessageHandler(images, got_image),
                button("reopen", pressed),
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

