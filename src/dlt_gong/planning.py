"""`--plan`'s counts: what each table's formula multiplies by, asked of Gong the way the
run will ask, so that the plan is the run's request count, not an estimate of it.

Each count is the run's own: the managers coaching asks for (distinct `managerId`s), the
flows flow steps ask for (every user's, distinct), every workspace (permission profiles)
or the one of `workspace_id` (coaching), the calls of each sub-window the calls reader
will read (a window of more than 5,000 calls is split as the reader splits it), the saved
position of each log type, manager and stats table on a later run, and the reconcile
pass only when the destination holds calls in its window. Counting a table costs at
most what the table itself costs, and usually one request: calls and the reconcile pass
are counted with `POST /v2/calls/extensive` asking for metaData only, the scope the calls
table needs anyway (`GET /v2/calls` would need `api:calls:read:basic`, which no table
needs). The calls in the library folders, which the run asks Gong for when a rule reads
their parties or a retention their start, are counted by reading every folder, as the
run does.
"""

from __future__ import annotations

import copy
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import dlt

from dlt_gong import endpoints as ep
from dlt_gong import reconcile, rows
from dlt_gong.activity import ActivityProbe, planned_requests
from dlt_gong.calls_reader import MAX_SEQUENCE_PAGES, SPLIT_FILL, Piece, _cut, _split
from dlt_gong.client import GongClient
from dlt_gong.counts import Counts
from dlt_gong.options import LoadOptions
from dlt_gong.plan import counts_read, requests_per_table, with_parents
from dlt_gong.source import SEQUENCE_SPAN, _filters, calls_family, scorecards_filter
from dlt_gong.tables import BY_NAME, LOG_TYPES, TABLES
from dlt_gong.windows import CallsWindow, calls_positions, gong_datetime, months, parse_instant

logger = logging.getLogger("dlt_gong")

CALLS_TABLE = next(t for t in TABLES if t.kind == "calls")


@dataclass
class Plan:
    """The requests a run will spend per table, and what they were counted from."""

    per_table: dict[str, int]
    users: int
    calls: int
    calls_from: datetime
    counted_with: int
    """Requests the counting itself spent."""
    incremental: bool
    per_second: int | None
    in_flight: int

    @property
    def total(self) -> int:
        return sum(self.per_table.values())


def run_is_incremental(source_state: Mapping[str, Any]) -> bool:
    """One answer for the plan and the run's summary: a run continues from saved positions
    when an earlier run saved any (a run that loaded no calls may still have saved the
    stats', the logs' or the coaching's)."""
    resources = source_state.get("resources") or {}
    return bool(
        any(resources.values())
        or any(v for k, v in source_state.items() if k != "resources" and isinstance(v, dict))
    )


@dataclass
class _Counter:
    client: GongClient
    opts: LoadOptions
    _users: list[dict[str, Any]] | None = field(default=None)
    _workspaces: list[dict[str, Any]] | None = field(default=None)

    def total(self, endpoint: ep.Endpoint, **kw: Any) -> int:
        data = self.client.request(endpoint, **kw)
        if data is None:
            return 0
        records = data.get("records") or {}
        if "totalRecords" in records:
            return int(records["totalRecords"])
        key = endpoint.data_key
        return len(data.get(key) or []) if key else 1

    def users(self) -> list[dict[str, Any]]:
        if self._users is None:
            self._users = [u for items in self.client.items(ep.USERS) for u in items]
        return self._users

    def workspaces(self) -> list[dict[str, Any]]:
        if self._workspaces is None:
            self._workspaces = [w for items in self.client.items(ep.WORKSPACES) for w in items]
        return self._workspaces

    def calls(self, window: CallsWindow, span: timedelta | None) -> tuple[int, int, int]:
        """(calls, requests, pages holding a public call) of the calls reader's read of
        `window`, its sub-windows sized as the reader sizes them (`calls_reader.py`): a
        window above `MAX_SEQUENCE_PAGES` pages costs its first page and is read in
        slices. A page whose calls the count listed (one page at most) is known to hold
        a public call or not; a longer window's pages are taken to hold one each."""
        call_filter = _filters(CALLS_TABLE, self.opts)
        todo = list(reversed(_cut(Piece(window.start, window.end), span, self.opts.now)))
        calls = requests = public_pages = done = 0
        max_pages = MAX_SEQUENCE_PAGES
        while todo:
            piece = todo.pop()
            body_filter: dict[str, Any] = {"fromDateTime": gong_datetime(piece.start)}
            if piece.end is not None:
                body_filter["toDateTime"] = gong_datetime(piece.end)
            body: dict[str, Any] = {"filter": {**body_filter, **call_filter}}
            if self.opts.exclude.by_party:  # the parties the rules read (the same request)
                body["contentSelector"] = {"exposedFields": {"parties": True}}
            answer = self.client.request(CALLS_TABLE.endpoint, body=body) or {}
            listed = answer.get("calls") or []
            n = int((answer.get("records") or {}).get("totalRecords", len(listed)))
            pages = math.ceil(n / 100)
            if pages > max_pages:
                slices = _split(piece, math.ceil(pages / (max_pages * SPLIT_FILL)), self.opts.now)
                if slices is not None:
                    requests += 1  # the first page, dropped for the slices
                    todo.extend(reversed(slices))
                    continue
            calls += n
            requests += max(1, pages)
            if pages > 1:
                public_pages += pages
            elif any(self._transcribed(c) for c in listed):
                public_pages += 1
            if span is not None and done == 0:
                max_pages = max(1, min(max_pages, max(1, pages)))
            done += 1
        return calls, requests, public_pages

    def _transcribed(self, item: Mapping[str, Any]) -> bool:
        """Whether the run asks for a listed call's transcript: public, not left out."""
        call = rows.call_row(item)
        return not call.get("isPrivate") and not self.opts.exclude.excludes(call)

    def asks_folder_calls(self) -> bool:
        """Whether the run asks Gong for the calls in the library folders (their parties
        or their start, for a rule or the retention)."""
        names = BY_NAME["library_folder_calls"].names_call
        return names is not None and names.asks(self.opts.exclude, bool(self.opts.retained_from))

    def folders(self) -> list[dict[str, Any]]:
        """The library folders, listed as the run lists them."""
        params = _filters(BY_NAME["library_folders"], self.opts)
        return [f for items in self.client.items(ep.LIBRARY_FOLDERS, params=params or None)
                for f in items]  # fmt: skip

    def folder_calls(self, folders: list[dict[str, Any]]) -> int:
        """The distinct calls in these folders, each folder read as the run reads it: the
        run asks for them 100 a request, whatever folder holds them."""
        table = BY_NAME["library_folder_calls"]
        assert table.parent is not None and table.parent.param is not None
        param = table.parent.param
        return len({
            str(call["id"])
            for folder in folders
            for items in self.client.items(table.endpoint, params={param: folder["id"]})
            for call in items
            if call.get("id")
        })  # fmt: skip

    def log_entries(self, states: Mapping[str, Any]) -> list[int]:
        saved = (states.get("audit_logs") or {}).get("positions") or {}
        found = []
        for log_type in LOG_TYPES:
            start = self.opts.start
            if self.opts.end is None and saved.get(log_type):
                start = max(start, parse_instant(saved[log_type]) - self.opts.lookback)
            params = {"logType": log_type, "fromDateTime": gong_datetime(start)}
            if self.opts.end is not None:
                params["toDateTime"] = gong_datetime(self.opts.end)
            found.append(self.total(ep.LOGS, params=params))
        return found

    def coaching(self, states: Mapping[str, Any]) -> dict[str, Any]:
        table = BY_NAME["coaching_metrics"]
        key = table.parent.key if table.parent else "managerId"
        managers = list(dict.fromkeys(u[key] for u in self.users() if u.get(key)))
        wanted = self.opts.workspace_id
        listed = [w["id"] for w in self.workspaces()]
        saved = (states.get(table.name) or {}).get("managers") or {}
        end = self.opts.end or self.opts.now
        per_manager = []
        for manager in managers:
            start = self.opts.start
            if self.opts.end is None and saved.get(manager):
                lookback = timedelta(days=self.opts.stats_lookback_days)
                start = max(start, parse_instant(saved[manager]) - lookback)
            per_manager.append(len(months(start, end)))
        return {
            "managers": len(managers),
            "coaching_periods": len(months(self.opts.start, end)),
            "coaching_workspaces": sum(1 for w in listed if wanted is None or w == wanted),
            "coaching_months_per_manager": per_manager,
        }

    def flows(self) -> dict[str, Any]:
        """Every user's flows, read as the run reads them (one series a user)."""
        per_user, distinct = [], set()
        for user in self.users():
            email = user.get("emailAddress")
            if not email:
                continue
            found = [
                f
                for items in self.client.items(ep.FLOWS, params={"flowOwnerEmail": email})
                for f in items
            ]
            per_user.append(len(found))
            distinct |= {f["id"] for f in found}
        return {"flows_per_user": per_user, "flows": len(distinct)}

    def flow_folders(self) -> list[int]:
        return [
            self.total(ep.FLOW_FOLDERS, params={"flowFolderOwnerEmail": u["emailAddress"]})
            for u in self.users()
            if u.get("emailAddress")
        ]

    def profiles(self) -> int:
        return sum(
            self.total(ep.PERMISSION_PROFILES, params={"workspaceId": w["id"]})
            for w in self.workspaces()
        )


def loaded_calls_in(pipeline: dlt.Pipeline | None, span: reconcile.Window, workspace: str | None
                    ) -> bool:  # fmt: skip
    """Whether the destination holds a call started in `span` (the reconcile pass lists
    Gong's calls only then); a destination that cannot be asked is taken to hold one."""
    if pipeline is None:
        return False
    try:
        with pipeline.sql_client() as sql:
            table = sql.make_qualified_table_name("calls")
            where = "started >= %s AND started < %s"
            args: list[Any] = [span.start, span.end]
            if workspace:
                where += " AND workspace_id = %s"
                args.append(workspace)
            rows = sql.execute_sql(f"SELECT count(*) FROM {table} WHERE {where}", *args)
            return bool(rows and rows[0][0])
    except Exception:  # no such table yet, or a destination without SQL
        logger.debug("the destination cannot say which calls it holds", exc_info=True)
        return False


def make_plan(
    client: GongClient,
    opts: LoadOptions,
    saved: dict[str, Any],
    pipeline: dlt.Pipeline | None,
    in_flight: int = 3,
) -> Plan:
    """Counts with as few requests as the chosen tables allow, then applies each table's
    formula (`tables.py`) to the counts: the very run `run` would make, with the same
    options and saved positions (`saved`: the pipeline's source state)."""
    counter = _Counter(client, opts)
    states = saved.get("resources") or {}
    wanted = counts_read(opts.tables)
    read = with_parents(opts.tables)
    counted: dict[str, Any] = {}
    family = [t for t in calls_family(CALLS_TABLE) if t in opts.tables]
    calls_window = CallsWindow.plan(
        calls_positions(copy.deepcopy(saved), opts.start, opts.end), family,
        start=opts.start, end=opts.end, lookback=opts.lookback,
    )  # fmt: skip
    calls = 0
    if CALLS_TABLE.name in read:
        if calls_window.empty:
            counted.update(calls_requests=0, call_pages_with_public_calls=0)
        else:
            learned = saved.get(SEQUENCE_SPAN)
            span = timedelta(seconds=learned) if learned else None
            calls, requests, public = counter.calls(calls_window, span)
            counted.update(calls_requests=requests, call_pages_with_public_calls=public)
    if wanted & {"managers", "coaching_periods", "flows_per_user", "flows",
                 "flow_folders_per_user"}:  # fmt: skip
        users = len(counter.users())
    else:
        users = counter.total(ep.USERS)
    if "library_calls" in wanted and counter.asks_folder_calls():
        folders = counter.folders()
        counted.update(library_folders=len(folders), library_calls=counter.folder_calls(folders))
    elif "library_folders" in wanted:
        params = _filters(BY_NAME["library_folders"], opts)
        counted["library_folders"] = counter.total(ep.LIBRARY_FOLDERS, params=params or None)
    if "workspaces" in wanted:
        counted["workspaces"] = len(counter.workspaces())
    if "crm_integrations" in wanted:
        counted["crm_integrations"] = counter.total(ep.CRM_INTEGRATIONS)
    if "permission_profiles" in wanted:
        counted["permission_profiles"] = counter.profiles()
    if "log_entries" in wanted:
        counted["log_entries"] = counter.log_entries(states)
    if "managers" in wanted:
        counted.update(counter.coaching(states))
    if wanted & {"flows_per_user", "flows"}:
        counted.update(counter.flows())
    if "flow_folders_per_user" in wanted:
        counted["flow_folders_per_user"] = counter.flow_folders()
    if "answered_scorecards" in wanted:
        table = BY_NAME["answered_scorecards"]
        body = {"filter": scorecards_filter(table, opts, states.get(table.name) or {})}
        counted["answered_scorecards"] = counter.total(table.endpoint, body=body)
    reconciled = _reconciled(counter, opts, saved, pipeline)
    counts = Counts(users=users, calls=calls, reconciled_calls=reconciled,
                    excluding=bool(opts.exclude), **counted)  # fmt: skip
    per_table = requests_per_table(counts, opts.tables)
    per_table.update(planned_requests(ActivityProbe(client, opts), states, users))
    return Plan(
        per_table=per_table,
        users=users,
        calls=calls,
        calls_from=calls_window.start,
        counted_with=client.requests_sent,
        incremental=run_is_incremental(saved),
        per_second=client.limiter.per_second,
        in_flight=in_flight,
    )


def _reconciled(
    counter: _Counter, opts: LoadOptions, saved: Mapping[str, Any], pipeline: dlt.Pipeline | None
) -> int | None:
    """The calls the reconcile pass will list, None when it sends no request: off, no
    table of calls loaded, skipped after a quota stop, or no call loaded in its window."""
    span = reconcile.window(opts)
    if span is None or not any(t in opts.tables for t in reconcile.CALL_TABLES):
        return None
    if saved.get(reconcile.QUOTA_STOPPED) is not None and opts.reconcile_from is None:
        return None
    if not loaded_calls_in(pipeline, span, opts.workspace_id):
        return None
    body_filter = {"fromDateTime": gong_datetime(span.start), "toDateTime": gong_datetime(span.end)}
    if opts.workspace_id:
        body_filter["workspaceId"] = opts.workspace_id
    return counter.total(CALLS_TABLE.endpoint, body={"filter": body_filter})
