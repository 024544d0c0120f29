"""Uploaded work: kept in the upload store (lti_tool/storage: the database, or a folder outside
the web root) under names we generate, with size and type limits. Served only through a view
that checks who may read it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from lti_tool import storage
from lti_tool.activities.feedback.metadata import without_metadata
from lti_tool.activities.feedback.services import FeedbackError

MAX_FILE_BYTES = 5 * 1024 * 1024
# Extension -> (content type, the bytes such a file starts with, or None when any text goes).
ALLOWED: dict[str, tuple[str, bytes | None]] = {
    "pdf": ("application/pdf", b"%PDF"),
    "png": ("image/png", b"\x89PNG"),
    "jpg": ("image/jpeg", b"\xff\xd8\xff"),
    "jpeg": ("image/jpeg", b"\xff\xd8\xff"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK"),
    "odt": ("application/vnd.oasis.opendocument.text", b"PK"),
    "txt": ("text/plain; charset=utf-8", None),
    "md": ("text/markdown; charset=utf-8", None),
}


def check_upload(filename: str, content: bytes) -> tuple[str, str]:
    """(extension, content type) of an acceptable upload; FeedbackError otherwise."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if ext not in ALLOWED:
        raise FeedbackError(
            "FILE_TYPE_REFUSED",
            _l(
                "That type of file is not accepted. Use one of: %(types)s.",
                types=", ".join(sorted(ALLOWED)),
            ),
            415,
        )
    if not content:
        raise FeedbackError("FILE_EMPTY", _l("The file is empty."), 400)
    if len(content) > MAX_FILE_BYTES:
        raise FeedbackError("FILE_TOO_LARGE", _l("Files are limited to 5 MB."), 413)
    content_type, magic = ALLOWED[ext]
    if magic is not None and not content.startswith(magic):
        raise FeedbackError(
            "FILE_TYPE_REFUSED", _l("The file's content does not match its type."), 415
        )
    if magic is None:
        try:
            content.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FeedbackError("FILE_TYPE_REFUSED", _l("Text files must be UTF-8."), 415) from exc
    return ext, content_type


def store_upload(filename: str, content: bytes) -> dict[str, object]:
    """Store the checked file under a random name; the stored facts for the submission row."""
    ext, content_type = check_upload(filename, content)
    content = without_metadata(ext, content)  # no author's name reaches a blind reviewer
    key = storage.new_key()
    storage.put(key, content)
    return {"key": key, "type": content_type, "ext": ext, "size": len(content)}
