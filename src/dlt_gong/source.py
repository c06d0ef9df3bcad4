"""`gong_source`: every Gong read endpoint as a dlt resource, at the fewest requests.

The tables come from `tables.TABLES`; this module turns each kind of table into a dlt
resource that walks its endpoint through the one shared `GongClient`:

* full refresh (users, workspaces, settings, library folders, outcomes): one request
  per page;
* per parent (library folder content, user settings history): one request per parent row;
* calls: `POST /v2/calls/extensive`, one request per 100 calls, in a start-time window
  with a lookback; transcripts ride on each page of calls, 100 call ids per request;
* stats: many users and many days per request (aggregate-by-period covers the whole
  window; interaction stats, which have no period parameter, one request per day);
* answered scorecards: by review date, both review methods.

When Gong's daily quota runs out, every resource stops where it is; what was extracted
is loaded and the saved positions only cover finished work (see `windows.py`).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

import dlt
from dlt.extract.resource import DltResource
from dlt.extract.source import DltSource

from dlt_gong import endpoints as ep
from dlt_gong import rows
from dlt_gong.client import GongClient
from dlt_gong.credentials import GongApiKeyCredentials, GongCredentials, GongOAuthCredentials
from dlt_gong.errors import GongQuotaExhausted
from dlt_gong.options import (
    DEFAULT_BASE_URL,
    DEFAULT_LOOKBACK_DAYS,
    DEFAULT_STATS_LOOKBACK_DAYS,
    LoadOptions,
    build_options,
    check_base_url,
)
from dlt_gong.tables import BY_NAME, TABLES, Table
from dlt_gong.windows import CallsWindow, DateWindow, advance, gong_datetime

logger = logging.getLogger("dlt_gong")

CALLS_FAMILY = ("calls", "call_transcripts")


@dlt.source(name="gong")
def gong_source(
    credentials: GongCredentials = dlt.secrets.value,
    base_url: str = DEFAULT_BASE_URL,
    start_date: str | date | datetime | None = None,
    end_date: str | date | datetime | None = None,
    lookback_days: float = DEFAULT_LOOKBACK_DAYS,
    stats_lookback_days: int = DEFAULT_STATS_LOOKBACK_DAYS,
    workspace_id: str | None = None,
    user_ids: list[str] | None = None,
    resources: list[str] | None = None,
    content_selector: dict[str, Any] | None = None,
    include_private_calls: bool = False,
    aggregation_period: str = "DAY",
    requests_per_second: int | None = 3,
    max_retry_after_seconds: float = 300.0,
    now: str | date | datetime | None = None,
) -> list[DltResource]:
    """Loads a Gong company: users, calls with their content and transcripts, stats,
    scorecards, trackers, workspaces, library and call outcomes.

    Args:
        credentials: an access key and secret, or an OAuth access token
            (`sources.gong.credentials.*` in secrets.toml or `SOURCES__GONG__CREDENTIALS__*`).
        base_url: Gong's API host; customers on a dedicated host, and the sandbox, set it.
        start_date: first day (or instant) to load; default one year before today.
        end_date: end of a backfill window (exclusive). Set it and the run neither reads
            nor saves incremental positions, so backfills of different windows can run in
            parallel. Leave it out for incremental loads.
        lookback_days: how far before the last loaded call start each run begins again,
            for calls Gong processed late (and calls that gained comments, answered
            scorecards re-reviewed).
        stats_lookback_days: the same for the daily stats tables.
        workspace_id: load only this workspace's calls, trackers and library.
        user_ids: load only calls hosted by, and stats of, these users.
        resources: table names to load; default every table that is on by default.
        content_selector: Gong's `contentSelector` for calls; default all content
            without media URLs.
        include_private_calls: keep private calls' metadata (Gong withholds their content
            and asks integrations to drop them; off by default).
        aggregation_period: the period of `aggregated_activity` rows (DAY by default).
        requests_per_second: your company's Gong rate limit (3 unless Gong raised it).
        max_retry_after_seconds: the longest 429 wait honoured; a longer one means the
            daily quota is spent, and the load stops cleanly instead of sleeping.
        now: the instant the load takes as now (default: the current time). Stats windows
            end at its UTC yesterday and the default start_date is a year before it; pin
            it to reproduce a run exactly (the test suite pins it to the sandbox's clock).
    """
    options = build_options(
        start_date=start_date,
        end_date=end_date,
        lookback_days=lookback_days,
        stats_lookback_days=stats_lookback_days,
        workspace_id=workspace_id,
        user_ids=user_ids,
        resources=resources,
        content_selector=content_selector,
        include_private_calls=include_private_calls,
        aggregation_period=aggregation_period,
        now=now,
    )
    client = GongClient(
        check_base_url(base_url),
        credentials.authorization,
        describe_credentials=credentials.describe(),
        requests_per_second=requests_per_second or None,
        max_retry_after_seconds=max_retry_after_seconds,
    )
    return build_resources(client, options)


def build_resources(client: GongClient, options: LoadOptions) -> list[DltResource]:
    """Every table's resource; those not asked for are built deselected, so that
    `with_resources` can still pick them."""
    built: dict[str, DltResource] = {}
    for table in TABLES:
        if table.kind == "full_refresh":
            built[table.name] = _full_refresh(client, table, options)
        elif table.kind == "per_parent":
            assert table.parent is not None
            built[table.name] = _per_parent(client, table, built[table.parent])
        elif table.kind == "calls":
            built[table.name] = _calls(client, table, options)
        elif table.kind == "transcripts":
            built[table.name] = _transcripts(client, table, options, built["calls"])
        elif table.kind == "stats":
            built[table.name] = _stats(client, table, options)
        elif table.kind == "scorecards":
            built[table.name] = _answered_scorecards(client, table, options)
    for name, resource in built.items():
        resource.selected = name in options.tables
        resource.gong_client = client  # type: ignore[attr-defined]
        resource.gong_options = options  # type: ignore[attr-defined]
    return list(built.values())


def client_of(source: DltSource) -> GongClient:
    """The client a `gong_source` talks through: its request count and quota stop."""
    for resource in source.resources.values():
        found = getattr(resource, "gong_client", None)
        if isinstance(found, GongClient):
            return found
    raise ValueError("not a gong_source")


def options_of(source: DltSource) -> LoadOptions:
    """The validated options a `gong_source` loads with (dlt config resolved): `--plan`
    and `check` read them instead of rebuilding their own."""
    for resource in source.resources.values():
        found = getattr(resource, "gong_options", None)
        if isinstance(found, LoadOptions):
            return found
    raise ValueError("not a gong_source")


def _stop_on_quota(
    gen: Callable[..., Iterator[Any]],
) -> Callable[..., Iterator[Any]]:
    """Ends a resource cleanly when the daily quota is spent; the client keeps the
    refusal (`client_of(source).quota_exhausted`) and sends no further request.

    The client raises the same refusal to every resource that asks after it: the first
    to stop warns, the others only log at INFO, so a load says it once, not per table."""

    @functools.wraps(gen)
    def wrapper(*args: Any, **kwargs: Any) -> Iterator[Any]:
        try:
            yield from gen(*args, **kwargs)
        except GongQuotaExhausted as exc:
            told = getattr(exc, "told", False)
            exc.told = True  # type: ignore[attr-defined]
            level = logging.INFO if told else logging.WARNING
            logger.log(level, "%s stopped: %s", gen.__name__, exc)

    return wrapper


def _hints(table: Table) -> dict[str, Any]:
    return {
        "name": table.name,
        "primary_key": list(table.primary_key),
        "write_disposition": "merge",
    }


# -- full refresh and per-parent tables ---------------------------------------------------


def _full_refresh(client: GongClient, table: Table, options: LoadOptions) -> DltResource:
    params: dict[str, str] = {}
    if options.workspace_id and table.name in ("trackers", "library_folders"):
        params["workspaceId"] = options.workspace_id

    @_stop_on_quota
    def pages() -> Iterator[list[dict[str, Any]]]:
        for items in client.items(table.endpoint, params=params or None):
            if items:
                yield items

    return dlt.resource(pages, **_hints(table))


def _per_parent(client: GongClient, table: Table, parent: DltResource) -> DltResource:
    """One request per parent row: folder content per folder, settings history per user."""
    if table.name == "library_folder_calls":

        def fetch(parent: dict[str, Any]) -> list[dict[str, Any]]:
            pages = client.items(table.endpoint, params={"folderId": parent["id"]})
            return [
                row
                for items in pages
                for content in items
                for row in rows.child_rows("folderId", parent["id"], content.get("calls") or [])
            ]
    else:

        def fetch(parent: dict[str, Any]) -> list[dict[str, Any]]:
            pages = client.items(table.endpoint, path_params={"id": parent["id"]})
            return [
                row for items in pages for row in rows.child_rows("userId", parent["id"], items)
            ]

    @_stop_on_quota
    def children(parents: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
        for item in parents:
            found = fetch(item)
            if found:
                yield found

    return dlt.transformer(children, data_from=parent, **_hints(table))


# -- calls and transcripts ----------------------------------------------------------------


def _selected_family() -> list[str]:
    """Which of calls / call_transcripts this run loads (a deselected parent still runs)."""
    resources = dlt.current.source().resources
    return [name for name in CALLS_FAMILY if name in resources and resources[name].selected]


def _family_state() -> dict[str, Any]:
    state: dict[str, Any] = dlt.current.source_state().setdefault("calls_started", {})
    return state


def _calls(client: GongClient, table: Table, options: LoadOptions) -> DltResource:
    call_filter: dict[str, Any] = {}
    if options.workspace_id:
        call_filter["workspaceId"] = options.workspace_id
    if options.user_ids:
        call_filter["primaryUserIds"] = list(options.user_ids)

    @_stop_on_quota
    def calls() -> Iterator[list[dict[str, Any]]]:
        family = _selected_family()
        state = _family_state()
        window = CallsWindow.plan(
            state, family, start=options.start, end=options.end, lookback=options.lookback
        )
        body_filter = {"fromDateTime": gong_datetime(window.start), **call_filter}
        if window.end is not None:
            body_filter["toDateTime"] = gong_datetime(window.end)
        body = {"filter": body_filter, "contentSelector": options.content_selector}
        for items in client.items(table.endpoint, body=body):
            page = [rows.call_row(call) for call in items]
            kept = [c for c in page if options.include_private_calls or not c.get("isPrivate")]
            if kept:
                yield kept
            if "calls" in family and not window.backfill:
                advance(state, "calls", (c["started"] for c in page))

    return dlt.resource(calls, **_hints(table))


def _transcripts(
    client: GongClient, table: Table, options: LoadOptions, calls: DltResource
) -> DltResource:
    @_stop_on_quota
    def call_transcripts(page: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
        """One request for the transcripts of a whole page of calls (private ones skipped:
        Gong withholds their content)."""
        started = {c["id"]: c["started"] for c in page if not c.get("isPrivate")}
        if started:
            body = {"filter": {"callIds": list(started)}}
            for items in client.items(table.endpoint, body=body):
                yield [rows.transcript_row(t, started.get(t["callId"])) for t in items]
        if options.end is None:
            advance(_family_state(), "call_transcripts", (c["started"] for c in page))

    return dlt.transformer(call_transcripts, data_from=calls, **_hints(table))


# -- stats ----------------------------------------------------------------------------------


def _stats_filter(options: LoadOptions, start: date, end: date) -> dict[str, Any]:
    found: dict[str, Any] = {"fromDate": start.isoformat(), "toDate": end.isoformat()}
    if options.user_ids:
        found["userIds"] = list(options.user_ids)
    return found


def _stats(client: GongClient, table: Table, options: LoadOptions) -> DltResource:
    @_stop_on_quota
    def stats() -> Iterator[list[dict[str, Any]]]:
        state = dlt.current.resource_state()
        window = DateWindow.plan(
            state,
            start=options.start_date,
            end=options.end_date,
            lookback_days=options.stats_lookback_days,
            today=options.today,
        )
        if window is None:
            return
        if table.endpoint is ep.INTERACTION_STATS:
            # no period parameter here: a row per user and day costs a request per day
            for day in window.days():
                next_day = day + timedelta(days=1)
                day_body = {"filter": _stats_filter(options, day, next_day)}
                for items in client.items(table.endpoint, body=day_body):
                    yield [rows.interaction_row(u, day, next_day) for u in items]
                window.complete(state, day)
            return
        body: dict[str, Any] = {"filter": _stats_filter(options, window.start, window.end)}
        if table.endpoint is ep.ACTIVITY_AGGREGATE_BY_PERIOD:
            body["aggregationPeriod"] = options.aggregation_period
            periods_key = "userAggregateActivity"
        else:
            periods_key = "userDailyActivityStats"
        for items in client.items(table.endpoint, body=body):
            yield [row for user in items for row in rows.period_rows(user, periods_key)]
        window.complete(state, window.end - timedelta(days=1))

    return dlt.resource(stats, **_hints(table))


def _answered_scorecards(client: GongClient, table: Table, options: LoadOptions) -> DltResource:
    @_stop_on_quota
    def answered_scorecards() -> Iterator[list[dict[str, Any]]]:
        """By review date, manual and automatic reviews alike (Gong defaults to MANUAL)."""
        state = dlt.current.resource_state()
        window = DateWindow.plan(
            state,
            start=options.start_date,
            end=options.end_date,
            lookback_days=max(1, options.lookback.days),
            # no reviewToDate is sent, so reviews up to now come back; saved: yesterday
            today=options.today + timedelta(days=1),
        )
        if window is None:
            return
        body_filter: dict[str, Any] = {
            "reviewFromDate": window.start.isoformat(),
            "reviewMethod": "BOTH",
        }
        if window.backfill:
            body_filter["reviewToDate"] = window.end.isoformat()
        if options.user_ids:
            body_filter["reviewedUserIds"] = list(options.user_ids)
        yield from client.items(table.endpoint, body={"filter": body_filter})
        window.complete(state, window.end - timedelta(days=1))

    return dlt.resource(answered_scorecards, **_hints(table))


__all__ = [
    "BY_NAME",
    "GongApiKeyCredentials",
    "GongOAuthCredentials",
    "build_resources",
    "client_of",
    "gong_source",
    "options_of",
]
