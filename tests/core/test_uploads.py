import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from core.errors import InvalidInput
from core.uploads import check_upload, safe_name
from tests.grants.fixtures import PDF


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def _zip(*names: str, mimetype: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if mimetype:
            archive.writestr("mimetype", mimetype)
        for name in names:
            archive.writestr(name, "x")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("Délibération du conseil.PDF", PDF, "application/pdf"),
        ("plan.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20, "image/png"),
        ("photo.jpeg", b"\xff\xd8\xff\xe0" + b"0" * 20, "image/jpeg"),
        (
            "budget.xlsx",
            _zip("[Content_Types].xml", "xl/workbook.xml"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            "note.docx",
            _zip("[Content_Types].xml", "word/document.xml"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "note.odt",
            _zip("content.xml", mimetype="application/vnd.oasis.opendocument.text"),
            "application/vnd.oasis.opendocument.text",
        ),
    ],
)
def test_documents_are_recognised_by_their_content(name, content, kind):
    checked = check_upload(_upload(name, content))
    assert checked.content_type == kind
    assert checked.size == len(content)
    assert len(checked.sha256) == 64


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("resolution.pdf", b"MZ\x90\x00" + b"\x00" * 60, "is a program"),
        ("resolution.pdf", b"\x7fELF" + b"\x00" * 60, "is a program"),
        ("resolution.pdf", b"<html>not a pdf</html>", "does not match its name"),
        ("budget.xlsx", _zip("word/document.xml", "[Content_Types].xml"), "does not match its name"),
        ("tool.exe", PDF, "not accepted"),
        ("notes.txt", b"hello", "not accepted"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_what_is_not_a_document_we_accept_is_refused_with_a_reason(name, content, message):
    with translation.override("en"), pytest.raises(InvalidInput, match=message):
        check_upload(_upload(name, content))


def test_a_file_over_the_limit_is_refused_in_dutch(settings):
    settings.BPL_MAX_UPLOAD_BYTES = 100
    with translation.override("nl"):
        with pytest.raises(InvalidInput) as error:
            check_upload(_upload("big.pdf", PDF + b"0" * 200))
        assert "100" in str(error.value.message)


@pytest.mark.parametrize(
    ("original", "safe"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\x\\Délibération n°12.PDF", "Deliberation-n12.pdf"),
        ("<script>.pdf", "script.pdf"),
        ("....pdf", "pdf"),
        ("a" * 300 + ".pdf", "a" * 96 + ".pdf"),
    ],
)
def test_file_names_are_made_safe(original, safe):
    assert safe_name(original) == safe
