"""User activity per company-time-zone day, counted from the calls and what followed them.

Gong's stats endpoints summarise the same facts the call endpoints show: a user's
``callsAsHost`` on a day are the calls they hosted that day (once processed),
``callsCommentsGiven`` the calls they commented on that day, and so on. Counting them here
from the skeleton makes the stats consistent with the calls by construction: day-by-day
lists the call ids, aggregate-by-period sums the day lists' lengths, aggregate sums the
periods.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from dlt_gong.sandbox import skeleton as sk_mod
from dlt_gong.sandbox.roster import Roster
from dlt_gong.sandbox.skeleton import CallSkeleton
from dlt_gong.sandbox.timeutil import local_midnight

# AggregateActivity's property order in the spec
AGGREGATE_METRICS = (
    "callsAsHost",
    "callsGaveFeedback",
    "callsRequestedFeedback",
    "callsReceivedFeedback",
    "ownCallsListenedTo",
    "othersCallsListenedTo",
    "callsSharedInternally",
    "callsSharedExternally",
    "callsScorecardsFilled",
    "callsScorecardsReceived",
    "callsAttended",
    "callsCommentsGiven",
    "callsCommentsReceived",
    "callsMarkedAsFeedbackGiven",
    "callsMarkedAsFeedbackReceived",
)
# DailyActivityWithDates's property order in the spec
DAILY_METRICS = (
    "callsAsHost",
    "callsGaveFeedback",
    "callsRequestedFeedback",
    "callsReceivedFeedback",
    "ownCallsListenedTo",
    "othersCallsListenedTo",
    "callsSharedInternally",
    "callsSharedExternally",
    "callsAttended",
    "callsCommentsGiven",
    "callsCommentsReceived",
    "callsMarkedAsFeedbackGiven",
    "callsMarkedAsFeedbackReceived",
    "callsScorecardsFilled",
    "callsScorecardsReceived",
)
PERIODS = ("DAY", "WEEK", "MONTH", "QUARTER", "YEAR")

# Interaction stats and how a user's calls combine into the user's figure
INTERACTION_COMBINE = {
    "Talk Ratio": "mean",
    "Longest Monologue": "max",
    "Longest Customer Story": "max",
    "Interactivity": "mean",
    "Patience": "mean",
    "Question Rate": "mean",
}

DayMetrics = dict[str, dict[int, None]]  # metric -> ordered set of call indices


@dataclass
class DailyActivity:
    """Per user, per day of the window, per metric: the calls (ordered, unique)."""

    days: list[date]
    bounds: list[float]  # len(days) + 1 local midnights, epoch seconds
    users: dict[int, list[DayMetrics]]

    def counts(self, user: int, first_day: int, end_day: int) -> dict[str, int]:
        """The 15 counts of ``user`` summed over days ``[first_day, end_day)``."""
        out = dict.fromkeys(AGGREGATE_METRICS, 0)
        for day in self.users.get(user, [])[first_day:end_day]:
            for metric, calls in day.items():
                out[metric] += len(calls)
        return out


def day_bounds(from_date: date, to_date: date, tz: ZoneInfo) -> tuple[list[date], list[float]]:
    """The days of ``[from_date, to_date)`` and their local midnights (DST-correct)."""
    days = [from_date + timedelta(days=n) for n in range((to_date - from_date).days)]
    bounds = [local_midnight(d, tz).timestamp() for d in (*days, to_date)]
    return days, bounds


def period_starts(days: list[date], period: str) -> list[int]:
    """Indices into ``days`` where a new ``period`` begins (the first day always does)."""
    begins = {
        "DAY": lambda d: True,
        "WEEK": lambda d: d.weekday() == 0,
        "MONTH": lambda d: d.day == 1,
        "QUARTER": lambda d: d.day == 1 and d.month in (1, 4, 7, 10),
        "YEAR": lambda d: d.day == 1 and d.month == 1,
    }[period]
    return [n for n, d in enumerate(days) if n == 0 or begins(d)]


class ActivityLedger:
    """Counts activity from a call skeleton; see the module docstring for the rules."""

    def __init__(self, skeleton: CallSkeleton, roster: Roster, tz: ZoneInfo) -> None:
        self.sk = skeleton
        self.roster = roster
        self.tz = tz

    def daily(self, from_date: date, to_date: date, as_of: float) -> DailyActivity:
        """Activity in ``[from_date, to_date)`` known at ``as_of``."""
        sk = self.sk
        days, bounds = day_bounds(from_date, to_date, self.tz)
        users: dict[int, list[DayMetrics]] = {}
        if not days:
            return DailyActivity(days, bounds, users)

        def add(user: int, day: int, metric: str, call: int) -> None:
            per_day = users.get(user)
            if per_day is None:
                per_day = users[user] = [{} for _ in days]
            per_day[day].setdefault(metric, {})[call] = None

        start, end = bounds[0], bounds[-1]
        for c in sk.window(start, end):
            if sk.visible[c] > as_of:
                continue
            day = bisect.bisect_right(bounds, sk.start[c]) - 1
            add(sk.host[c], day, "callsAsHost", c)
            for user in sk.participants(c):
                add(user, day, "callsAttended", c)
        for e in sk.events_between(start, min(end, as_of + 1)):
            when = sk.ev_time[e]
            if when > as_of:
                continue
            c = sk.event_call(e)
            if sk.visible[c] > as_of:
                continue
            day = bisect.bisect_right(bounds, when) - 1
            kind, user, host = sk.ev_kind[e], sk.ev_user[e], sk.host[c]
            if kind == sk_mod.COMMENT:
                add(user, day, "callsCommentsGiven", c)
                if user != host:
                    add(host, day, "callsCommentsReceived", c)
            elif kind == sk_mod.SCORECARD_MANUAL:
                add(user, day, "callsScorecardsFilled", c)
                add(host, day, "callsScorecardsReceived", c)
            elif kind == sk_mod.SCORECARD_AUTOMATIC:
                add(host, day, "callsScorecardsReceived", c)
            elif kind == sk_mod.LISTEN:
                add(user, day, "ownCallsListenedTo" if user == host else "othersCallsListenedTo", c)
            elif kind == sk_mod.SHARE_INTERNAL:
                add(user, day, "callsSharedInternally", c)
            elif kind == sk_mod.SHARE_EXTERNAL:
                add(user, day, "callsSharedExternally", c)
            elif kind == sk_mod.FEEDBACK_REQUESTED:
                add(user, day, "callsRequestedFeedback", c)
            elif kind == sk_mod.FEEDBACK_GIVEN:
                add(user, day, "callsGaveFeedback", c)
                add(host, day, "callsReceivedFeedback", c)
            elif kind == sk_mod.MARKED_REVIEWED:
                add(user, day, "callsMarkedAsFeedbackGiven", c)
                add(host, day, "callsMarkedAsFeedbackReceived", c)
        return DailyActivity(days, bounds, users)

    def hosted_calls(
        self, start: float, end: float, as_of: float, processed_within: float | None = None
    ) -> dict[int, list[int]]:
        """Per host, the processed calls they hosted that started in ``[start, end)``, or
        that Gong finished processing in it (``processed_within``: the longest time from a
        call's start to its processing, in seconds)."""
        sk = self.sk
        out: dict[int, list[int]] = {}
        found: Iterable[int]
        if processed_within is not None:
            found = (c for c in sk.window(start - processed_within, end)
                     if start <= sk.visible[c] < end)  # fmt: skip
        else:
            found = sk.window(start, end)
        for c in found:
            if sk.visible[c] <= as_of:
                out.setdefault(sk.host[c], []).append(c)
        return out


def combine_interaction(values: Iterable[tuple[tuple[str, float], ...]]) -> list[tuple[str, float]]:
    """One user's interaction stats from their calls' (mean or max, per stat)."""
    collected: dict[str, list[float]] = {}
    for per_call in values:
        for name, value in per_call:
            collected.setdefault(name, []).append(value)
    out = []
    for name, how in INTERACTION_COMBINE.items():
        found = collected.get(name)
        if not found:
            continue
        if how == "max":
            out.append((name, max(found)))
        else:
            out.append((name, round(sum(found) / len(found), 2)))
    return out
