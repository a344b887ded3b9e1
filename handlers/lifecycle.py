"""Acting on a hazard: the buttons on its messages, each followed by the questions its action needs — Telegram's
adapter of usecases.action_dialogue (the questions, the checks and the action are there, for every messenger alike).

The press is checked on the server (role, unit, state) before any question, and again when the
answers are complete: `storage.lifecycle.act` re-reads the hazard and lets the domain decide in one
transaction, so a stale button, a double tap or two members at once change the hazard only once.
"""

from __future__ import annotations

import warnings
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
from domain.hazards import Photo
from handlers.common import refuse_button, require_member
from handlers.context import BotContext
from handlers.photos import receive_image
from handlers.talk import TelegramTalk
from texts import t
from usecases import action_dialogue as dialogue
from usecases.action_dialogue import Pending
from usecases.talk import Session
from views.callbacks import Answer, HazardAction, decode

END = ConversationHandler.END
ASK = 0  # waiting for typed text, a button, or photos, depending on the field asked
NAME = "act"  # the conversation's name, as persisted


def _state(outcome: dialogue.Outcome) -> int | None:
    """The dialogue's outcome as the conversation's state (None: it stays where it was)."""
    if outcome is dialogue.ENDED:
        return END
    return ASK if outcome == dialogue.ASKING else None


def _talk(update: Update, context: BotContext) -> tuple[TelegramTalk, Session]:
    assert context.user_data is not None
    return TelegramTalk(update, context), context.user_data


async def pressed(update: Update, context: BotContext) -> int:
    """An action button on a hazard's message."""
    assert update.callback_query is not None
    member = await require_member(update, context)
    outcome = await dialogue.press(context.services, *_talk(update, context), member,
                                   decode(update.callback_query.data), update.update_id)  # fmt: skip
    state = _state(outcome)
    return END if state is None else state


async def answered_button(update: Update, context: BotContext) -> int | None:
    """A button answering one of the questions."""
    assert update.callback_query is not None
    answer = decode(update.callback_query.data)
    member = await require_member(update, context)
    if not isinstance(answer, Answer):
        await refuse_button(update)
        return None
    return _state(await dialogue.answer_button(context.services, *_talk(update, context), member, answer,
                                               update.update_id))  # fmt: skip


async def answered_text(update: Update, context: BotContext) -> int | None:
    """Typed text answering the question asked."""
    text = (update.effective_message.text or "") if update.effective_message else ""
    talk, session = _talk(update, context)
    pending = dialogue.pending_of(session)
    answering = pending is not None and not dialogue.elsewhere(talk, pending)
    member = await require_member(update, context) if answering else None
    return _state(await dialogue.answer_text(context.services, talk, session, member, text, update.update_id))


async def answered_photo(update: Update, context: BotContext) -> int | None:
    """An after-photo (整改后照片) or a rebound photo."""

    async def take(pending: Pending) -> Photo | None:
        return await receive_image(update, context, pending.staging_key, len(pending.photos))

    return _state(await dialogue.answer_photo(context.services, *_talk(update, context), take))


async def answered_other_file(update: Update, context: BotContext) -> int | None:
    """A file that is not an image (a PDF, a spreadsheet) while a question is open: say so and ask it again,
    rather than let the report's catch-all answer with the report's hint."""
    talk, session = _talk(update, context)
    pending = dialogue.pending_of(session)
    answering = pending is not None and not dialogue.elsewhere(talk, pending)
    member = await require_member(update, context) if answering else None
    return _state(await dialogue.answer_other_file(context.services, talk, session, member, update.update_id))


async def cancel(update: Update, context: BotContext) -> int:
    """/cancel while answering: nothing changes."""
    await dialogue.cancel(context.services, *_talk(update, context))
    return END


async def timed_out(update: Update, context: BotContext) -> None:
    """Answers left unfinished too long."""
    talk, session = _talk(update, context)
    pending = dialogue.pending_of(session)
    if pending is not None and dialogue.in_other_chat(talk, pending):
        return  # this chat's question was replaced by one in another chat, which has its own time-out
    dialogue.discard(context.services, session)
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

