"""Policy questions answered from the speeches: /ask, plain text in private chat, /terms, and /kb for admins."""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from domain.knowledge import (
    DEFAULT_MAX_UPLOAD_BYTES,
    KnowledgeBase,
    KnowledgeBaseError,
    UploadRejected,
    decode_upload,
    document_id_from_file_name,
)
from handlers.common import refuse_button, reply, require_admin, require_member
from handlers.context import BotContext
from handlers.guard import refused
from handlers.talk import TelegramTalk
from texts import Html, t
from usecases import asking
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
    if await require_admin(update, context) is None or (kb := await _loaded(update, context)) is None:
        return
    args = context.args or []
    if args[:1] == ["remove"]:
        if len(args) != 2:
            await reply(update, t("kb.remove_usage"))
            return
        try:
            info = await asyncio.to_thread(kb.remove_document, args[1])
        except KnowledgeBaseError as exc:
            await reply(update, t(f"kb.error.{exc.reason}", id=args[1]))
            return
        await reply(update, t("kb.removed", id=info.id, title=info.title))
        return
    if args[:1] == ["add"]:
        await reply(update, t("kb.add_needs_file"))
        return
    documents = kb.documents()
    lines = [
        t("kb.document_line", mark=t("kb.bundled_mark") if d.bundled else t("kb.added_mark"), id=d.id, title=d.title,
          passages=d.passages, chars=d.chars)
        for d in documents
    ]  # fmt: skip
    await reply(update, t("kb.documents", count=len(documents), lines=Html("\n".join(lines))))


async def add_document(update: Update, context: BotContext) -> None:
    """A .txt or .docx captioned `/kb add [标题]`: index it now, no restart (admins)."""
    if await require_admin(update, context) is None or await refused(update, context, context.services.guards.kb_add):
        return
    if (kb := await _loaded(update, context)) is None:
        return
    message = update.effective_message
    assert message is not None and message.document is not None
    document, mb = message.document, DEFAULT_MAX_UPLOAD_BYTES // (1024 * 1024)
    if (document.file_size or 0) > DEFAULT_MAX_UPLOAD_BYTES:
        await reply(update, t("kb.file_too_large", mb=mb))
        return
    try:
        data = bytes(await (await document.get_file()).download_as_bytearray())
    except TelegramError:
        await reply(update, t("kb.download_failed"))
        return
    decoded = await asyncio.to_thread(decode_upload, document.file_name, data)  # a .docx is XML to parse
    if isinstance(decoded, UploadRejected):
        await reply(update, t(f"kb.rejected.{decoded.reason}", mb=mb))
        return
    words = (message.caption or "").split(maxsplit=2)
    title = words[2].strip() if len(words) == 3 else None
    doc_id = document_id_from_file_name(document.file_name or "document.txt")
    try:
        info = await asyncio.to_thread(kb.add_document, doc_id, title, decoded.text)
    except KnowledgeBaseError as exc:
        await reply(update, t(f"kb.error.{exc.reason}", id=doc_id))
        return
    await reply(update, t("kb.added", id=info.id, title=info.title, passages=info.passages))


def register(app: Application) -> None:
    """Add this feature's handlers (before the catch-alls)."""
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("ask", ask))
    app.add_handler(CommandHandler("terms", terms))
    app.add_handler(CommandHandler("kb", kb_command))
    app.add_handler(MessageHandler(filters.Document.ALL & filters.CaptionRegex(r"^/kb(@\w+)?\s+add\b"), add_document))
    app.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, ask_in_private))
    app.add_handler(CallbackQueryHandler(pressed, pattern=rf"^{KnowledgeButton.PREFIX}:"))
