"""What other apps show on the portal's home page, without core importing them (dependencies point down only).

grants registers its open calls and loans its open loan products here at start-up (grants/apps.py, loans/apps.py);
the home page lists what every provider returns, in the order they registered. Until something registers, the list
is empty.
"""

from collections.abc import Callable
from typing import Any

OpenCallsProvider = Callable[[], list[dict[str, Any]]]

_providers: list[OpenCallsProvider] = []


def register_open_calls(provider: OpenCallsProvider) -> None:
    """`provider()` returns what is open as dicts: title, closes_at, url, and programme and max_amount (a call) or
    label and envelope (a loan product)."""
    if provider not in _providers:  # ready() may run more than once (test runners): list a provider once
        _providers.append(provider)


def open_calls() -> list[dict[str, Any]]:
    return [summary for provider in _providers for summary in provider()]
