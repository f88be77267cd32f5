"""One family of errors that services raise; pages and the API turn them into a message in the user's language.

Every error carries a message (already translated lazily) and `extra` (field errors or context). The API maps
the class to a status code; the portal shows the message.
"""

from typing import Any


class ApplicationError(Exception):
    status_code = 400

    def __init__(self, message: Any, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}

    def __str__(self) -> str:
        return str(self.message)


class InvalidInput(ApplicationError):
    """Bad input from the user; `extra` maps field names to lists of messages."""

    status_code = 400


class NotPermitted(ApplicationError):
    """The actor may not do this (their role, their organisation, or a conflict of interest)."""

    status_code = 403


class NotFound(ApplicationError):
    status_code = 404


class TransitionNotAllowed(ApplicationError):
    """The action is not allowed in the object's current state."""

    status_code = 409
