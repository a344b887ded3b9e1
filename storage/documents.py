"""The knowledge base's documents on disk: the bundled speeches (config/corpus) and the ones admins add (a folder of
.txt/.docx files, their titles in _titles.json), read at start and written atomically when an admin adds or removes
one. The knowledge base (domain.knowledge) indexes and answers; this module is its only file access."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path

from domain.knowledge.corpus import parse_document
from domain.knowledge.engine import DOC_ID, TITLES_FILE_NAME, KnowledgeBase, LoadIssue
from domain.knowledge.glossary import SUPPLEMENT_FILE_NAME, SupplementEntry, load_supplement
from domain.knowledge.model import Document
from domain.knowledge.uploads import DOCX_SUFFIXES, TEXT_SUFFIXES, UploadRejected, decode_upload

logger = logging.getLogger(__name__)

MAX_BUNDLED_BYTES = 50 * 1024 * 1024


class DocumentFolder:
    """The folder of added documents, as the knowledge base's DocumentStore."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def save(self, doc_id: str, title: str | None, text: str) -> None:
        """Write the document as .txt (dropping a .docx of the same id) and record its title."""
        _write_atomically(self.folder / f"{doc_id}.txt", text)
        for suffix in DOCX_SUFFIXES:
            (self.folder / f"{doc_id}{suffix}").unlink(missing_ok=True)
        titles = _read_titles(self.folder, [])
        if title is None:
            titles.pop(doc_id, None)
        else:
            titles[doc_id] = title
        _write_atomically(self.folder / TITLES_FILE_NAME, json.dumps(titles, ensure_ascii=False, indent=1))

    def delete(self, doc_id: str) -> None:
        """Remove the document's files and its title."""
        for suffix in (*TEXT_SUFFIXES, *DOCX_SUFFIXES):
            (self.folder / f"{doc_id}{suffix}").unlink(missing_ok=True)
        titles = _read_titles(self.folder, [])
        if titles.pop(doc_id, None) is not None:
            _write_atomically(self.folder / TITLES_FILE_NAME, json.dumps(titles, ensure_ascii=False, indent=1))


def load_knowledge(bundled_dir: Path, extra_dir: Path | None = None) -> KnowledgeBase:
        """Read the bundled documents and the added ones, and build the index (about a second, once).

        Documents are the .txt and .docx files of each folder; the file stem is the document id.
        A glossary_supplement.toml in either folder adds hand-written definitions. Unreadable
        files are skipped and listed in `issues` rather than stopping the bot.
        """
        issues: list[LoadIssue] = []
        bundled = [doc for _, doc in _read_folder(bundled_dir, bundled=True, titles={}, issues=issues)]
        added: list[Document] = []
        supplement: list[SupplementEntry] = []
        folders = [bundled_dir]
        if extra_dir is not None:
            extra_dir.mkdir(parents=True, exist_ok=True)
            titles = _read_titles(extra_dir, issues)
            bundled_ids = {doc.id for doc in bundled}
            for path, doc in _read_folder(extra_dir, bundled=False, titles=titles, issues=issues):
                if doc.id in bundled_ids:
                    issues.append(LoadIssue(path, "same id as a bundled document; skipped"))
                else:
                    added.append(doc)
            folders.append(extra_dir)
        for folder in folders:
            path = folder / SUPPLEMENT_FILE_NAME
            if path.is_file():
                entries, problems = load_supplement(path)
                supplement.extend(entries)
                issues.extend(
                    LoadIssue(p.path, f"entry {p.index}: {p.reason}" if p.index else p.reason) for p in problems
                )
        for issue in issues:
            logger.warning("knowledge base: %s: %s", issue.path, issue.reason)
        return KnowledgeBase(bundled, added, supplement=supplement, issues=issues,
                         store=DocumentFolder(extra_dir) if extra_dir is not None else None)


def _read_folder(
    folder: Path, *, bundled: bool, titles: dict[str, str], issues: list[LoadIssue]
) -> list[tuple[Path, Document]]:
    documents: list[tuple[Path, Document]] = []
    if not folder.is_dir():
        issues.append(LoadIssue(folder, "not a folder"))
        return documents
    for path in sorted(folder.iterdir()):
        suffix = path.suffix.lower()
        if not path.is_file() or suffix not in TEXT_SUFFIXES | DOCX_SUFFIXES or path.name.startswith("."):
            continue
        if not DOC_ID.match(path.stem):
            issues.append(LoadIssue(path, "file name is not a valid document id"))
            continue
        decoded = decode_upload(path.name, path.read_bytes(), max_bytes=MAX_BUNDLED_BYTES)
        if isinstance(decoded, UploadRejected):
            issues.append(LoadIssue(path, f"{decoded.reason}: {decoded.detail}"))
            continue
        doc = parse_document(path.stem, decoded.text, bundled=bundled, title=titles.get(path.stem))
        if not doc.passages:
            issues.append(LoadIssue(path, "no text"))
            continue
        documents.append((path, doc))
    return documents


def _read_titles(folder: Path, issues: list[LoadIssue]) -> dict[str, str]:
    path = folder / TITLES_FILE_NAME
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        issues.append(LoadIssue(path, f"unreadable: {error}"))
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _write_atomically(path: Path, text: str) -> None:
    """Write a file so a crash leaves either the old or the new content, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
