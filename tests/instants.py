"""The fixed instants tests run at, so that no assertion depends on the wall clock.

A sandbox company is built around its ``now`` (its calls fall in the days before it, its
stats end on its today), and the source cuts its windows at its own ``now``. A test that
let either follow the real clock would load a different company, with different calls in
progress, on every run: pin both to one of these (``SandboxConfig(now=..., freeze_clock=True)``
and the source's ``now`` option).

The exactness scenarios run at each of ``EXACTNESS_INSTANTS``: the instants at which a
connector that cut windows carelessly would lose or double something.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

COMPANY_TZ = ZoneInfo("America/Los_Angeles")  # the sandbox's default time zone

WEEKDAY_MORNING = datetime(2026, 6, 15, 10, 30, tzinfo=COMPANY_TZ).astimezone(timezone.utc)
"""Monday 10:30 in the company's time zone (17:30 UTC): calls are going on right now,
so some calls that started before this instant are not yet visible."""

SUNDAY_NIGHT = datetime(2026, 6, 14, 22, 45, tzinfo=COMPANY_TZ).astimezone(timezone.utc)
"""Sunday 22:45 in the company's time zone, already Monday 05:45 in UTC: the company's
today and the UTC today differ, and the weekend before had few calls."""

MONTH_END = datetime(2026, 6, 30, 23, 50, tzinfo=timezone.utc)
"""Ten minutes before midnight UTC on a month's last day (16:50 on a Tuesday in the
company): UTC's tomorrow is another month, the company's day is not over."""

NOW = WEEKDAY_MORNING
"""The instant a test uses when the instant itself proves nothing."""

EXACTNESS_INSTANTS = (WEEKDAY_MORNING, SUNDAY_NIGHT, MONTH_END)
INSTANT_IDS = ("weekday-10:30-local", "sunday-night-local", "month-end-23:50-utc")


def utc_day(now: datetime) -> date:
    """``now``'s date in UTC (the source's "today" is the UTC date of its ``now``)."""
    return now.astimezone(timezone.utc).date()


def days_before(now: datetime, days: int) -> date:
    """The UTC date ``days`` days before ``now``'s UTC date: a load's ``start_date``."""
    return utc_day(now) - timedelta(days=days)
