"""Author metadata out of uploaded work, so anonymous review stays anonymous (issue 11, item 7).

Word processors write who made and edited a file into it (a .docx's dc:creator, an .odt's
meta:initial-creator, tracked changes' and comments' authors, a PDF's /Author, a photo's EXIF
owner). Under blind review that is the author's name handed to the reviewer. Every upload is
rewritten without them before it is stored: with open review the names are shown anyway, and one
path for every upload is one the view cannot forget.

Each rewrite keeps the work itself (text, layout, images); a file that cannot be read for its
type is refused rather than stored with its metadata.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Callable

from flask_babel import lazy_gettext as _l

from lti_tool.activities.feedback.services import FeedbackError

# A 5 MB zip could unpack to gigabytes; real documents stay far below this.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024

_EMPTY_CORE = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
    b'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    b'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
    b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>'
)
_EMPTY_META = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    b'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
    b'xmlns:dc="http://purl.org/dc/elements/1.1/" office:version="1.2">'
    b"<office:meta/></office:document-meta>"
)
# Names in the body parts: tracked changes, comments, people (w:author, w15:author, w:initials,
# w15:userId) in Word; dc:creator of annotations and changes in ODF.
_NAME_ATTRIBUTES = re.compile(rb'\b((?:\w+:)?(?:author|initials|userId|providerId))="[^"]*"')
_NAME_ELEMENTS = re.compile(
    rb"<(dc:creator|meta:initial-creator|meta:creator-initials|meta:printed-by)>.*?</\1>", re.S
)
# app.xml: the company and manager are the organisation's and a person's names.
_APP_NAMES = re.compile(rb"<(Company|Manager)>.*?</\1>", re.S)


def _unreadable(kind: str) -> FeedbackError:
    return FeedbackError(
        "FILE_UNREADABLE",
        _l(
            "This %(kind)s file could not be read, so it cannot be made anonymous. Save it again "
            "(or as PDF) and upload that.",
            kind=kind,
        ),
        415,
    )


def _rewrite_zip(content: bytes, kind: str, part: Callable[[str, bytes], bytes | None]) -> bytes:
    try:
        source = zipfile.ZipFile(io.BytesIO(content))
        infos = source.infolist()
        if sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES:
            raise _unreadable(kind)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as target:
            for info in infos:
                data = part(info.filename, source.read(info))
                if data is None:
                    continue
                clean = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
                # ODF wants "mimetype" first and stored; keep every entry's own compression.
                clean.compress_type = info.compress_type
                clean.external_attr = info.external_attr
                target.writestr(clean, data)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, EOFError, ValueError) as exc:
        raise _unreadable(kind) from exc
    return out.getvalue()


def _docx_part(name: str, data: bytes) -> bytes | None:
    if name == "docProps/core.xml":
        return _EMPTY_CORE
    if name == "docProps/custom.xml":
        return data.split(b"<Properties", 1)[0] + _custom_empty(data)
    if name == "docProps/app.xml":
        return _APP_NAMES.sub(rb"<\1></\1>", data)
    if name.endswith(".xml"):
        return _NAME_ATTRIBUTES.sub(rb'\1=""', data)
    return data


def _custom_empty(data: bytes) -> bytes:
    match = re.search(rb"<Properties[^>]*>", data)
    if match is None:
        return data
    tag = match.group(0)
    return tag[:-1].rstrip(b"/") + b"/>"


def _odt_part(name: str, data: bytes) -> bytes | None:
    if name == "meta.xml":
        return _EMPTY_META
    if name.endswith(".xml"):
        return _NAME_ELEMENTS.sub(rb"<\1></\1>", data)
    return data


def strip_docx(content: bytes) -> bytes:
    return _rewrite_zip(content, "Word", _docx_part)


def strip_odt(content: bytes) -> bytes:
    return _rewrite_zip(content, "OpenDocument", _odt_part)


# Same-length blanking for a PDF pypdf cannot read: offsets in the xref table stay valid.
_PDF_INFO = re.compile(
    rb"/(Author|Creator|Producer|Title|Subject|Keywords)\s*(\((?:\\.|[^\\)])*\)|<[0-9A-Fa-f\s]*>)"
)
_XMP_NAMES = re.compile(rb"<(dc:creator|xmp:CreatorTool|pdf:Producer)>.*?</\1>", re.S)


def _blank(match: re.Match[bytes]) -> bytes:
    whole = match.group(0)
    return whole[: whole.index(match.group(2))] + b"(" + b" " * (len(match.group(2)) - 2) + b")"


def _blank_xmp(match: re.Match[bytes]) -> bytes:
    tag = match.group(1)
    inner = len(match.group(0)) - 2 * len(tag) - 5
    return b"<" + tag + b">" + b" " * inner + b"</" + tag + b">"


def strip_pdf(content: bytes) -> bytes:
    """The document rewritten by pypdf without its Info dictionary and XMP metadata (only the
    objects the pages reach are written, so older revisions' metadata go too)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PyPdfError
    from pypdf.generic import NameObject

    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted:
            raise FeedbackError(
                "FILE_ENCRYPTED",
                _l("Encrypted PDFs cannot be made anonymous. Upload it without a password."),
                415,
            )
        writer = PdfWriter(clone_from=reader)
        writer.metadata = None
        root = writer._root_object
        if NameObject("/Metadata") in root:
            del root[NameObject("/Metadata")]
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()
    except FeedbackError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, struct.error):
        # Not readable as a PDF structure: blank what looks like metadata in place.
        return _XMP_NAMES.sub(_blank_xmp, _PDF_INFO.sub(_blank, content))


# JPEG segments that carry EXIF/XMP (APP1), IPTC/Photoshop (APP13), comments (COM) and other
# application data; JFIF (APP0), ICC colour profiles (APP2) and Adobe colour (APP14) stay.
_JPEG_DROP = {0xE1, 0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9, 0xEA, 0xEB, 0xEC, 0xED, 0xEF, 0xFE}


def strip_jpeg(content: bytes) -> bytes:
    if not content.startswith(b"\xff\xd8"):
        raise _unreadable("JPEG")
    out = bytearray(b"\xff\xd8")
    pos = 2
    while pos + 4 <= len(content):
        if content[pos] != 0xFF:
            raise _unreadable("JPEG")
        marker = content[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xDA:  # start of scan: the image data follows, kept as it is
            out += content[pos:]
            return bytes(out)
        (length,) = struct.unpack(">H", content[pos + 2 : pos + 4])
        end = pos + 2 + length
        if length < 2 or end > len(content):
            raise _unreadable("JPEG")
        if marker not in _JPEG_DROP:
            out += content[pos:end]
        pos = end
    raise _unreadable("JPEG")


_PNG_DROP = {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"}


def strip_png(content: bytes) -> bytes:
    signature = b"\x89PNG\r\n\x1a\n"
    if not content.startswith(signature):
        raise _unreadable("PNG")
    out = bytearray(signature)
    pos = len(signature)
    while pos + 12 <= len(content):
        (length,) = struct.unpack(">I", content[pos : pos + 4])
        kind = content[pos + 4 : pos + 8]
        end = pos + 12 + length
        if end > len(content):
            raise _unreadable("PNG")
        if kind not in _PNG_DROP:
            out += content[pos:end]
        pos = end
        if kind == b"IEND":
            return bytes(out)
    raise _unreadable("PNG")


STRIPPERS: dict[str, Callable[[bytes], bytes]] = {
    "docx": strip_docx,
    "odt": strip_odt,
    "pdf": strip_pdf,
    "jpg": strip_jpeg,
    "jpeg": strip_jpeg,
    "png": strip_png,
}


def without_metadata(ext: str, content: bytes) -> bytes:
    """The upload without author metadata; text files (txt, md) have none and pass unchanged."""
    strip = STRIPPERS.get(ext)
    return content if strip is None else strip(content)
