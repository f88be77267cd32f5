"""Checking an uploaded file before it is stored: its content (not only its name), its size, and a safe name."""

import hashlib
import re
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from core.errors import InvalidInput

OOXML = "application/vnd.openxmlformats-officedocument"
ALLOWED = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".docx": f"{OOXML}.wordprocessingml.document",
    ".xlsx": f"{OOXML}.spreadsheetml.sheet",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
}
PROGRAM_SIGNATURES = (b"MZ", b"\x7fELF", b"#!", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa")


@dataclass(frozen=True)
class CheckedFile:
    safe_name: str
    storage_name: str
    content_type: str
    size: int
    sha256: str


def max_upload_bytes() -> int:
    return int(getattr(settings, "BPL_MAX_UPLOAD_BYTES", 20 * 1024 * 1024))


def safe_name(original: str) -> str:
    """A file name anyone can keep: no path, ASCII letters, digits, dot, dash and underscore, at most 100 chars."""
    name = PurePath(original.replace("\\", "/")).name
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip(".-_") or "document"
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    stem = stem.strip(".-_")[: 100 - len(suffix) - 1] or "document"
    return f"{stem}.{suffix.lower()}" if suffix else stem


def _zip_kind(upload: UploadedFile) -> str | None:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" in names:
                if any(n.startswith("word/") for n in names):
                    return ALLOWED[".docx"]
                if any(n.startswith("xl/") for n in names):
                    return ALLOWED[".xlsx"]
            if "mimetype" in names:
                mimetype = archive.read("mimetype")[:100].decode("ascii", "ignore").strip()
                if mimetype in (ALLOWED[".odt"], ALLOWED[".ods"]):
                    return mimetype
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    return None


def sniff(upload: UploadedFile) -> str | None:
    """The content type the bytes really are, among those we accept; None for anything else."""
    upload.seek(0)
    head = upload.read(16)
    if head.startswith(b"%PDF-"):
        return ALLOWED[".pdf"]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return ALLOWED[".png"]
    if head.startswith(b"\xff\xd8\xff"):
        return ALLOWED[".jpg"]
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(upload)
    return None


def check_upload(upload: UploadedFile) -> CheckedFile:
    """Refuse what is too big, not a document we accept, or not what its name says; else describe it."""
    original = upload.name or "document"
    suffix = PurePath(original).suffix.lower()
    limit = max_upload_bytes()
    if upload.size is None or upload.size > limit:
        raise InvalidInput(
            _("This file is too large (%(size)s): the limit is %(limit)s.")
            % {"size": filesizeformat(upload.size or 0), "limit": filesizeformat(limit)},
            extra={"fields": {"file": ["size"]}},
        )
    if upload.size == 0:
        raise InvalidInput(_("This file is empty."), extra={"fields": {"file": ["empty"]}})
    upload.seek(0)
    if upload.read(4).startswith(PROGRAM_SIGNATURES):
        raise InvalidInput(
            _("This file is a program, not a document: it is refused."), extra={"fields": {"file": ["program"]}}
        )
    if suffix not in ALLOWED:
        raise InvalidInput(
            _(
                "Files of this kind are not accepted. Send a PDF, an image (PNG, JPEG) "
                "or an office document (DOCX, XLSX, ODT, ODS)."
            ),
            extra={"fields": {"file": ["type"]}},
        )
    actual = sniff(upload)
    if actual != ALLOWED[suffix]:
        raise InvalidInput(
            _("The content of this file does not match its name (%(name)s): it is refused.")
            % {"name": safe_name(original)},
            extra={"fields": {"file": ["content"]}},
        )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    name = safe_name(original)
    return CheckedFile(
        safe_name=name,
        storage_name=f"{uuid.uuid4().hex}-{name}",
        content_type=actual,
        size=upload.size,
        sha256=digest.hexdigest(),
    )


def store_checked(document, upload: UploadedFile, *, actor) -> CheckedFile:
    """Check `upload` and put it in the `file` of `document` (a core.models.files.StoredFile) with its description,
    unsaved. The file is written before the row: a failed write stores no row; a rolled-back row leaves an orphan
    file under a random name, which nobody can reach."""
    checked = check_upload(upload)
    document.original_name = checked.safe_name
    document.content_type = checked.content_type
    document.size = checked.size
    document.sha256 = checked.sha256
    document.uploaded_by = actor
    document.file.save(checked.storage_name, upload, save=False)
    return checked
