"""The tables dlt-gong loads, as data: the Gong endpoint behind each, its keys, its default.

The docs' table reference, the CLI's `check` and `--plan`, and the source itself all read
this one list, so they cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dlt_gong import endpoints as ep
from dlt_gong.endpoints import Endpoint

Kind = Literal["full_refresh", "per_parent", "calls", "transcripts", "stats", "scorecards"]


@dataclass(frozen=True)
class Table:
    """One loaded table (= one dlt resource of the same name)."""

    name: str
    endpoint: Endpoint
    primary_key: tuple[str, ...]
    kind: Kind
    default: bool
    incremental: str | None
    """The field the incremental window moves on; None for full-refresh tables."""
    requests: str
    """How many requests a load spends on it, as the README's formula states it."""
    parent: str | None = None
    """For `per_parent` tables and transcripts: the table whose rows drive the requests."""
    why_off: str | None = None


TABLES: tuple[Table, ...] = (
    Table("users", ep.USERS, ("id",), "full_refresh", True, None, "ceil(U/100)"),
    Table("workspaces", ep.WORKSPACES, ("id",), "full_refresh", True, None, "1"),
    Table("calls", ep.CALLS_EXTENSIVE, ("id",), "calls", True, "started", "ceil(C/100)"),
    Table(
        "call_transcripts",
        ep.CALL_TRANSCRIPTS,
        ("callId",),
        "transcripts",
        True,
        "started",
        "<= ceil(C/100): one per page of calls with a non-private call",
        parent="calls",
    ),
    Table(
        "aggregated_activity",
        ep.ACTIVITY_AGGREGATE_BY_PERIOD,
        ("userId", "fromDate"),
        "stats",
        True,
        "fromDate",
        "ceil(A/100) for the whole window",
    ),
    Table(
        "day_by_day_activity",
        ep.ACTIVITY_DAY_BY_DAY,
        ("userId", "fromDate"),
        "stats",
        True,
        "fromDate",
        "ceil(A/100) for the whole window",
    ),
    Table(
        "interaction_stats",
        ep.INTERACTION_STATS,
        ("userId", "fromDate"),
        "stats",
        True,
        "fromDate",
        "D x ceil(A_day/100): Gong has no period parameter here",
    ),
    Table(
        "answered_scorecards",
        ep.ANSWERED_SCORECARDS,
        ("answeredScorecardId",),
        "scorecards",
        True,
        "reviewTime",
        "ceil(S/100)",
    ),
    Table("scorecards", ep.SCORECARDS, ("scorecardId",), "full_refresh", True, None, "1"),
    Table("trackers", ep.TRACKERS, ("trackerId",), "full_refresh", True, None, "1"),
    Table("library_folders", ep.LIBRARY_FOLDERS, ("id",), "full_refresh", True, None, "1"),
    Table(
        "library_folder_calls",
        ep.LIBRARY_FOLDER_CONTENT,
        ("folderId", "id"),
        "per_parent",
        False,
        None,
        "F (one per folder)",
        parent="library_folders",
        why_off="one request per library folder",
    ),
    Table(
        "user_settings_history",
        ep.USER_SETTINGS_HISTORY,
        ("userId", "setting", "time"),
        "per_parent",
        False,
        None,
        "U (one per user)",
        parent="users",
        why_off="one request per user",
    ),
    Table("call_outcomes", ep.CALL_OUTCOMES, ("callOutcome",), "full_refresh", True, None, "1"),
)

BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}
DEFAULT_TABLES: tuple[str, ...] = tuple(t.name for t in TABLES if t.default)
