"""The knowledge base's documents, for admins on every messenger alike: /kb lists them, /kb remove <id> takes one out,
and a .txt or .docx sent with /kb add [标题] is indexed at once (no restart). How the file arrives — a caption on
Telegram, a file after the command on Feishu — is the adapter's."""

from __future__ import annotations

import asyncio

from domain.knowledge import (
    DEFAULT_MAX_UPLOAD_BYTES,
    KnowledgeBaseError,
    UploadRejected,
    decode_upload,
    document_id_from_file_name,
)
from kernel import memory
from kernel.services import Services
from texts import Html, t
from usecases.asking import loaded
from usecases.talk import Talk

MAX_MB = DEFAULT_MAX_UPLOAD_BYTES // (1024 * 1024)


async def command(services: Services, talk: Talk, args: list[str]) -> None:
    """/kb (the list), /kb remove <id>; /kb add without a file says how to send one."""
    if (kb := await loaded(services, talk)) is None:
        return
    if args[:1] == ["remove"]:
        if len(args) != 2:
            await talk.say(t("kb.remove_usage"))
            return
        try:
            info = await asyncio.to_thread(kb.remove_document, args[1])
        except KnowledgeBaseError as exc:
            await talk.say(t(f"kb.error.{exc.reason}", id=args[1]))
            return
        await asyncio.to_thread(memory.give_back)  # what indexing used and let go
        await talk.say(t("kb.removed", id=info.id, title=info.title))
        return
    if args[:1] == ["add"]:
        await talk.say(t("kb.add_needs_file"))
        return
    documents = kb.documents()
    lines = [
        t("kb.document_line", mark=t("kb.bundled_mark") if d.bundled else t("kb.added_mark"), id=d.id, title=d.title,
          passages=d.passages, chars=d.chars)
        for d in documents
    ]  # fmt: skip
    await talk.say(t("kb.documents", count=len(documents), lines=Html("\n".join(lines))))


def too_large(size: int | None) -> bool:
    """Whether a file of `size` bytes is over what /kb add takes (checked before downloading when the size is known)."""
    return (size or 0) > DEFAULT_MAX_UPLOAD_BYTES


async def add(services: Services, talk: Talk, file_name: str | None, data: bytes | None, title: str | None) -> None:
    """Index a document the admin sent (`data` None: it could not be downloaded)."""
    if (kb := await loaded(services, talk)) is None:
        return
    if data is None:
        await talk.say(t("kb.download_failed"))
        return
    if too_large(len(data)):
        await talk.say(t("kb.file_too_large", mb=MAX_MB))
        return
    decoded = await asyncio.to_thread(decode_upload, file_name, data)  # a .docx is XML to parse
    if isinstance(decoded, UploadRejected):
        await talk.say(t(f"kb.rejected.{decoded.reason}", mb=MAX_MB))
        return
    doc_id = document_id_from_file_name(file_name or "document.txt")
    try:
        info = await asyncio.to_thread(kb.add_document, doc_id, title, decoded.text)
    except KnowledgeBaseError as exc:
        await talk.say(t(f"kb.error.{exc.reason}", id=doc_id))
        return
    await asyncio.to_thread(memory.give_back)
    await talk.say(t("kb.added", id=info.id, title=info.title, passages=info.passages))
