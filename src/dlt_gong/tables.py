"""The tables dlt-gong loads, as data: one row per table holds every fact that differs
between tables.

The source (`source.py` builds each row's resource with the builder of its `kind`),
`dlt-gong check` (each row's `probe`), `--plan` and the README (each row's `requests`
formula), the ERD (each row's `joins`) and the tests all read these rows and nothing else
keyed by a table's name, so they cannot drift apart, and adding a table is adding a row
(see CONTRIBUTING.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

from dlt_gong import conversation, rows, sentences, transcript_text
from dlt_gong import endpoints as ep
from dlt_gong.counts import Counts, pages
from dlt_gong.endpoints import Endpoint
from dlt_gong.errors import GongAuthError, GongError
from dlt_gong.privacy import CallRules

Kind = Literal[
    "full_refresh",
    "per_parent",
    "batched",
    "calls",
    "call_pages",
    "from_transcripts",
    "stats",
    "stats_per_period",
    "scorecards",
    "since",
    "coaching",
]
"""How the source reads a table: one generic builder per kind (`source.BUILDERS`)."""

Option = Literal["workspace_id", "user_ids", "aggregation_period", "interaction_stats_period"]
"""The load options that narrow or shape what a table asks Gong for."""


@dataclass(frozen=True)
class Parent:
    """The table whose rows drive a child table's requests."""

    table: str
    column: str | None = None
    """The child's column stamped with the parent row's `key` (None: not stamped)."""
    param: str | None = None
    """Where the parent's `key` goes in the request: a ``{placeholder}`` of the endpoint's
    path if it has one by that name, else a query parameter (GET) or a field of the body,
    dotted for nesting: ``filter.userId`` (POST)."""
    key: str = "id"
    """The parent row's field the child asks by (flows are asked by the user's email)."""
    batch: int | None = None
    """`batched` children: up to this many parent keys per request, as a list."""


@dataclass(frozen=True)
class Each:
    """A request per value of a parameter Gong takes one value of at a time (each
    `logType`, each CRM `objectType`)."""

    param: str
    values: tuple[str, ...]
    column: str | None = None
    """The column stamped with the value, when Gong's items do not say it."""


@dataclass(frozen=True)
class Join:
    """A join between Gong's entities, drawn in the ERD: many rows of this table to one of
    `table`, on `on` (snake_case columns, as loaded)."""

    table: str
    on: str


@dataclass(frozen=True, kw_only=True)
class NamesCall:
    """Where the rows of a table that is not read by call (answered scorecards, a library
    folder's calls, audit events) name their call: the rules leave such a row out with its
    call as it is read, and the retention too where the row is the call's content. What a
    row does not say (the parties, a title, the call's start) is asked of Gong, for the
    row's calls, 100 calls a request (`source.left_out_calls`)."""

    call_id: str
    """The row's field holding the call's id, dotted for nesting (``logRecord.callId``)."""
    title: str | None = None
    """The row's field holding the call's title: `exclude_titles` alone then asks nothing."""
    started: str | None = None
    """The row's field holding the call's start: the retention then asks nothing."""
    retained: bool = True
    """Whether the retention leaves out rows of calls started before it: the call's content
    does; an audit event of the call (who played it) is not the call's content, and stays."""
    line: str
    """The plan's line for the calls this table asks for (`plan.requests_per_table`)."""
    requests: Callable[[Counts], int]
    """Those requests, from the plan's counts: 0 unless the run asks (see `asks`)."""
    formula: str
    """`requests` as `--plan` prints it."""

    def of(self, row: Mapping[str, Any]) -> str | None:
        """The id of the call a row names (None: it names none)."""
        found: Any = row
        for name in self.call_id.split("."):
            found = found.get(name) if isinstance(found, Mapping) else None
        return str(found) if found else None

    def asks(self, rules: CallRules, retention: bool) -> bool:
        """Whether the run asks Gong for the rows' calls: a rule the rows cannot answer (the
        parties; a title they do not carry), or a retention they carry no start for."""
        by_rule = bool(rules) and (rules.by_party or self.title is None)
        return by_rule or (retention and self.retained and self.started is None)


@dataclass(frozen=True)
class Probe:
    """One request: the cheapest that proves a key may read a table."""

    endpoint: Endpoint
    params: Mapping[str, Any] | None = None
    body: Mapping[str, Any] | None = None
    path_params: Mapping[str, str] | None = None


@dataclass(frozen=True)
class ProbeContext:
    """What `dlt-gong check` knows when it probes: the time, and `ask`, which sends a
    request once (answers and refusals are kept), so that a probe needing an id (a user,
    a workspace, a flow) takes the first one a cheaper request lists."""

    now: datetime
    ask: Callable[[Probe], Mapping[str, Any] | None]

    @property
    def today(self) -> date:
        return self.now.date()

    @property
    def yesterday(self) -> date:
        return self.today - timedelta(days=1)

    @property
    def day_before(self) -> date:
        return self.today - timedelta(days=2)

    def first(self, probe: Probe, key: str = "id") -> str:
        """`key` of the first item `probe` lists; "0" when it lists none or is refused
        (the probe that needs it then fails and says why)."""
        try:
            answer = self.ask(probe) or {}
        except GongAuthError:
            raise  # the key cannot read what the table needs: that is its status
        except GongError:
            return "0"
        data_key = probe.endpoint.data_key
        items = answer.get(data_key) if data_key else None
        if not items:
            return "0"
        item = items[0].get("metaData") or items[0]  # calls keep their id in metaData
        return str(item.get(key))

    @property
    def first_user(self) -> str:
        return self.first(Probe(ep.USERS))

    @property
    def first_user_email(self) -> str:
        return self.first(Probe(ep.USERS), "emailAddress")

    @property
    def first_workspace(self) -> str:
        return self.first(Probe(ep.WORKSPACES))


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
    fixed: Mapping[str, Any] = field(default_factory=dict)
    """Parameters every request sends as they are (GET: the query; POST: the body)."""
    each: Each | None = None
    position: str | None = None
    """`since` tables: the item field (a date-time) their saved position moves on."""
    reshape: Callable[[dict[str, Any]], list[dict[str, Any]]] | None = None
    """Turns one of Gong's items into the table's rows (default: the item is the row)."""
    probe: Callable[[ProbeContext], Probe] | None = None
    """`dlt-gong check`'s request for this table; None: the endpoint with no arguments."""
    joins: tuple[Join, ...] = ()
    call_key: str | None = None
    """The field naming the call a row belongs to: its rows go when the call is deleted
    in Gong, or made private (see `reconcile.py`)."""
    private_calls: Literal["removed", "kept", "include_private_calls"] = "removed"
    """This table's rows of a call made private: removed (Gong withholds them), kept (Gong
    still serves them), or removed unless the `include_private_calls` option is set."""
    removal: Literal["tombstones", "deleted"] = "tombstones"
    """How the rows of a removed call (see `call_key`) go: by tombstones dlt's merge
    deletes in the load, or `deleted` from the destination directly by the reconcile pass,
    for a table whose destination must not get the tombstone column (on LanceDB, that
    column stops a merge from dropping a re-chunked call's old chunks)."""
    merge_key: str | None = None
    """A column whose rows a load replaces whole: every row of a re-read call goes, so
    rows the call no longer has (a higher chunk index) do not linger."""
    derive: Callable[[Mapping[str, Any] | None, Mapping[str, Any], int], list[Any]] | None = None
    """`from_transcripts`: the rows of one call, from its `calls` row, its
    `call_transcripts` row and the chunk bound in tokens."""
    frame: Callable[[Sequence[Mapping[str, Any]]], Any] | None = None
    """`from_transcripts`, instead of `derive`: a whole page's rows as one Arrow table,
    from its `call_transcripts` rows, which dlt loads as it is, with no per-row normalising
    (`sentences.py`)."""
    once_per_run: bool = False
    """`call_pages` and the tables built from them: each call's rows reach a run once (a
    call read again within the run, by a sub-window re-read after a refused cursor or on
    two pages of an unstable order, is passed over the second time). The destination's
    merge still numbers a load's rows by the primary key: declared `deduplicated`, a load
    job run again after a SIGKILL left its rows in the staging table twice, and both were
    loaded (`tests/reliability/test_crash.py`)."""
    sets_aside: str | None = None
    """`call_pages`: a field of each row handed to the tables built from the page, and not
    loaded with this table (the transcripts' `sentences`, a table of their own)."""
    also_reads: tuple[Endpoint, ...] = ()
    """Endpoints its builder reads besides its own and its parents' (coaching lists the
    workspaces), so their scopes are needed too."""
    names_call: NamesCall | None = None
    """Rows that name a call without being read by call: left out with it (see `NamesCall`)."""
    columns: Mapping[str, str] = field(default_factory=dict)
    """Column -> dlt data type, for tables we build: declared, a column exists and has
    its type from the first load on, even when every value of that load is empty (dlt
    otherwise leaves out a column it has seen no value of, and a query naming it fails)."""

    def __post_init__(self) -> None:
        if not self.default and not self.why_off:
            raise ValueError(f"table {self.name}: a table off by default says why (why_off)")

    @property
    def scope(self) -> str:
        """The OAuth scope a key needs to load this table (its endpoint's)."""
        return self.endpoint.scope

    @property
    def scopes(self) -> tuple[str, ...]:
        """Every scope a load of this table needs: its own, its parents', what it also reads."""
        found = [self.scope, *(e.scope for e in self.also_reads)]
        if self.parent is not None:
            found.extend(BY_NAME[self.parent.table].scopes)
        return tuple(dict.fromkeys(found))

    def scopes_with(self, rules: CallRules, retention: bool) -> tuple[str, ...]:
        """`scopes`, and the calls' scope when this run asks Gong for the calls the rows
        name (`NamesCall.asks`: rules or a retention the rows cannot answer alone)."""
        if self.names_call is None or not self.names_call.asks(rules, retention):
            return self.scopes
        return tuple(dict.fromkeys([*self.scopes, ep.CALLS_EXTENSIVE.scope]))

    @property
    def retention(self) -> str:
        """What `retention_days` does to this table, as the README's privacy section says
        it (`reconcile.removes_rows` removes exactly this)."""
        if self.call_key:
            return "rows of calls started before it go; such calls are not read"
        if self.names_call is not None:
            if self.names_call.retained:
                return "rows of calls started before it are not loaded (the table is replaced)"
            return "kept: an event of a call (a play, a view) is not the call's content"
        if self.kind in STATS_KINDS:
            return "rows of periods ended by its first day go; earlier days are not read"
        if self.kind == "from_transcripts":
            return "earlier calls are not read; rows loaded before stay"
        return "kept: not dated by a call's start"

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
        return Probe(endpoint, path_params={"id": ctx.first_user})

    return probe


def _folders(ctx: ProbeContext) -> Probe:
    """Folder content needs a folder id; the same scope reads the folders."""
    return Probe(ep.LIBRARY_FOLDERS)


def _logs_since_a_minute(ctx: ProbeContext) -> Probe:
    since = (ctx.now - timedelta(minutes=1)).isoformat()
    return Probe(ep.LOGS, params={"logType": LOG_TYPES[0], "fromDateTime": since})


def _coaching_of_first_user(ctx: ProbeContext) -> Probe:
    params = {
        "workspace-id": ctx.first_workspace,
        "manager-id": ctx.first_user,
        "from": (ctx.now - timedelta(days=1)).isoformat(),
        "to": ctx.now.isoformat(),
    }
    return Probe(ep.COACHING, params=params)


def _owner(endpoint: Endpoint, param: str) -> Callable[[ProbeContext], Probe]:
    def probe(ctx: ProbeContext) -> Probe:
        return Probe(endpoint, params={param: ctx.first_user_email})

    return probe


def _first_flow(ctx: ProbeContext) -> Probe:
    flow = ctx.first(Probe(ep.FLOWS, params={"flowOwnerEmail": ctx.first_user_email}))
    return Probe(ep.FLOW_STEPS, body={"flowIds": [flow]})


def _first_workspace(endpoint: Endpoint) -> Callable[[ProbeContext], Probe]:
    def probe(ctx: ProbeContext) -> Probe:
        return Probe(endpoint, params={"workspaceId": ctx.first_workspace})

    return probe


def _first_profile(ctx: ProbeContext) -> Probe:
    profiles = Probe(ep.PERMISSION_PROFILES, params={"workspaceId": ctx.first_workspace})
    return Probe(ep.PERMISSION_PROFILE_USERS, params={"profileId": ctx.first(profiles)})


def _first_integration(ctx: ProbeContext) -> Probe:
    integration = ctx.first(Probe(ep.CRM_INTEGRATIONS), "integrationId")
    return Probe(
        ep.CRM_ENTITY_SCHEMA, params={"integrationId": integration, "objectType": OBJECT_TYPES[0]}
    )


def _first_call(ctx: ProbeContext) -> Probe:
    since = (ctx.now - timedelta(days=30)).isoformat()
    call = ctx.first(Probe(ep.CALLS_EXTENSIVE, body={"filter": {"fromDateTime": since}}))
    return Probe(ep.CALL_USERS_ACCESS, body={"filter": {"callIds": [call]}})


def _first_users_tasks(ctx: ProbeContext) -> Probe:
    return Probe(ep.TASKS, body={"filter": {**OPEN_TASKS, "userId": ctx.first_user}})


# -- the catalogue --------------------------------------------------------------------------

LOG_TYPES = (
    "AccessLog",
    "UserActivityLog",
    "UserCallPlay",
    "ExternallySharedCallAccess",
    "ExternallySharedCallPlay",
)
"""Gong's log types (spec: the `logType` enum); one request series each."""
CALL_LOG_TYPES = ("UserCallPlay", "ExternallySharedCallAccess", "ExternallySharedCallPlay")
"""The log types whose entries name a call: a play, an external view. Gong's `logRecord`
is free-form (spec) and only a UserActivityLog entry was ever recorded; the sandbox's
entries name their call at ``logRecord.callId``, and that is where the rules look."""
CALL_IDS_PER_REQUEST = 100
"""Call ids a request for calls asks at once: Gong's page of calls."""
OBJECT_TYPES = ("ACCOUNT", "CONTACT", "DEAL", "LEAD")
"""The CRM object types a schema is asked for (spec: the `objectType` enum)."""
OPEN_TASKS: dict[str, Any] = {
    "status": ["OPEN"],
    "taskAction": ["CALL"],
    "types": ["FLOW", "MANUAL"],
}
"""The spec requires all three and names OPEN and CALL as their only valid values."""
FLOW_IDS_PER_REQUEST = 20
"""Spec: "A maximum of 20 flow IDs may be requested at a time"."""


def _pages_naming_calls(c: Counts) -> int:
    """With rules, each page of the log types that name a call asks for its calls."""
    if not c.excluding:
        return 0
    return sum(
        math.ceil(n / CALL_IDS_PER_REQUEST)
        for log_type, n in zip(LOG_TYPES, c.log_entries, strict=True)
        if log_type in CALL_LOG_TYPES
    )


_BY_USER = Join("users", "id = user_id")
_FROM_TRANSCRIPTS = "0: built from the calls and transcripts already read"
_BY_ID = Join("users", "id")
_BY_CALL = Join("calls", "id = call_id")


def _from_transcripts(**row: Any) -> Table:
    """A table built from each call and its transcript (`kind="from_transcripts"`): no
    request of its own, read by its call's start, and a re-read call's rows replaced
    whole (merge on `call_id`) and removed with the call; `row` is what is its own."""
    return Table(
        endpoint=ep.CALL_TRANSCRIPTS,
        kind="from_transcripts",
        requests=lambda c: 0,
        formula=_FROM_TRANSCRIPTS,
        incremental="the call's `started`",
        parent=Parent("call_transcripts"),
        probe=_last_minute(ep.CALL_TRANSCRIPTS),
        merge_key="call_id",
        call_key="call_id",
        once_per_run=True,
        **row,
    )


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
        requests=lambda c: pages(c.calls) if c.calls_requests is None else c.calls_requests,
        formula="ceil(C/100), plus at most ceil(C/5000) above 5,000 calls (sub-windows)",
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
        kind="call_pages",
        once_per_run=True,
        requests=lambda c: (
            c.call_pages
            if c.call_pages_with_public_calls is None
            else c.call_pages_with_public_calls
        ),
        formula="one per page of calls with a non-private call (as many as for calls, at most)",
        incremental="the call's `started`",
        parent=Parent("calls"),
        call_key="callId",
        reshape=rows.transcript_rows,
        sets_aside="sentences",
        probe=_last_minute(ep.CALL_TRANSCRIPTS),
        joins=(Join("calls", "id = call_id"),),
    ),
    _from_transcripts(
        name="call_transcript_sentences",
        primary_key=sentences.KEY,
        joins=(_BY_CALL,),
        frame=sentences.table,
        columns=sentences.COLUMNS,
        # deleted, not tombstoned: a tombstone is a row dlt would write beside the Arrow
        # table, in a format of its own
        removal="deleted",
    ),
    _from_transcripts(
        name="call_transcript_turns",
        primary_key=("call_id", "turn_index"),
        default=False,
        why_off="a row per turn (a third as many as sentences) makes a load half again as long; "
        "call_transcript_text holds the same words in a row per call",
        joins=(Join("calls", "id = call_id"), Join("users", "id = user_id")),
        derive=lambda call, transcript, chunk_tokens: transcript_text.turn_rows(call, transcript),
    ),
    _from_transcripts(
        name="call_transcript_text",
        primary_key=("call_id",),
        joins=(Join("calls", "id = call_id"),),
        derive=lambda call, transcript, chunk_tokens: transcript_text.text_rows(call, transcript),
    ),
    _from_transcripts(
        name="call_transcript_chunks",
        primary_key=("call_id", "chunk_index"),
        default=False,
        why_off="for vector stores: the transcript's text a third time, in chunks",
        joins=(Join("calls", "id = call_id"),),
        # deleted, not tombstoned: the tombstone column (hard_delete) stops dlt 1.31's
        # LanceDB destination from removing a re-chunked call's old chunks (tested)
        removal="deleted",
        derive=transcript_text.chunk_rows,
    ),
    _from_transcripts(
        name="call_speaker_stats",
        primary_key=("call_id", "speaker_index"),
        joins=(_BY_CALL, _BY_USER),
        derive=lambda call, transcript, chunk_tokens: conversation.speaker_rows(call, transcript),
        columns={
            "call_id": "text",
            "speaker_index": "bigint",
            "speaker_id": "text",
            "user_id": "text",
            "speaker_name": "text",
            "affiliation": "text",
            "talk_ms": "bigint",
            "talk_share": "double",
            "turns": "bigint",
            "longest_turn_ms": "bigint",
            "words": "bigint",
            "words_per_minute": "double",
            "questions": "bigint",
        },
    ),
    _from_transcripts(
        name="call_interaction",
        primary_key=("call_id",),
        joins=(_BY_CALL, Join("users", "id = primary_user_id")),
        derive=lambda call, transcript, chunk_tokens: conversation.interaction_rows(
            call, transcript
        ),
        columns={
            "call_id": "text",
            "started": "timestamp",
            "primary_user_id": "text",
            "workspace_id": "text",
            "duration_ms": "bigint",
            "talk_ms_internal": "bigint",
            "talk_ms_external": "bigint",
            "talk_ratio": "double",
            "longest_monologue_ms": "bigint",
            "longest_customer_story_ms": "bigint",
            "interactivity": "double",
            "patience_ms": "double",
            "questions_internal": "bigint",
            "questions_external": "bigint",
            "silence_ms": "bigint",
        },
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
        names_call=NamesCall(
            call_id="callId",
            started="callStartTime",
            line="(calls of answered scorecards)",
            requests=lambda c: (
                pages(c.answered_scorecards) if c.excluding and c.answered_scorecards else 0
            ),
            formula="ceil(S/100) with exclude rules: a page of scorecards' calls",
        ),
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
        names_call=NamesCall(
            call_id="id",
            title="title",
            line="(calls of library folders)",
            requests=lambda c: math.ceil(c.library_calls / CALL_IDS_PER_REQUEST),
            formula="ceil(N/100), N distinct calls in the folders, with exclude_domains or "
            "retention_days: the folders' calls (their parties, their start)",
        ),
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
    Table(
        name="audit_logs",
        endpoint=ep.LOGS,
        primary_key=("entryKey",),
        kind="since",
        requests=lambda c: sum(pages(n) for n in c.log_entries),
        formula="the sum over the 5 log types of ceil(L/100), L its entries in the window",
        incremental="`eventTime` per log type, with lookback",
        default=False,
        why_off="five request series over the whole window, for a security team's audit trail",
        each=Each("logType", LOG_TYPES, column="logType"),
        position="eventTime",
        reshape=rows.log_row,
        names_call=NamesCall(
            call_id="logRecord.callId",
            retained=False,
            line="(calls of audit log entries)",
            requests=_pages_naming_calls,
            formula="a page of plays and external views' calls, with exclude rules: ceil(L/100) "
            "for each of the 3 log types that name a call",
        ),
        probe=_logs_since_a_minute,
        joins=(_BY_USER,),
    ),
    Table(
        name="coaching_metrics",
        endpoint=ep.COACHING,
        primary_key=("workspaceId", "managerId", "reportId", "fromDate"),
        kind="coaching",
        requests=lambda c: (
            1
            + (c.workspaces if c.coaching_workspaces is None else c.coaching_workspaces)
            * c.coaching_requests
        ),
        formula="1 + W x M x K: each workspace (the one of --workspace-id), manager and "
        "calendar month (K months, from each manager's saved month on a later run)",
        incremental="calendar month, with lookback",
        default=False,
        why_off="one request per workspace, manager and month",
        parent=Parent("users", key="managerId"),
        filters={"workspace_id": "workspace-id"},
        reshape=rows.coaching_rows,
        probe=_coaching_of_first_user,
        also_reads=(ep.WORKSPACES,),
        joins=(Join("users", "id = manager_id"), Join("workspaces", "id = workspace_id")),
    ),
    Table(
        name="flows",
        endpoint=ep.FLOWS,
        primary_key=("id",),
        kind="per_parent",
        requests=lambda c: sum(pages(n) for n in c.flows_per_user),
        formula="U at least: one request series per user (ceil of the flows they see/100)",
        default=False,
        why_off="one request per user",
        parent=Parent("users", param="flowOwnerEmail", key="emailAddress"),
        probe=_owner(ep.FLOWS, "flowOwnerEmail"),
    ),
    Table(
        name="flow_folders",
        endpoint=ep.FLOW_FOLDERS,
        primary_key=("id",),
        kind="per_parent",
        requests=lambda c: sum(pages(n) for n in c.flow_folders_per_user),
        formula="U at least: one request series per user (ceil of the folders they see/100)",
        default=False,
        why_off="one request per user",
        parent=Parent("users", param="flowFolderOwnerEmail", key="emailAddress"),
        probe=_owner(ep.FLOW_FOLDERS, "flowFolderOwnerEmail"),
    ),
    Table(
        name="flow_steps",
        endpoint=ep.FLOW_STEPS,
        primary_key=("flowId", "id"),
        kind="batched",
        requests=lambda c: math.ceil(c.flows / FLOW_IDS_PER_REQUEST),
        formula="ceil(N/20): N distinct flows, 20 a request",
        default=False,
        why_off="needs `flows`, one request per user",
        parent=Parent("flows", param="flowIds", batch=FLOW_IDS_PER_REQUEST),
        reshape=rows.flow_step_rows,
        probe=_first_flow,
        joins=(Join("flows", "id = flow_id"),),
    ),
    Table(
        name="permission_profiles",
        endpoint=ep.PERMISSION_PROFILES,
        primary_key=("id",),
        kind="per_parent",
        requests=lambda c: c.workspaces,
        formula="W (one per workspace)",
        parent=Parent("workspaces", column="workspaceId", param="workspaceId"),
        probe=_first_workspace(ep.PERMISSION_PROFILES),
        joins=(Join("workspaces", "id = workspace_id"),),
    ),
    Table(
        name="permission_profile_users",
        endpoint=ep.PERMISSION_PROFILE_USERS,
        primary_key=("profileId", "id"),
        kind="per_parent",
        requests=lambda c: c.permission_profiles,
        formula="one per permission profile",
        default=False,
        why_off="one request per permission profile",
        parent=Parent("permission_profiles", column="profileId", param="profileId"),
        probe=_first_profile,
        joins=(Join("permission_profiles", "id = profile_id"), _BY_ID),
    ),
    Table(
        name="crm_integrations",
        endpoint=ep.CRM_INTEGRATIONS,
        primary_key=("integrationId",),
        kind="full_refresh",
        requests=lambda c: 1,
        formula="1",
    ),
    Table(
        name="crm_entity_schemas",
        endpoint=ep.CRM_ENTITY_SCHEMA,
        primary_key=("integrationId", "objectType", "uniqueName"),
        kind="per_parent",
        requests=lambda c: c.crm_integrations * len(OBJECT_TYPES),
        formula="4 x I: each CRM integration and object type",
        parent=Parent(
            "crm_integrations", column="integrationId", param="integrationId", key="integrationId"
        ),
        each=Each("objectType", OBJECT_TYPES),
        reshape=rows.schema_field_rows,
        probe=_first_integration,
        joins=(Join("crm_integrations", "integration_id"),),
    ),
    Table(
        name="call_user_access",
        endpoint=ep.CALL_USERS_ACCESS,
        primary_key=("callId",),
        kind="call_pages",
        once_per_run=True,
        requests=lambda c: (
            c.call_pages
            if c.call_pages_with_public_calls is None
            else c.call_pages_with_public_calls
        ),
        formula="ceil(C/100) at most: one per page of calls with a non-private call",
        incremental="the call's `started`",
        default=False,
        why_off="one more request per page of calls",
        parent=Parent("calls"),
        call_key="callId",
        reshape=rows.call_access_row,
        probe=_first_call,
        joins=(Join("calls", "id = call_id"),),
    ),
    Table(
        name="briefs",
        endpoint=ep.BRIEFS,
        primary_key=("briefId",),
        kind="full_refresh",
        requests=lambda c: 1,
        formula="1 (all workspaces at once)",
        filters={"workspace_id": "workspaceId"},
        joins=(Join("workspaces", "id = workspace_id"),),
    ),
    Table(
        name="engage_tasks",
        endpoint=ep.TASKS,
        primary_key=("id",),
        kind="per_parent",
        requests=lambda c: c.users,
        formula="U (one per user)",
        default=False,
        why_off="one request per user",
        parent=Parent("users", param="filter.userId"),
        fixed={"filter": OPEN_TASKS},
        probe=_first_users_tasks,
        joins=(_BY_USER,),
    ),
)

BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}
DEFAULT_TABLES: tuple[str, ...] = tuple(t.name for t in TABLES if t.default)
STATS_KINDS: tuple[Kind, ...] = ("stats", "stats_per_period")
"""Kinds that read whole past days, so a window may not end after today."""
