"""Fixtures for testing the Bot API double itself: the double, and a small PTB bot running on it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from sandbox.double import BotApiDouble
from sandbox.images import sample_jpeg, sample_png
from sandbox.ptb import builder_for, running

App = Application[Any, Any, Any, Any, Any, Any]


@pytest.fixture
async def api() -> AsyncIterator[BotApiDouble]:
    """A started double; a test that provokes violations on purpose clears them before it ends."""
    async with BotApiDouble(token="123456:TEST", bot_username="hazard_bot") as double:
        yield double
        double.assert_no_violations()


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Repeat the user's text with a button under it."""
    assert update.effective_message and update.effective_message.text is not None
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("好", callback_data="ok:1")]])
    await update.effective_message.reply_text(update.effective_message.text, reply_markup=keyboard, do_quote=False)


async def photo_size(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Download the largest size of a photo and say how many bytes it had."""
    assert update.effective_message and update.effective_message.photo
    file = await update.effective_message.photo[-1].get_file()
    data = await file.download_as_bytearray()
    await update.effective_message.reply_text(f"photo {len(data)} bytes")


async def document_size(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Download a document, or say why Telegram would not let it."""
    assert update.effective_message and update.effective_message.document
    try:
        file = await update.effective_message.document.get_file()
    except TelegramError as error:
        await update.effective_message.reply_text(f"refused: {error.message}")
        return
    data = await file.download_as_bytearray()
    await update.effective_message.reply_text(f"document {len(data)} bytes")


async def location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say where the user is."""
    assert update.effective_message and update.effective_message.location
    place = update.effective_message.location
    await update.effective_message.reply_text(f"at {place.latitude:.4f},{place.longitude:.4f}")


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a button press and replace the message's text (which drops the keyboard)."""
    query = update.callback_query
    assert query is not None
    await query.answer(f"收到 {query.data}")
    if query.data == "ok:1":
        await query.edit_message_text("已确认")


async def open_topic(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Open a forum topic named by the command's arguments and post into it."""
    message = update.effective_message
    assert message is not None
    try:
        topic = await context.bot.create_forum_topic(message.chat_id, " ".join(context.args or ["话题"]))
    except TelegramError as error:
        await message.reply_text(f"refused: {error.message}")
        return
    await context.bot.send_message(
        message.chat_id, "<b>已开题</b>", parse_mode="HTML", message_thread_id=topic.message_thread_id
    )


async def album(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Upload two new photos as an album."""
    assert update.effective_chat is not None
    media = [
        InputMediaPhoto(sample_jpeg(320, 240, label="a"), caption="<i>现场</i>", parse_mode="HTML"),
        InputMediaPhoto(sample_png(64, 64, label="b")),
    ]
    await context.bot.send_media_group(update.effective_chat.id, media)


async def card(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Upload a document."""
    assert update.effective_chat is not None
    await context.bot.send_document(update.effective_chat.id, b"id,name\n1,x\n", filename="export.csv")


def build_demo_app(api: BotApiDouble) -> App:
    """A small bot exercising what the hazard bot needs from the Bot API."""
    app: App = builder_for(api).build()
    app.add_handler(CommandHandler("topic", open_topic))
    app.add_handler(CommandHandler("album", album))
    app.add_handler(CommandHandler("card", card))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(MessageHandler(filters.PHOTO, photo_size))
    app.add_handler(MessageHandler(filters.Document.ALL, document_size))
    app.add_handler(MessageHandler(filters.LOCATION, location))
    app.add_handler(CallbackQueryHandler(pressed))
    return app


@pytest.fixture
async def app(api: BotApiDouble) -> AsyncIterator[App]:
    """The demo bot, polling the double."""
    application = build_demo_app(api)
    async with running(application):
        yield application
