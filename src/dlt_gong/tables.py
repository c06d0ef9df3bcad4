"""The tables dlt-gong loads, as data: one row per table holds every fact that differs
between tables.

The source (`source.py` builds each row's resource with the builder of its `kind`),
`dlt-gong check` (each row's `probe`), `--plan` and the README (each row's `requests`
formula), the ERD (each row's `joins`) and the tests all read these rows and nothing else
keyed by a table's name, so they cannot drift apart, and adding a table is adding a row
(see CONTRIBUTING.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

from dlt_gong import endpoints as ep
from dlt_gong import transcript_text
from dlt_gong.counts import Counts, pages
from dlt_gong.endpoints import Endpoint

Kind = Literal[
    "full_refresh",
    "per_parent",
    "calls",
    "transcripts",
    "from_transcripts",
    "stats",
    "stats_per_period",
    "scorecards",
]
"""How the source reads a table: one generic builder per kind (`source.BUILDERS`)."""

Option = Literal["workspace_id", "user_ids", "aggregation_period", "interaction_stats_period"]
"""The load options that narrow or shape what a table asks Gong for."""


@dataclass(frozen=True)
class Parent:
    """The table whose rows drive a child table's requests."""

    table: str
    column: str | None = None
    """The child's column stamped with the parent row's `id`."""
    param: str | None = None
    """Where the parent's `id` goes in the request: a ``{placeholder}`` of the endpoint's
    path if it has one by that name, else a query parameter."""


@dataclass(frozen=True)
class Join:
    """A join between Gong's entities, drawn in the ERD: many rows of this table to one of
    `table`, on `on` (snake_case columns, as loaded)."""

    table: str
    on: str


@dataclass(frozen=True)
class ProbeContext:
    """What `dlt-gong check` knows when it probes: the time, and a user id to ask about."""

    now: datetime
    today: date
    first_user: str | None

    @property
    def yesterday(self) -> date:
        return self.today - timedelta(days=1)

    @property
    def day_before(self) -> date:
        return self.today - timedelta(days=2)


@dataclass(frozen=True)
class Probe:
    """One request: the cheapest that proves a key may read a table."""

    endpoint: Endpoint
    params: Mapping[str, Any] | None = None
    body: Mapping[str, Any] | None = None
    path_params: Mapping[str, str] | None = None


@dataclass(frozen=True, kw_only=True, eq=False)
class Table:
    """One loaded table (= one dlt resource of the same name)."""

    name: str
    endpoint: Endpoint
    primary_key: tuple[str, ...]
    """Gong's field names: the key of `merge` (and of a full-refresh table's rows)."""
    kind: Kind
    requests: Callable[[Counts], int]
    """The requests a load spends on this table, from the plan's counts."""
    formula: str
    """`requests` as the README and `--plan` print it (U users, C calls, ...)."""
    incremental: str = "full refresh"
    """What a run moves on, as the README's table reference says it."""
    default: bool = True
    why_off: str | None = None
    """Why a table is off by default (its cost), printed in the README."""
    parent: Parent | None = None
    filters: Mapping[Option, str] = field(default_factory=dict)
    """The options that apply, each with the Gong field it is sent as."""
    periods_key: str | None = None
    """Stats: the key of each user's list of periods (one row per user and period)."""
    period: Option | None = None
    """Stats: the option that sets the period of a row (None: a day). Windows start on
    its boundaries (`windows.period_start`)."""
    probe: Callable[[ProbeContext], Probe] | None = None
    """`dlt-gong check`'s request for this table; None: the endpoint with no arguments."""
    joins: tuple[Join, ...] = ()
    call_key: str | None = None
    """The field naming the call a row belongs to: its rows go when the call is deleted
    in Gong, or made private (see `reconcile.py`)."""
    private_calls: Literal["removed", "kept", "include_private_calls"] = "removed"
    """This table's rows of a call made private: removed (Gong withholds them), kept (Gong
    still serves them), or removed unless the `include_private_calls` option is set."""
    merge_key: str | None = None
    """A column whose rows a load replaces whole: every row of a re-read call goes, so
    rows the call no longer has (a higher chunk index) do not linger."""
    derive: Callable[[Mapping[str, Any] | None, Mapping[str, Any], int], list[Any]] | None = None
    """`from_transcripts`: the rows of one call, from its `calls` row, its
    `call_transcripts` row and the chunk bound in tokens."""

    def __post_init__(self) -> None:
        if not self.default and not self.why_off:
            raise ValueError(f"table {self.name}: a table off by default says why (why_off)")

    @property
    def scope(self) -> str:
        """The OAuth scope a key needs to load this table (its endpoint's)."""
        return self.endpoint.scope

    def probe_request(self, ctx: ProbeContext) -> Probe:
        return self.probe(ctx) if self.probe is not None else Probe(self.endpoint)


# -- probes: the cheapest request per endpoint that needs arguments -------------------------


def _last_minute(endpoint: Endpoint) -> Callable[[ProbeContext], Probe]:
    def probe(ctx: ProbeContext) -> Probe:
        minute = {
            "fromDateTime": (ctx.now - timedelta(minutes=1)).isoformat(),
            "toDateTime": ctx.now.isoformat(),
        }
        return Probe(endpoint, body={"filter": minute})

    return probe


def _yesterday(endpoint: Endpoint, **extra: Any) -> Callable[[ProbeContext], Probe]:
    def probe(ctx: ProbeContext) -> Probe:
        window = {"fromDate": ctx.day_before.isoformat(), "toDate": ctx.yesterday.isoformat()}
        return Probe(endpoint, body={"filter": window, **extra})

    return probe


def _reviews_since_yesterday(ctx: ProbeContext) -> Probe:
    body = {"filter": {"reviewFromDate": str(ctx.day_before), "reviewMethod": "BOTH"}}
    return Probe(ep.ANSWERED_SCORECARDS, body=body)


def _first_user(endpoint: Endpoint) -> Callable[[ProbeContext], Probe]:
    def probe(ctx: ProbeContext) -> Probe:
        return Probe(endpoint, path_params={"id": ctx.first_user or "0"})

    return probe


def _folders(ctx: ProbeContext) -> Probe:
    """Folder content needs a folder id; the same scope reads the folders."""
    return Probe(ep.LIBRARY_FOLDERS)


# -- the catalogue --------------------------------------------------------------------------

_BY_USER = Join("users", "id = user_id")
_FROM_TRANSCRIPTS = "0: built from the calls and transcripts already read"

TABLES: tuple[Table, ...] = (
    Table(
        name="users",
        endpoint=ep.USERS,
        primary_key=("id",),
        kind="full_refresh",
        requests=lambda c: pages(c.users),
        formula="ceil(U/100)",
    ),
    Table(
        name="workspaces",
        endpoint=ep.WORKSPACES,
        primary_key=("id",),
        kind="full_refresh",
        requests=lambda c: 1,
        formula="1",
    ),
    Table(
        name="calls",
        endpoint=ep.CALLS_EXTENSIVE,
        primary_key=("id",),
        kind="calls",
        requests=lambda c: pages(c.calls),
        formula="ceil(C/100)",
        incremental="`started`, with lookback",
        call_key="id",
        private_calls="include_private_calls",
        filters={"workspace_id": "workspaceId", "user_ids": "primaryUserIds"},
        probe=_last_minute(ep.CALLS_EXTENSIVE),
        joins=(Join("users", "id = primary_user_id"), Join("workspaces", "id = workspace_id")),
    ),
    Table(
        name="call_transcripts",
        endpoint=ep.CALL_TRANSCRIPTS,
        primary_key=("callId",),
        kind="transcripts",
        requests=lambda c: (
            c.call_pages
            if c.call_pages_with_public_calls is None
            else c.call_pages_with_public_calls
        ),
        formula="ceil(C/100) at most: one per page of calls with a non-private call",
        incremental="the call's `started`",
        parent=Parent("calls"),
        call_key="callId",
        probe=_last_minute(ep.CALL_TRANSCRIPTS),
        joins=(Join("calls", "id = call_id"),),
    ),
    Table(
        name="call_transcript_turns",
        endpoint=ep.CALL_TRANSCRIPTS,
        primary_key=("call_id", "turn_index"),
        kind="from_transcripts",
        requests=lambda c: 0,
        formula=_FROM_TRANSCRIPTS,
        incremental="the call's `started`",
        default=False,
        why_off="a row per turn (a third as many as sentences) makes a load half again as long; "
        "call_transcript_text holds the same words in a row per call",
        parent=Parent("call_transcripts"),
        probe=_last_minute(ep.CALL_TRANSCRIPTS),
        joins=(Join("calls", "id = call_id"), Join("users", "id = user_id")),
        merge_key="call_id",
        call_key="call_id",
        derive=lambda call, transcript, chunk_tokens: transcript_text.turn_rows(call, transcript),
    ),
    Table(
        name="call_transcript_text",
        endpoint=ep.CALL_TRANSCRIPTS,
        primary_key=("call_id",),
        kind="from_transcripts",
        requests=lambda c: 0,
        formula=_FROM_TRANSCRIPTS,
        incremental="the call's `started`",
        parent=Parent("call_transcripts"),
        probe=_last_minute(ep.CALL_TRANSCRIPTS),
        joins=(Join("calls", "id = call_id"),),
        merge_key="call_id",
        call_key="call_id",
        derive=lambda call, transcript, chunk_tokens: transcript_text.text_rows(call, transcript),
    ),
    Table(
        name="call_transcript_chunks",
        endpoint=ep.CALL_TRANSCRIPTS,
        primary_key=("call_id", "chunk_index"),
        kind="from_transcripts",
        requests=lambda c: 0,
        formula=_FROM_TRANSCRIPTS,
        incremental="the call's `started`",
        default=False,
        why_off="for vector stores: the transcript's text a third time, in chunks",
        parent=Parent("call_transcripts"),
        probe=_last_minute(ep.CALL_TRANSCRIPTS),
        joins=(Join("calls", "id = call_id"),),
        merge_key="call_id",
        call_key="call_id",
        derive=transcript_text.chunk_rows,
    ),
    Table(
        name="aggregated_activity",
        endpoint=ep.ACTIVITY_AGGREGATE_BY_PERIOD,
        primary_key=("userId", "fromDate"),
        kind="stats",
        requests=lambda c: pages(c.active_users) if c.active_users else 0,
        formula="ceil(A/100) for the whole window from the first activity",
        incremental="period (`aggregation_period`), with lookback",
        filters={"user_ids": "userIds", "aggregation_period": "aggregationPeriod"},
        periods_key="userAggregateActivity",
        period="aggregation_period",
        probe=_yesterday(ep.ACTIVITY_AGGREGATE_BY_PERIOD, aggregationPeriod="DAY"),
        joins=(_BY_USER,),
    ),
    Table(
        name="day_by_day_activity",
        endpoint=ep.ACTIVITY_DAY_BY_DAY,
        primary_key=("userId", "fromDate"),
        kind="stats",
        requests=lambda c: pages(c.active_users) if c.active_users else 0,
        formula="ceil(A/100) for the whole window from the first activity",
        incremental="day, with lookback",
        filters={"user_ids": "userIds"},
        periods_key="userDailyActivityStats",
        probe=_yesterday(ep.ACTIVITY_DAY_BY_DAY),
        joins=(_BY_USER,),
    ),
    Table(
        name="interaction_stats",
        endpoint=ep.INTERACTION_STATS,
        primary_key=("userId", "fromDate"),
        kind="stats_per_period",
        requests=lambda c: sum(pages(n) for n in c.active_users_per_day) + c.quiet_runs,
        formula="P x ceil(A_period/100) + Q: this endpoint has no period parameter",
        incremental="period (`interaction_stats_period`), with lookback",
        period="interaction_stats_period",
        filters={"user_ids": "userIds"},
        probe=_yesterday(ep.INTERACTION_STATS),
        joins=(_BY_USER,),
    ),
    Table(
        name="answered_scorecards",
        endpoint=ep.ANSWERED_SCORECARDS,
        primary_key=("answeredScorecardId",),
        kind="scorecards",
        requests=lambda c: pages(c.answered_scorecards),
        formula="ceil(S/100)",
        incremental="review date",
        filters={"user_ids": "reviewedUserIds"},
        call_key="callId",
        private_calls="kept",
        probe=_reviews_since_yesterday,
        joins=(Join("calls", "id = call_id"), Join("scorecards", "scorecard_id")),
    ),
    Table(
        name="scorecards",
        endpoint=ep.SCORECARDS,
        primary_key=("scorecardId",),
        kind="full_refresh",
        requests=lambda c: 1,
        formula="1",
    ),
    Table(
        name="trackers",
        endpoint=ep.TRACKERS,
        primary_key=("trackerId",),
        kind="full_refresh",
        requests=lambda c: 1,
        formula="1",
        filters={"workspace_id": "workspaceId"},
    ),
    Table(
        name="library_folders",
        endpoint=ep.LIBRARY_FOLDERS,
        primary_key=("id",),
        kind="full_refresh",
        requests=lambda c: 1,
        formula="1",
        filters={"workspace_id": "workspaceId"},
    ),
    Table(
        name="library_folder_calls",
        endpoint=ep.LIBRARY_FOLDER_CONTENT,
        primary_key=("folderId", "id"),
        kind="per_parent",
        requests=lambda c: c.library_folders,
        formula="F (one per library folder)",
        default=False,
        why_off="one request per library folder",
        parent=Parent("library_folders", column="folderId", param="folderId"),
        probe=_folders,
        joins=(Join("library_folders", "id = folder_id"),),
    ),
    Table(
        name="user_settings_history",
        endpoint=ep.USER_SETTINGS_HISTORY,
        primary_key=("userId", "setting", "time"),
        kind="per_parent",
        requests=lambda c: c.users,
        formula="U (one per user)",
        default=False,
        why_off="one request per user",
        parent=Parent("users", column="userId", param="id"),
        probe=_first_user(ep.USER_SETTINGS_HISTORY),
        joins=(_BY_USER,),
    ),
    Table(
        name="call_outcomes",
        endpoint=ep.CALL_OUTCOMES,
        primary_key=("callOutcome",),
        kind="full_refresh",
        requests=lambda c: 1,
        formula="1",
    ),
)

BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}
DEFAULT_TABLES: tuple[str, ...] = tuple(t.name for t in TABLES if t.default)
STATS_KINDS: tuple[Kind, ...] = ("stats", "stats_per_period")
"""Kinds that read whole past days, so a window may not end after today."""
