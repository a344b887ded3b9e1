"""Turning an uploaded file's bytes into text: .txt (UTF-8 with or without BOM, GB18030) or .docx.

Pure: it takes the file name and bytes and returns either the text or a reason code that the
handler turns into a reply. Nothing is written anywhere.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePath

DEFAULT_MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # a speech is ~10 KB; a .docx with pictures a few MB
MAX_TEXT_CHARS = 500_000
# A .docx is a zip: refuse one that would inflate to far more than any document (a zip bomb). The sizes checked are
# the archive's own, and zipfile never inflates a member past its stated size (a lie is a CRC error).
_MAX_INFLATED_BYTES = 50 * 1024 * 1024
# ... or whose XML holds far more elements or paragraphs than any document: 18 KB of zip held two million empty
# paragraphs, which python-docx took 25-29 s and 491 MB to read. A 500,000-character speech has a few thousand
# paragraphs and well under 200,000 elements. Counting stops at the limit: a bomb is refused in a fraction of a second.
MAX_XML_ELEMENTS = 500_000
MAX_PARAGRAPHS = 50_000
_PARAGRAPH_TAG = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}p"
TEXT_SUFFIXES = frozenset({".txt", ".text"})
DOCX_SUFFIXES = frozenset({".docx"})

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# What a Chinese text is made of; mojibake from a wrong guess lands in rarer blocks.
_PLAUSIBLE = re.compile(
    r"[\u0020-\u007e\s\u00a0-\u00ff\u2000-\u206f\u2150-\u218f\u2190-\u21ff\u2460-\u24ff\u2500-\u257f"
    r"\u25a0-\u25ff\u2600-\u26ff\u3000-\u303f\u3200-\u32ff\u4e00-\u9fff\uff00-\uffef\u00b7\u2014\u2026\u2018-\u201d]"
)
_MIN_PLAUSIBLE_SHARE = 0.97


class RejectReason(StrEnum):
    """Why an uploaded file cannot become a document."""

    EMPTY = "empty"  # no bytes, or no text once decoded
    TOO_LARGE = "too_large"  # more bytes (or characters) than allowed
    UNSUPPORTED_TYPE = "unsupported_type"  # neither .txt nor .docx (.doc, .pdf, …)
    BINARY = "binary"  # a .txt that is not text at all
    UNKNOWN_ENCODING = "unknown_encoding"  # text, but neither UTF-8 nor GB18030 (nor UTF-16 with a BOM)
    CORRUPT_DOCX = "corrupt_docx"  # a .docx that python-docx cannot open
    TOO_COMPLEX = "too_complex"  # a .docx that inflates too far or holds too many elements (a zip bomb)


@dataclass(frozen=True, slots=True)
class DecodedUpload:
    """The text of an uploaded file and how it was read."""

    text: str
    encoding: str  # "utf-8", "utf-8-sig", "gb18030", "utf-16" or "docx"


@dataclass(frozen=True, slots=True)
class UploadRejected:
    """An upload that cannot be used, with the reason and a detail for the logs (not for users)."""

    reason: RejectReason
    detail: str = ""
    limit: int | None = None  # the limit exceeded, for TOO_LARGE


def decode_upload(
    file_name: str | None, data: bytes, *, max_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
) -> DecodedUpload | UploadRejected:
    """Decode an uploaded .txt or .docx into text, or say why not.

    The type comes from the file name's suffix; without a name, a zip signature means .docx.
    Line breaks are normalised to \\n and a byte-order mark is dropped.
    """
    if not data:
        return UploadRejected(RejectReason.EMPTY, "no bytes")
    if len(data) > max_bytes:
        return UploadRejected(RejectReason.TOO_LARGE, f"{len(data)} bytes", limit=max_bytes)
    suffix = PurePath(file_name).suffix.lower() if file_name else (".docx" if data[:4] == b"PK\x03\x04" else ".txt")
    if suffix in DOCX_SUFFIXES:
        result = _decode_docx(data)
    elif suffix in TEXT_SUFFIXES:
        result = _decode_text(data)
    else:
        return UploadRejected(RejectReason.UNSUPPORTED_TYPE, suffix or "no suffix")
    if isinstance(result, UploadRejected):
        return result
    text = result.text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    if not text.strip():
        return UploadRejected(RejectReason.EMPTY, "no text")
    if len(text) > MAX_TEXT_CHARS:
        return UploadRejected(RejectReason.TOO_LARGE, f"{len(text)} characters", limit=MAX_TEXT_CHARS)
    return DecodedUpload(text, result.encoding)


def _decode_text(data: bytes) -> DecodedUpload | UploadRejected:
    if data.startswith(b"\xef\xbb\xbf"):
        candidates: tuple[str, ...] = ("utf-8-sig",)
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ("utf-16",)  # Windows Notepad's "Unicode"
    else:
        if _looks_binary(data):
            return UploadRejected(RejectReason.BINARY, "control bytes or a binary signature")
        candidates = ("utf-8", "gb18030")
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _CONTROL.search(text.replace("\x0c", "")):
            return UploadRejected(RejectReason.BINARY, f"control characters after decoding as {encoding}")
        # Valid UTF-8 is almost never an accident; GB18030 accepts most byte soups, so check the result.
        if encoding != "gb18030" or _plausible(text):
            return DecodedUpload(text, encoding)
    return UploadRejected(RejectReason.UNKNOWN_ENCODING, "not UTF-8, GB18030 or UTF-16 with a BOM")


_BINARY_SIGNATURES = (
    b"%PDF",
    b"PK\x03\x04",
    b"\xd0\xcf\x11\xe0",
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"Rar!",
    b"\x1f\x8b",
)


def _looks_binary(data: bytes) -> bool:
    if data.startswith(_BINARY_SIGNATURES) or b"\x00" in data[:8192]:
        return True
    sample = data[:8192]
    controls = sum(1 for byte in sample if byte < 0x20 and byte not in b"\t\n\r\x0c")
    return controls > len(sample) * 0.01


def _plausible(text: str) -> bool:
    sample = text[:20_000]
    if not sample:
        return True
    return len(_PLAUSIBLE.findall(sample)) >= _MIN_PLAUSIBLE_SHARE * len(sample)


def _decode_docx(data: bytes) -> DecodedUpload | UploadRejected:
    # Imported here: python-docx pulls in lxml, which only uploads need.
    import docx
    from docx.table import Table

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
            if "word/document.xml" not in archive.namelist():
                return UploadRejected(RejectReason.CORRUPT_DOCX, "no word/document.xml")
            if inflated > _MAX_INFLATED_BYTES:
                return UploadRejected(RejectReason.TOO_COMPLEX, f"inflates to {inflated} bytes",
                                      limit=_MAX_INFLATED_BYTES)
            if (too_many := _too_many_elements(archive)) is not None:
                return UploadRejected(RejectReason.TOO_COMPLEX, too_many)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        return UploadRejected(RejectReason.CORRUPT_DOCX, f"not a zip archive: {error}")
    try:
        document = docx.Document(io.BytesIO(data))
        lines: list[str] = []
        # Paragraphs and tables in document order; a table's rows become lines of tab-separated cells.
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                for row in block.rows:
                    lines.append("\t".join(cell.text.strip() for cell in row.cells))
            else:
                lines.append(block.text)
    except Exception as error:  # python-docx raises many kinds (KeyError, lxml errors, …) on broken files
        return UploadRejected(RejectReason.CORRUPT_DOCX, f"{type(error).__name__}: {error}")
    return DecodedUpload("\n".join(lines), "docx")


def _too_many_elements(archive: zipfile.ZipFile) -> str | None:
    """Count the elements of every XML part as they stream in (python-docx parses them all); stop past a limit."""
    from lxml import etree

    elements = paragraphs = 0
    for info in archive.infolist():
        if not info.filename.endswith((".xml", ".rels")):
            continue
        with archive.open(info) as part:
            try:
                for _, element in etree.iterparse(part, events=("start",), resolve_entities=False, no_network=True,
                                                  huge_tree=False):
                    elements += 1
                    paragraphs += element.tag == _PARAGRAPH_TAG
                    if elements > MAX_XML_ELEMENTS or paragraphs > MAX_PARAGRAPHS:
                        return f"more than {elements} elements, {paragraphs} paragraphs (at {info.filename})"
            except etree.XMLSyntaxError:
                continue  # python-docx says what is wrong with a broken part
    return None
