"""How many requests a load spends, before spending them: the README's formula in code.

Gong allows 10,000 requests a day and 3 a second, so a backfill is planned in requests.
Each table's cost follows from a few counts: users U, calls C in the window, users with
activity A (per window, or per day for interaction stats), answered scorecards S, library
folders F, days D. The same function gives the test suite its expected request counts,
so the formula the README prints is the one the tests hold the source to.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

DAILY_QUOTA = 10_000


def pages(n: int) -> int:
    """Requests to read n items 100 at a time; an empty result still costs its 404."""
    return max(1, math.ceil(n / 100))


@dataclass(frozen=True)
class Counts:
    """What the formula needs to know about the company and the window."""

    users: int
    calls: int
    """Calls Gong returns for the window, private ones included."""
    call_pages_with_public_calls: int | None = None
    """Pages of calls holding at least one non-private call (default: every page)."""
    active_users: int = 0
    """Users with activity in the whole window (aggregate-by-period, day-by-day)."""
    active_users_per_day: Sequence[int] = field(default_factory=tuple)
    """Users with activity on each day of the window (interaction stats)."""
    answered_scorecards: int = 0
    library_folders: int = 0


def requests_per_table(counts: Counts, tables: Iterable[str]) -> dict[str, int]:
    """The requests each table costs, under the source's design."""
    calls_pages = math.ceil(counts.calls / 100)
    transcript_requests = (
        calls_pages
        if counts.call_pages_with_public_calls is None
        else counts.call_pages_with_public_calls
    )
    days = list(counts.active_users_per_day)
    formula = {
        "users": pages(counts.users),
        "workspaces": 1,
        "calls": pages(counts.calls),
        "call_transcripts": transcript_requests,
        "aggregated_activity": pages(counts.active_users) if days else 0,
        "day_by_day_activity": pages(counts.active_users) if days else 0,
        "interaction_stats": sum(pages(n) for n in days),
        "answered_scorecards": pages(counts.answered_scorecards),
        "scorecards": 1,
        "trackers": 1,
        "library_folders": 1,
        "library_folder_calls": counts.library_folders,
        "user_settings_history": counts.users,
        "call_outcomes": 1,
    }
    wanted = list(tables)
    selected = {name: formula[name] for name in wanted}
    for child, parent in (
        ("library_folder_calls", "library_folders"),
        ("user_settings_history", "users"),
    ):
        if child in selected and parent not in selected:
            selected[parent] = formula[parent]  # the parent is read to drive the child
    if "call_transcripts" in selected and "calls" not in selected:
        selected["calls"] = formula["calls"]
    return selected


def seconds_at(requests: int, per_second: int = 3) -> float:
    """The floor time of a load: Gong lets no client go faster."""
    return requests / per_second
