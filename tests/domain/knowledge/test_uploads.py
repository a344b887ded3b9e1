"""Uploaded .txt and .docx bytes become text, or a clear reason why not."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

import docx
import pytest

from domain.knowledge import DecodedUpload, RejectReason, UploadRejected, decode_upload
from domain.knowledge.uploads import MAX_PARAGRAPHS
from tests.bombs import docx_of, empty_paragraphs_bomb, empty_runs_bomb, inflated_bomb

TEXT = "关于加强汛期安全生产工作的通知\n一、加强值班值守。\n二、强化隐患排查。"


def _docx(*paragraphs: str) -> bytes:
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "单位"
    table.rows[0].cells[1].text = "责任人"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("gb18030"), "gb18030"),
        (TEXT.encode("gbk"), "gb18030"),
        (TEXT.encode("utf-16"), "utf-16"),
    ],
)
def test_text_encodings(data: bytes, encoding: str):
    result = decode_upload("通知.txt", data)
    assert result == DecodedUpload(TEXT, encoding)


def test_windows_line_breaks_are_normalised():
    result = decode_upload("a.TXT", TEXT.replace("\n", "\r\n").encode("gb18030"))
    assert isinstance(result, DecodedUpload) and result.text == TEXT


def test_docx_paragraphs_and_tables_in_order():
    result = decode_upload("通知.docx", _docx("关于加强汛期安全生产工作的通知", "一、加强值班值守。"))
    assert isinstance(result, DecodedUpload)
    assert result.encoding == "docx"
    assert result.text.splitlines() == ["关于加强汛期安全生产工作的通知", "一、加强值班值守。", "单位\t责任人"]


def test_without_a_name_a_zip_is_a_docx():
    assert isinstance(decode_upload(None, _docx("正文。")), DecodedUpload)


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("a.txt", b"", RejectReason.EMPTY),
        ("a.txt", b" \n\t\r\n", RejectReason.EMPTY),
        ("a.txt", "\ufeff".encode("utf-8-sig"), RejectReason.EMPTY),
        ("a.txt", b"\x00\x01\x02binary\x00" * 20, RejectReason.BINARY),
        ("a.txt", b"%PDF-1.7 ...", RejectReason.BINARY),
        ("a.txt", bytes(range(0x80, 0x100)) * 4, RejectReason.UNKNOWN_ENCODING),
        ("a.pdf", b"%PDF-1.7", RejectReason.UNSUPPORTED_TYPE),
        ("a.doc", b"\xd0\xcf\x11\xe0", RejectReason.UNSUPPORTED_TYPE),
        ("noext", "文字".encode(), RejectReason.UNSUPPORTED_TYPE),
        ("a.docx", b"PK\x03\x04 not really a zip", RejectReason.CORRUPT_DOCX),
        ("a.docx", "纯文本".encode(), RejectReason.CORRUPT_DOCX),
    ],
)
def test_bad_files(name: str, data: bytes, reason: RejectReason):
    result = decode_upload(name, data)
    assert isinstance(result, UploadRejected)
    assert result.reason is reason


def test_zip_without_a_document_is_corrupt():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    result = decode_upload("a.docx", buffer.getvalue())
    assert isinstance(result, UploadRejected) and result.reason is RejectReason.CORRUPT_DOCX


def test_empty_docx_is_empty():
    document = docx.Document()
    buffer = io.BytesIO()
    document.save(buffer)
    result = decode_upload("a.docx", buffer.getvalue())
    assert isinstance(result, UploadRejected) and result.reason is RejectReason.EMPTY


def test_too_large():
    result = decode_upload("a.txt", TEXT.encode("utf-8"), max_bytes=10)
    assert isinstance(result, UploadRejected)
    assert result.reason is RejectReason.TOO_LARGE and result.limit == 10


@pytest.mark.parametrize("bomb", [empty_paragraphs_bomb, empty_runs_bomb, inflated_bomb])
def test_a_zip_bomb_docx_is_refused_without_being_read(bomb: Callable[[], bytes]) -> None:
    data = bomb()
    assert len(data) < 300_000  # small on the wire
    result = decode_upload("讲话.docx", data)
    assert isinstance(result, UploadRejected) and result.reason is RejectReason.TOO_COMPLEX, result


def test_a_docx_just_within_the_limits_is_read() -> None:
    data = docx_of(b"<w:p><w:r><w:t>\xe5\xae\x89\xe5\x85\xa8</w:t></w:r></w:p>" * (MAX_PARAGRAPHS - 10))
    result = decode_upload("讲话.docx", data)
    assert isinstance(result, DecodedUpload) and result.text.count("安全") == MAX_PARAGRAPHS - 10
