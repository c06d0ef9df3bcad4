"""Coaching metrics: what a manager did on each direct report's calls in a period.

Derived from the call skeleton's activity, so they agree with the stats endpoints and the
calls themselves: a manager *listened to*, *gave feedback on*, *commented on* or *scored*
a report's call when the skeleton has that event by the manager in the period, and
*attended* it when they were an internal participant of a call started in the period.
``metrics`` maps each metric to the ids of those calls (spec ``CoachingRepData.metrics``:
string arrays with unique items). The metric names are the sandbox's (guess): Gong's are
not documented and no successful response was ever recorded.
"""

from __future__ import annotations

from typing import Any

from dlt_gong.sandbox.roster import Person, Roster
from dlt_gong.sandbox.skeleton import (
    COMMENT,
    FEEDBACK_GIVEN,
    LISTEN,
    SCORECARD_MANUAL,
    CallSkeleton,
)

ATTENDED = "callsAttended"
EVENT_METRICS = {
    LISTEN: "callsListenedTo",
    FEEDBACK_GIVEN: "callsGivenFeedback",
    COMMENT: "callsCommentedOn",
    SCORECARD_MANUAL: "callsScored",
}
METRICS = (ATTENDED, *EVENT_METRICS.values())


def coaching_user(person: Person) -> dict[str, Any]:
    """A ``CoachingUser``."""
    return {
        "id": person.id,
        "emailAddress": person.email,
        "firstName": person.first_name,
        "lastName": person.last_name,
        "title": person.title,
    }


def direct_reports(roster: Roster, manager: int, workspace: int) -> list[int]:
    """The manager's active direct reports whose home is ``workspace``."""
    return [i for i in roster.teams.get(manager, ()) if roster.people[i].workspace == workspace]


def coaching_metrics(
    skeleton: CallSkeleton,
    roster: Roster,
    call_id: Any,
    manager: int,
    workspace: int,
    start: float,
    end: float,
    moment: float,
) -> list[dict[str, Any]]:
    """``coachingData`` for one (workspace, manager) and period ``[start, end)`` at ``moment``."""
    reports = direct_reports(roster, manager, workspace)
    found: dict[int, dict[str, set[int]]] = {r: {m: set() for m in METRICS} for r in reports}
    if reports:
        last = min(end, moment + 0.001)
        for i in skeleton.window(start, end):
            host = skeleton.host[i]
            if (
                host in found
                and skeleton.visible[i] <= moment
                and manager in skeleton.participants(i)
            ):
                found[host][ATTENDED].add(i)
        for e in skeleton.events_between(start, last) if last > start else ():
            metric = EVENT_METRICS.get(skeleton.ev_kind[e])
            if metric is None or skeleton.ev_user[e] != manager:
                continue
            call = skeleton.event_call(e)
            host = skeleton.host[call]
            if host in found and skeleton.visible[call] <= moment:
                found[host][metric].add(call)
    people = roster.people
    return [
        {
            "manager": coaching_user(people[manager]),
            "directReportsMetrics": [
                {
                    "report": coaching_user(people[r]),
                    "metrics": {m: [call_id(c) for c in sorted(found[r][m])] for m in METRICS},
                }
                for r in reports
            ],
        }
    ]
