"""Private files leave only through a permission-checked view, as an attachment that is never cached."""

from django.http import FileResponse


def private_attachment(file, name: str, content_type: str) -> FileResponse:
    response = FileResponse(file.open("rb"), as_attachment=True, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
