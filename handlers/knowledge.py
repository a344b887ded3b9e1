"""Policy questions answered from the speeches: /ask, plain text in private chat, /terms, and /kb for admins."""

from __future__ import annotations

import asyncio

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from domain.knowledge import (
    DEFAULT_MAX_UPLOAD_BYTES,
    Answer,
    KnowledgeBase,
    KnowledgeBaseError,
    UploadRejected,
    decode_upload,
    document_id_from_file_name,
)
from handlers.common import refuse_button, reply, require_admin, require_member, show_in_place
from handlers.context import BotContext
from handlers.guard import refused
from texts import Html, t
from views.callbacks import KnowledgeButton, decode
from views.knowledge import render_answer, render_full_passage, render_mentions

TERMS_PAGE = 30
MAX_QUESTION = 200


def _button(label: str, kind: str, value: str) -> InlineKeyboardButton | None:
    """A button, or None when its data would not fit Telegram's 64 bytes (a very long id or term)."""
    button = KnowledgeButton(kind, value)
    return InlineKeyboardButton(label, callback_data=button.encode()) if button.fits() else None


def _markup(buttons: list[InlineKeyboardButton | None]) -> InlineKeyboardMarkup | None:
    usable = [b for b in buttons if b is not None]
    return InlineKeyboardMarkup([usable[i : i + 3] for i in range(0, len(usable), 3)]) if usable else None


async def _loaded(update: Update, context: BotContext) -> KnowledgeBase | None:
    """The knowledge base; None, the user told so, while it is still loading after a start (or failed to load)."""
    services = context.services
    if services.kb is None:
        key = "kb.unavailable" if services.kb_loaded.is_set() else "kb.loading"
        if update.callback_query:
            await refuse_button(update, key)
        else:
            await reply(update, t(key))
    return services.kb


async def _send_answer(update: Update, answer: Answer) -> None:
    text, trimmed = render_answer(answer)
    buttons = [_button(t("kb.full_button", n=n), "p", answer.passages[n - 1].passage_id) for n in trimmed]
    if answer.term and len(answer.mentions) > 1 and answer.definitions:
        buttons.append(_button(t("kb.mentions_button", count=len(answer.mentions)), "m", answer.term))
    buttons += [_button(s, "q", s) for s in answer.suggestions]
    await reply(update, text, _markup(buttons))


async def ask(update: Update, context: BotContext) -> None:
    """/ask <问题>: answer from the documents."""
    if await require_member(update, context) is None:
        return
    question = " ".join(context.args or []).strip()
    if not question:
        await reply(update, t("kb.ask_usage"))
        return
    if await refused(update, context, context.services.guards.ask):
        return
    if (kb := await _loaded(update, context)) is not None:
        await _send_answer(update, kb.answer(question[:MAX_QUESTION]))


async def ask_in_private(update: Update, context: BotContext) -> None:
    """Plain text in private chat with no flow waiting for it: a question."""
    if await require_member(update, context) is None or await refused(update, context, context.services.guards.ask):
        return
    if (kb := await _loaded(update, context)) is None:
        return
    question = (update.effective_message.text or "").strip() if update.effective_message else ""
    await _send_answer(update, kb.answer(question[:MAX_QUESTION]))


async def pressed(update: Update, context: BotContext) -> None:
    """全文 / 其他提及 / a suggested term / a /terms page."""
    query = update.callback_query
    assert query is not None
    if await require_member(update, context) is None or (kb := await _loaded(update, context)) is None:
        return
    button = decode(query.data)
    kind, value = (button.kind, button.value) if isinstance(button, KnowledgeButton) else ("", "")
    if kind == "p":
        hit = kb.passage(value)
        if hit is None:
            await refuse_button(update, "kb.gone")
            return
        await query.answer()
        await reply(update, render_full_passage(hit))
    elif kind == "m":
        await query.answer()
        await reply(update, render_mentions(value, kb.term(value).mentions))
    elif kind == "q":
        await query.answer()
        await _send_answer(update, kb.term(value))
    elif kind == "t" and value.isdigit():
        await query.answer()
        await _send_terms(update, kb, int(value), edit=True)
    else:
        await refuse_button(update, "button.invalid")


async def terms(update: Update, context: BotContext) -> None:
    """/terms: the glossary, a page at a time."""
    if await require_member(update, context) is None or (kb := await _loaded(update, context)) is None:
        return
    await _send_terms(update, kb, 0, edit=False)


async def _send_terms(update: Update, kb: KnowledgeBase, offset: int, *, edit: bool) -> None:
    every = kb.terms()
    page = every[offset : offset + TERMS_PAGE]
    lines = [t("kb.terms_line", mark="✓" if i.has_definition else "·", term=i.term, mentions=i.mentions) for i in page]
    text = t("kb.terms_page", start=offset + 1, end=offset + len(page), total=len(every), lines=Html("\n".join(lines)))
    markup = _markup([
        _button(t("my.previous"), "t", str(offset - TERMS_PAGE)) if offset > 0 else None,
        _button(t("my.next"), "t", str(offset + TERMS_PAGE)) if offset + TERMS_PAGE < len(every) else None,
    ])  # fmt: skip
    if edit:
        await show_in_place(update, text, markup)
    else:
        await reply(update, text, markup)


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
