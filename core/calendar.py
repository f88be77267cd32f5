"""Deadlines in days, as the Brussels ordinance of 16 July 1998 counts them.

A delay runs from the day after the event; the last day is included; a last day that falls on a Saturday, a Sunday
or a public holiday moves to the next working day. Public holidays: Belgium's legal ones (python-holidays) plus the
days the administration closes (settings.BPL_EXTRA_HOLIDAYS, "MM-DD": 2 and 15 November, 26 December, and 8 May,
Iris day [to confirm]).
"""

import datetime as dt
from functools import lru_cache

import holidays
from django.conf import settings


@lru_cache(maxsize=32)
def _holidays(year: int) -> frozenset[dt.date]:
    days = set(holidays.country_holidays("BE", years=year).keys())
    for month_day in getattr(settings, "BPL_EXTRA_HOLIDAYS", []):
        month, day = (int(part) for part in month_day.split("-"))
        days.add(dt.date(year, month, day))
    return frozenset(days)


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def next_working_day(day: dt.date) -> dt.date:
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def due_date(start: dt.date, days: int) -> dt.date:
    """The last day of a delay of `days` days starting the day after `start`."""
    if days < 1:
        raise ValueError("a delay is at least one day")
    return next_working_day(start + dt.timedelta(days=days))
