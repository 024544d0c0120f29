"""Issue 11, item 7: under double-blind review the author's name inside an uploaded file (a
.docx's dc:creator, an .odt's initial-creator, a PDF's /Author, a photo's EXIF) must not reach
the reviewer. What the reviewer downloads carries none of it; the work itself is kept."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest
from pypdf import PdfReader, PdfWriter
from sqlalchemy import select

from lti_tool.activities.feedback.metadata import strip_jpeg, strip_pdf, strip_png
from lti_tool.models import Person
from lti_tool.models.feedback import FeedbackAllocation, FeedbackSubmission
from tests.activities.feedback.conftest import configure, student_subs
from tests.builders import error_code

NAME = b"Alice Anders"


def _zip(entries: list[tuple[str, bytes]], stored_first: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for n, (name, data) in enumerate(entries):
            kind = zipfile.ZIP_STORED if stored_first and n == 0 else zipfile.ZIP_DEFLATED
            z.writestr(zipfile.ZipInfo(name), data, compress_type=kind)
    return out.getvalue()


def docx() -> bytes:
    return _zip(
        [
            ("[Content_Types].xml", b"<Types/>"),
            (
                "docProps/core.xml",
                b'<cp:coreProperties xmlns:cp="x" xmlns:dc="y"><dc:creator>Alice Anders'
                b"</dc:creator><cp:lastModifiedBy>Alice Anders</cp:lastModifiedBy>"
                b"</cp:coreProperties>",
            ),
            ("docProps/app.xml", b"<Properties><Company>Alice Anders Ltd</Company></Properties>"),
            (
                "word/document.xml",
                b'<w:document><w:body><w:p><w:ins w:id="1" w:author="Alice Anders" '
                b'w:date="2026-01-01"><w:r><w:t>My essay text</w:t></w:r></w:ins></w:p>'
                b"</w:body></w:document>",
            ),
            (
                "word/comments.xml",
                b'<w:comments><w:comment w:author="Alice Anders" w:initials="AA"/></w:comments>',
            ),
            (
                "word/people.xml",
                b'<w15:people><w15:person w15:author="Alice Anders"/></w15:people>',
            ),
        ]
    )


def odt() -> bytes:
    return _zip(
        [
            ("mimetype", b"application/vnd.oasis.opendocument.text"),
            (
                "meta.xml",
                b"<office:document-meta><office:meta><meta:initial-creator>Alice Anders"
                b"</meta:initial-creator><dc:creator>Alice Anders</dc:creator></office:meta>"
                b"</office:document-meta>",
            ),
            (
                "content.xml",
                b"<office:document-content><text:p>My essay text<office:annotation>"
                b"<dc:creator>Alice Anders</dc:creator></office:annotation></text:p>"
                b"</office:document-content>",
            ),
        ],
        stored_first=True,
    )


def pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Author": "Alice Anders", "/Title": "Essay by Alice Anders"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _unzipped(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return b"".join(z.read(i) for i in z.infolist())


def _reviewer_download(c, filename: str, content: bytes) -> bytes:
    configure(c)  # double-blind by default
    r = c.post(
        "alice",
        "/submit",
        {"file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )
    assert r.status_code == 303, r.get_data(as_text=True)[:300]
    for who in student_subs()[1:]:
        c.post(who, "/submit", {"body": "text"})
    assert c.post("prof", "/phase").status_code == 303
    sub = c.query(
        select(FeedbackSubmission).where(
            FeedbackSubmission.person_id == c.person_id("Alice Anders")
        )
    )[0]
    reviewer = c.query(
        select(Person.sub)
        .join(FeedbackAllocation, FeedbackAllocation.reviewer_id == Person.id)
        .where(FeedbackAllocation.submission_id == sub.id, FeedbackAllocation.kind == "peer")
    )[0]
    r = c.get(reviewer, f"/files/{sub.id}")
    assert r.status_code == 200
    return r.get_data()


def test_docx_reaches_the_reviewer_without_its_author(course):
    body = _unzipped(_reviewer_download(course, "essay.docx", docx()))
    assert NAME not in body and b"AA" not in body.replace(b"AAAA", b"")
    assert b"My essay text" in body  # the work itself is kept


def test_odt_reaches_the_reviewer_without_its_author(course):
    data = _reviewer_download(course, "essay.odt", odt())
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        first = z.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
    body = _unzipped(data)
    assert NAME not in body and b"My essay text" in body


def test_pdf_reaches_the_reviewer_without_its_author(course):
    data = _reviewer_download(course, "essay.pdf", pdf())
    assert NAME not in data
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    assert not reader.metadata or "/Author" not in reader.metadata


def test_a_pdf_pypdf_cannot_parse_is_blanked_in_place():
    raw = b"%PDF-1.4\n1 0 obj << /Author (Alice Anders) /Creator <416c696365> >> endobj\n%%EOF"
    out = strip_pdf(raw)
    assert NAME not in out and b"416c696365" not in out and len(out) == len(raw)


def test_jpeg_loses_exif_and_comments_keeps_the_image():
    def segment(marker: int, payload: bytes) -> bytes:
        return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload

    jfif = segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    image = (
        b"\xff\xda" + struct.pack(">H", 8) + b"\x01\x01\x00\x00\x3f\x00" + b"\x12\x34" + b"\xff\xd9"
    )
    raw = (
        b"\xff\xd8"
        + jfif
        + segment(0xE1, b"Exif\x00\x00Artist=Alice Anders")
        + segment(0xED, b"Photoshop 3.0\x00Alice Anders")
        + segment(0xFE, b"by Alice Anders")
        + image
    )
    out = strip_jpeg(raw)
    assert NAME not in out and out.startswith(b"\xff\xd8" + jfif) and out.endswith(image)


def test_png_loses_text_chunks_keeps_the_image():
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + b"\x00\x00\x00\x00"

    ihdr = chunk(b"IHDR", b"\x00" * 13)
    idat = chunk(b"IDAT", b"pixels")
    raw = (
        b"\x89PNG\r\n\x1a\n"
        + ihdr
        + chunk(b"tEXt", b"Author\x00Alice Anders")
        + chunk(b"iTXt", b"Author\x00\x00\x00\x00\x00Alice Anders")
        + chunk(b"eXIf", b"Alice Anders")
        + idat
        + chunk(b"IEND", b"")
    )
    out = strip_png(raw)
    assert NAME not in out and ihdr in out and idat in out


@pytest.mark.parametrize(
    "filename, content",
    [
        ("essay.docx", b"PK\x03\x04 not really a zip"),
        ("essay.odt", "bomb"),  # unpacks to more than 100 MB
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x10\x00IHDR"),
        ("photo.jpg", b"\xff\xd8\xff\xe1\xff\xff"),
    ],
)
def test_unreadable_files_are_refused_not_stored_with_metadata(course, app, filename, content):
    if content == "bomb":
        content = _zip([("mimetype", b"x"), ("content.xml", b"\0" * (101 * 1024 * 1024))])
    configure(course)
    r = course.post(
        "alice",
        "/submit",
        {"file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )
    assert r.status_code == 415 and error_code(r) == "FILE_UNREADABLE"
    from lti_tool import storage

    with app.app_context():
        assert list(storage.current().keys()) == []
