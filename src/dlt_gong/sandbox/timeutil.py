"""Parsing and formatting Gong's date and time values.

Gong sends ISO-8601 date-times with the company's UTC offset ("2023-10-17T21:21:39.277+02:00")
and takes date-times with an offset or Z, and plain ``YYYY-MM-DD`` dates for the stats
endpoints. The parsers here are strict on purpose (and work on Python 3.10, whose
``fromisoformat`` rejects "Z"), so a client sending a naive or malformed value hears about
it from the sandbox instead of from Gong.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

_DATE_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?"
    r"(Z|z|[+-]\d{2}:?\d{2})"
)
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def parse_date_time(value: str) -> datetime:
    """An aware datetime from an ISO-8601 string with an offset or Z; ValueError otherwise."""
    match = _DATE_TIME.fullmatch(value.strip()) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"not an ISO-8601 date-time with an offset: {value!r}")
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    micros = int((fraction or "0")[:6].ljust(6, "0"))
    if offset in ("Z", "z"):
        tz = timezone.utc
    else:
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        if delta >= timedelta(hours=24):
            raise ValueError(f"bad offset in {value!r}")
        tz = timezone(sign * delta)
    return datetime(
        int(year), int(month), int(day), int(hour), int(minute), int(second or 0), micros, tz
    )


def parse_date(value: str) -> date:
    """A date from ``YYYY-MM-DD``; ValueError otherwise."""
    match = _DATE.fullmatch(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"not a YYYY-MM-DD date: {value!r}")
    return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))


def iso(ts: float, tz: ZoneInfo, timespec: str = "seconds") -> str:
    """Epoch seconds as ISO-8601 in ``tz`` with its offset (DST-correct)."""
    return datetime.fromtimestamp(ts, tz).isoformat(timespec=timespec)


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The start of ``day`` in ``tz`` as an aware datetime."""
    return datetime(day.year, day.month, day.day, tzinfo=tz)


def local_date(ts: float, tz: ZoneInfo) -> date:
    """The calendar date in ``tz`` of an epoch timestamp."""
    return datetime.fromtimestamp(ts, tz).date()


def as_aware(value: datetime | str | None) -> datetime | None:
    """Accept a datetime or an ISO string (ground-truth callers pass either)."""
    if value is None:
        return None
    if isinstance(value, str):
        return parse_date_time(value)
    if value.tzinfo is None:
        raise ValueError("naive datetimes are ambiguous; pass an aware one")
    return value


def as_date(value: date | str | None) -> date | None:
    """Accept a date or ``YYYY-MM-DD`` (ground-truth callers pass either)."""
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, datetime):
        raise ValueError("pass a date, not a datetime")
    return parse_date(value)
