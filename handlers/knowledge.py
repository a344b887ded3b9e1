"""Policy questions answered from the speeches: /ask, plain text in private chat, /terms, and /kb for admins."""

from __future__ import annotations

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from domain.knowledge import KnowledgeBase
from handlers.common import refuse_button, reply, require_admin, require_member
from handlers.context import BotContext
from handlers.guard import refused
from handlers.talk import TelegramTalk
from texts import t
from usecases import asking, documents
from views.callbacks import KnowledgeButton, decode


async def _loaded(update: Update, context: BotContext) -> KnowledgeBase | None:
    return await asking.loaded(context.services, TelegramTalk(update, context), pressed=bool(update.callback_query))


async def ask(update: Update, context: BotContext) -> None:
    """/ask <问题>: answer from the documents."""
    if await require_member(update, context) is None:
        return
    question = " ".join(context.args or [])
    if question.strip() and await refused(update, context, context.services.guards.ask):
        return
    await asking.ask(context.services, TelegramTalk(update, context), question)


async def ask_in_private(update: Update, context: BotContext) -> None:
    """Plain text in private chat with no flow waiting for it: a question."""
    if await require_member(update, context) is None or await refused(update, context, context.services.guards.ask):
        return
    question = (update.effective_message.text or "") if update.effective_message else ""
    await asking.answer(context.services, TelegramTalk(update, context), question)


async def pressed(update: Update, context: BotContext) -> None:
    """全文 / 其他提及 / a suggested term / a /terms page."""
    query = update.callback_query
    assert query is not None
    if await require_member(update, context) is None:
        return
    button = decode(query.data)
    if not isinstance(button, KnowledgeButton):
        if await _loaded(update, context) is not None:
            await refuse_button(update, "button.invalid")
        return
    await asking.press(context.services, TelegramTalk(update, context), button)


async def terms(update: Update, context: BotContext) -> None:
    """/terms: the glossary, a page at a time."""
    if await require_member(update, context) is None:
        return
    await asking.terms(context.services, TelegramTalk(update, context))


async def kb_command(update: Update, context: BotContext) -> None:
    """/kb lists the documents; /kb remove <id> removes one (admins)."""
    if await require_admin(update, context) is not None:
        await documents.command(context.services, TelegramTalk(update, context), list(context.args or []))


async def add_document(update: Update, context: BotContext) -> None:
    """A .txt or .docx captioned `/kb add [标题]`: index it now, no restart (admins)."""
    if await require_admin(update, context) is None or await refused(update, context, context.services.guards.kb_add):
        return
    talk = TelegramTalk(update, context)
    if await asking.loaded(context.services, talk) is None:
        return
    message = update.effective_message
    assert message is not None and message.document is not None
    document = message.document
    if documents.too_large(document.file_size):
        await reply(update, t("kb.file_too_large", mb=documents.MAX_MB))
        return
    try:
        data: bytes | None = bytes(await (await document.get_file()).download_as_bytearray())
    except TelegramError:
        data = None
    words = (message.caption or "").split(maxsplit=2)
    title = words[2].strip() if len(words) == 3 else None
    await documents.add(context.services, talk, document.file_name, data, title)


def register(app: Application) -> None:
    """Add this feature's handlers (before the catch-alls)."""
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("ask", ask))
    app.add_handler(CommandHandler("terms", terms))
    app.add_handler(CommandHandler("kb", kb_command))
    app.add_handler(MessageHandler(filters.Document.ALL & filters.CaptionRegex(r"^/kb(@\w+)?\s+add\b"), add_document))
    app.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, ask_in_private))
    app.add_handler(CallbackQueryHandler(pressed, pattern=rf"^{KnowledgeButton.PREFIX}:"))
