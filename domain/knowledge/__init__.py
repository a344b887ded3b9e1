"""The knowledge base of policy documents (issue 4): passages, glossary, honest answers, uploads.

Typical use, from the composition root and the handlers:

    kb = storage.documents.load_knowledge(bundled, extra)  # once, in a thread after start-up (~1 s)
    answer = kb.answer("什么是四个一律")                   # → Answer, a few milliseconds
    decoded = decode_upload(file_name, data)             # → DecodedUpload | UploadRejected
    kb.add_document(document_id_from_file_name(file_name), None, decoded.text)
"""

from domain.knowledge.engine import (
    MAX_PASSAGES,
    KnowledgeBase,
    KnowledgeBaseError,
    KnowledgeBaseErrorReason,
    LoadIssue,
    document_id_from_file_name,
)
from domain.knowledge.model import (
    Answer,
    AnswerStatus,
    Definition,
    DefinitionKind,
    DocumentInfo,
    Hit,
    Location,
    LocationStep,
    Mention,
    Source,
    StepKind,
    TermInfo,
)
from domain.knowledge.uploads import (
    DEFAULT_MAX_UPLOAD_BYTES,
    DecodedUpload,
    RejectReason,
    UploadRejected,
    decode_upload,
)

__all__ = [
    "DEFAULT_MAX_UPLOAD_BYTES",
    "MAX_PASSAGES",
    "Answer",
    "AnswerStatus",
    "DecodedUpload",
    "Definition",
    "DefinitionKind",
    "DocumentInfo",
    "Hit",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "KnowledgeBaseErrorReason",
    "LoadIssue",
    "Location",
    "LocationStep",
    "Mention",
    "RejectReason",
    "Source",
    "StepKind",
    "TermInfo",
    "UploadRejected",
    "decode_upload",
    "document_id_from_file_name",
]
