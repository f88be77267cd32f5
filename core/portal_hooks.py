"""What other apps show on the portal's home page, without core importing them (dependencies point down only).

grants registers its open calls here at start-up (grants/apps.py); until something registers, the list is empty.
"""

from collections.abc import Callable
from typing import Any

OpenCallsProvider = Callable[[], list[dict[str, Any]]]

_open_calls: OpenCallsProvider | None = None


def register_open_calls(provider: OpenCallsProvider) -> None:
    """`provider()` returns the open calls as dicts: title, programme, closes_at, url."""
    global _open_calls
    _open_calls = provider


def open_calls() -> list[dict[str, Any]]:
    return list(_open_calls()) if _open_calls is not None else []
