"""Hostile .docx files, generated: small zips that inflate into far more than any document."""

from __future__ import annotations

import io
import zipfile

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType='
    b'"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)


def docx_of(body: bytes, **extra: bytes) -> bytes:
    """A minimal .docx whose document body is `body` (raw WordprocessingML), with `extra` parts by name."""
    document = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{_W}"><w:body>'
                .encode() + body + b"</w:body></w:document>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("word/document.xml", document)
        for name, data in extra.items():
            archive.writestr(name, data)
    return out.getvalue()


def empty_paragraphs_bomb(paragraphs: int = 2_000_000) -> bytes:
    """The reported one: about 18 KB of zip, two million empty paragraphs."""
    return docx_of(b"<w:p/>" * paragraphs)


def empty_runs_bomb(runs: int = 3_000_000) -> bytes:
    """One paragraph of three million empty runs (elements, not paragraphs)."""
    return docx_of(b"<w:p>" + b"<w:r/>" * runs + b"</w:p>")


def inflated_bomb(megabytes: int = 200) -> bytes:
    """A short document with a part that inflates to `megabytes` MB of zeros."""
    return docx_of(b"<w:p><w:r><w:t>x</w:t></w:r></w:p>", **{"word/media/zeros.bin": bytes(megabytes << 20)})
