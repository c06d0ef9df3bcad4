"""`gong_source`: every Gong read endpoint as a dlt resource, at the fewest requests.

The tables come from `tables.TABLES`; this module turns each kind of table into a dlt
resource that walks its endpoint through the one shared `GongClient` (`BUILDERS`):

* full refresh (users, workspaces, settings, library folders, outcomes, CRM
  integrations, briefs): one request per page, each table on a thread of dlt's extract;
* per parent (library folder content, settings history, flows and folders and tasks per
  user, permission profiles per workspace, profile users, CRM schema per integration and
  object type): one request series per parent row and per value of `each`, side by side;
* batched (flow steps): many parent keys per request;
* calls: `POST /v2/calls/extensive`, one request per 100 calls, in a start-time window
  with a lookback, read in sub-windows of bounded size (`calls_reader.py`); call pages
  (transcripts, users' access) ride on each page of calls, 100 call ids per request;
* stats: many users and many days per request (aggregate-by-period covers the whole
  window; interaction stats, which have no period parameter, one request per period
  with activity); every stats window starts at the company's first activity and on a
  period boundary (`activity.py`, `windows.py`);
* answered scorecards: by review date, both review methods;
* since (audit logs): per log type, from a saved position with a lookback;
* coaching: per workspace, manager and calendar month.

When Gong's daily quota runs out, every resource stops where it is; what was extracted
is loaded and the saved positions only cover finished work (see `windows.py`).
"""

from __future__ import annotations

import copy
import functools
import importlib
import logging
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

import dlt
from dlt.common.typing import TSecretStrValue
from dlt.extract.items import DataItemWithMeta
from dlt.extract.resource import DltResource
from dlt.extract.source import DltSource

from dlt_gong import dlt_notices, merge_sql, personal_data, reconcile, rows
from dlt_gong.activity import (
    ActivityProbe,
    first_data_day,
    interaction_asks,
    table_period,
)
from dlt_gong.calls_reader import CallsReader, Done
from dlt_gong.client import GongClient, last_read
from dlt_gong.credentials import GongApiKeyCredentials, GongCredentials, GongOAuthCredentials
from dlt_gong.errors import GongQuotaExhausted
from dlt_gong.oauth import OAuthSession
from dlt_gong.options import (
    DEFAULT_BASE_URL,
    DEFAULT_CHUNK_TOKENS,
    DEFAULT_LOOKBACK_DAYS,
    DEFAULT_RECONCILE_DAYS,
    DEFAULT_STATS_LOOKBACK_DAYS,
    LoadOptions,
    build_options,
    check_base_url,
    check_max_in_flight,
    check_max_retry_after_seconds,
    check_personal_data_key,
    check_requests_per_second,
)
from dlt_gong.personal_data import PersonalData
from dlt_gong.preflight import leave_out_ungranted
from dlt_gong.privacy import LeftOut
from dlt_gong.tables import BY_NAME, CALL_IDS_PER_REQUEST, TABLES, Kind, Option, Table
from dlt_gong.windows import (
    CallsWindow,
    DateWindow,
    FamilyProgress,
    advance,
    calls_positions,
    forget_finished_backfill,
    gong_datetime,
    months,
    parse_instant,
    period_spans,
)

logger = logging.getLogger("dlt_gong")


# root_key: every child row carries its root row's key even in a table loaded with
# `replace`, so a later `merge` of the same table (a read the quota cut short) can match its
# child rows; without it dlt adds that NOT NULL column to rows that lack it and the load fails
@dlt.source(name="gong", root_key=True)
def gong_source(
    credentials: GongCredentials = dlt.secrets.value,
    base_url: str = DEFAULT_BASE_URL,
    start_date: str | date | datetime | None = None,
    end_date: str | date | datetime | None = None,
    lookback_days: float = DEFAULT_LOOKBACK_DAYS,
    stats_lookback_days: float = DEFAULT_STATS_LOOKBACK_DAYS,
    workspace_id: str | None = None,
    user_ids: str | list[str] | None = None,
    resources: str | list[str] | None = None,
    content_selector: dict[str, Any] | None = None,
    include_private_calls: bool = False,
    aggregation_period: str = "DAY",
    interaction_stats_period: str = "DAY",
    requests_per_second: float | None = 3,
    max_in_flight: int = 3,
    max_retry_after_seconds: float = 300.0,
    now: str | date | datetime | None = None,
    reconcile_days: float = DEFAULT_RECONCILE_DAYS,
    reconcile_from: str | date | datetime | None = None,
    reconcile_to: str | date | datetime | None = None,
    chunk_tokens: float = DEFAULT_CHUNK_TOKENS,
    token_store: Any = None,
    exclude_titles: str | list[str] | None = None,
    exclude_domains: str | list[str] | None = None,
    retention_days: float | None = None,
    hash_personal_data: bool = False,
    hash_names: bool = False,
    personal_data_key: TSecretStrValue | None = None,
) -> list[DltResource]:
    """Loads a Gong company: users, calls with their content and transcripts, stats,
    scorecards, trackers, workspaces, library and call outcomes.

    Args:
        credentials: an access key and secret, an OAuth access token, or an OAuth app's
            client_id, client_secret and refresh_token, which refresh the access token
            (`sources.gong.credentials.*` in secrets.toml or `SOURCES__GONG__CREDENTIALS__*`).
        base_url: Gong's API host; customers on a dedicated host, and the sandbox, set it.
            With a refresh token, Gong's token answer names the host
            (`api_base_url_for_customer`) and that one is used.
        start_date: first day (or instant) to load; default one year before today.
        end_date: end of a backfill window (exclusive). Set it and the run keeps the
            window's own positions (not the incremental ones), so running it again after a
            quota stop continues it. Run windows one after another. Leave it out for
            incremental loads.
        lookback_days: how far before the last loaded call start each run begins again,
            for calls Gong processed late (and calls that gained comments, answered
            scorecards re-reviewed).
        stats_lookback_days: the same for the daily stats tables.
        workspace_id: load only this workspace's calls, trackers and library.
        user_ids: load only calls hosted by, and stats of, these users (a list or a
            comma-separated string).
        resources: table names to load, a list or a comma-separated string; default
            every table that is on by default.
        content_selector: Gong's `contentSelector` for calls; default all content
            without media URLs.
        include_private_calls: keep private calls' metadata (Gong withholds their content
            and asks integrations to drop them; off by default).
        aggregation_period: the period of `aggregated_activity` rows (DAY by default):
            DAY, WEEK (from Monday), MONTH, QUARTER or YEAR, calendar periods of the
            company's time zone.
        interaction_stats_period: the period of `interaction_stats` rows: DAY (default),
            WEEK or MONTH. Gong has no period parameter there, so each period is one
            request: a year costs 52 or 12 requests instead of one per active day.
        requests_per_second: your company's Gong rate limit (3 unless Gong raised it), a
            whole number ("3.0" is one); 0 or None: no pacing (the sandbox).
        max_in_flight: requests on the wire at once at most (3: Gong is said to allow 3
            concurrent requests a company). Behind a far Gong each answer takes most of a
            second, so requests go side by side to keep to `requests_per_second`; raise it
            only if Gong answers slower than a second and allows more at once.
        max_retry_after_seconds: the longest 429 wait honoured; a longer one means the
            daily quota is spent, and the load stops cleanly instead of sleeping.
        now: the instant the load takes as now (default: the current time). Stats windows
            end at its UTC yesterday and the default start_date is a year before it; pin
            it to reproduce a run exactly (the test suite pins it to the sandbox's clock).
        reconcile_days: each run removes the loaded calls that started in this many last
            days and that Gong has since deleted or made private (with their transcripts
            and child rows), for about one request per 100 calls; 0 turns it off.
        reconcile_from: reconcile the calls that started from this date (or instant)
            instead, e.g. once over all history; `reconcile_to` ends the range (default now).
        reconcile_to: the end (exclusive) of the `reconcile_from` range.
        chunk_tokens: the most tokens a `call_transcript_chunks` row holds (counted
            as 100 tokens per 75 words; 512 by default).
        token_store: with a refresh token, where the rotated one is kept, instead of
            `credentials.token_store`: a folder, a bucket URL, or a secrets manager's
            hook, an object with `load()` (the dict last saved, or None) and
            `save(tokens: dict)`, and optionally `lock()` (a context manager).
        exclude_titles: calls whose title matches one of these regular expressions
            (searched, case-insensitive: ``^interview``, ``1:1``) are left out of every
            table, and their transcripts never asked for; loaded rows of calls a rule
            added later matches are removed by the next run (audit log entries loaded
            before stay: README, Privacy).
        exclude_domains: the same for calls with a party whose email address is in one
            of these domains (``gmail.com``, its subdomains too) or is one of these
            addresses (``ceo@example.com``); a list or a comma-separated string.
        retention_days: calls that started longer ago than this many days, and stats of
            days before then, are not loaded, and each run removes those loaded before
            (0 or None: kept forever); audit events of such calls are kept.
        hash_personal_data: replace email addresses and phone numbers in every table,
            free text included, by their HMAC-SHA256 with `personal_data_key`, before
            any row is written (`personal_data.py`).
        hash_names: with `hash_personal_data`, people's names too.
        personal_data_key: the secret key of those hashes (`sources.gong.personal_data_key`
            in secrets.toml); the same key gives the same hashes, run after run.
    """
    dlt_notices.install()  # dlt's warnings about Gong's empty columns, at debug
    merge_sql.install()  # a re-read call's old rows deleted by its merge key alone
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
        interaction_stats_period=interaction_stats_period,
        now=now,
        reconcile_days=reconcile_days,
        reconcile_from=reconcile_from,
        reconcile_to=reconcile_to,
        chunk_tokens=chunk_tokens,
        exclude_titles=exclude_titles,
        exclude_domains=exclude_domains,
        retention_days=retention_days,
        hash_personal_data=hash_personal_data,
        hash_names=hash_names,
    )
    personal = check_personal_data_key(options, personal_data_key)
    configured_url = check_base_url(base_url)
    rate = check_requests_per_second(requests_per_second)
    longest_wait = check_max_retry_after_seconds(max_retry_after_seconds)
    session = None
    if isinstance(credentials, GongOAuthCredentials) and credentials.can_refresh():
        session = OAuthSession(credentials, token_store=token_store)
        session.start()  # a token at hand, and with it Gong's api_base_url_for_customer
        if resources is None:  # the default tables: only those the app was granted
            options = leave_out_ungranted(options, session.granted_scopes)
    client = GongClient(
        (session.api_base_url if session else None) or configured_url,
        session.authorization if session else credentials.authorization,
        describe_credentials=credentials.describe(),
        requests_per_second=rate,
        max_in_flight=check_max_in_flight(max_in_flight),
        max_retry_after_seconds=longest_wait,
        renew_authorization=session.renew if session else None,
    )
    if session is not None:
        session.on_base_url = functools.partial(setattr, client, "base_url")
    return build_resources(client, options, personal)


def build_resources(
    client: GongClient, options: LoadOptions, personal: PersonalData | None = None
) -> list[DltResource]:
    """Every table's resource, built by its kind's builder; those not asked for are built
    deselected, so that `with_resources` can still pick them. With `personal`, each
    resource hashes its rows' personal data as the last step of its own pipe: before dlt
    writes them, and before the tables built from them (a parent's rows reach its children
    after its steps) see them; the tables built from a page of transcripts are handed its
    rows as read (`CallsPage.whole`) and hash what they build."""
    if any(BY_NAME[name].frame for name in options.tables):
        # imported here, in the thread that builds the source: first imported by `dlt-gong
        # run`'s feed thread while dlt imported it too, Python handed one of the two threads
        # the module half-initialised ("partially initialized module 'pyarrow'")
        importlib.import_module("pyarrow")
    built: dict[str, DltResource] = {}
    left_out = LeftOut()
    for table in TABLES:
        parent = built[table.parent.table] if table.parent is not None else None
        built[table.name] = BUILDERS[table.kind](client, table, options, parent)
    for name, resource in built.items():
        resource.selected = name in options.tables
    resources = [*built.values(), *reconcile.removal_resources(client, options)]
    for resource in resources:
        resource.gong_client = client  # type: ignore[attr-defined]
        resource.gong_options = options  # type: ignore[attr-defined]
        resource.gong_left_out = left_out  # type: ignore[attr-defined]
        resource.gong_personal = personal  # type: ignore[attr-defined]
        if personal is not None:
            resource.add_map(personal.scrub)
    return resources


T = TypeVar("T")


def _attached(source: DltSource, attribute: str, kind: type[T]) -> T | None:
    """What `build_resources` handed every resource of a `gong_source` as `attribute`."""
    for resource in source.resources.values():
        found = getattr(resource, attribute, None)
        if isinstance(found, kind):
            return found
    return None


def _of(source: DltSource, attribute: str, kind: type[T]) -> T:
    found = _attached(source, attribute, kind)
    if found is None:
        raise ValueError("not a gong_source")
    return found


def left_out_of(source: DltSource) -> LeftOut:
    """What a `gong_source`'s rules and retention left out as its load read Gong."""
    return _of(source, "gong_left_out", LeftOut)


def personal_of(source: DltSource) -> PersonalData | None:
    """The hashing of a `gong_source`'s personal data (None: `hash_personal_data` off)."""
    return _attached(source, "gong_personal", PersonalData)


def _left_out(resource: DltResource) -> LeftOut:
    """The run's tally of what was left out (`build_resources` hands it to every resource)."""
    found = getattr(resource, "gong_left_out", None)
    return found if isinstance(found, LeftOut) else LeftOut()


def _personal(resource: DltResource | None) -> PersonalData | None:
    found = getattr(resource, "gong_personal", None)
    return found if isinstance(found, PersonalData) else None


def client_of(source: DltSource) -> GongClient:
    """The client a `gong_source` talks through: its request count and quota stop."""
    return _of(source, "gong_client", GongClient)


def options_of(source: DltSource) -> LoadOptions:
    """The validated options a `gong_source` loads with (dlt config resolved): `--plan`
    and `check` read them instead of rebuilding their own."""
    return _of(source, "gong_options", LoadOptions)


def _stop_on_quota(
    gen: Callable[..., Iterator[Any]],
) -> Callable[..., Iterator[Any]]:
    """Ends a resource cleanly when the daily quota is spent; the client keeps the
    refusal (`client_of(source).quota_exhausted`) and sends no further request.

    The client raises the same refusal to every resource that asks after it: the first
    to stop warns, the others only log at INFO, so a load says it once, not per table."""

    @functools.wraps(gen)
    def wrapper(*args: Any, **kwargs: Any) -> Iterator[Any]:
        personal_data.note_mode()  # hashed and raw rows never meet in one dataset
        try:
            yield from gen(*args, **kwargs)
        except GongQuotaExhausted as exc:
            told = getattr(exc, "told", False)
            exc.told = True  # type: ignore[attr-defined]
            level = logging.INFO if told else logging.WARNING
            logger.log(level, "%s stopped: %s", wrapper.__name__, exc,  # the table's name
                       extra={"gong_quota_stop": True})  # fmt: skip
            reconcile.note_quota_stop()

    return wrapper


def _hints(table: Table, options: LoadOptions) -> dict[str, Any]:
    columns = {
        name: {"data_type": data_type, "nullable": name not in table.primary_key}
        for name, data_type in table.columns.items()
    }
    columns.update(reconcile.column_hints(table, options).get("columns", {}))
    hints: dict[str, Any] = {
        "name": table.name,
        "primary_key": list(table.primary_key),
        # not dlt's `deduplicated`, even for `once_per_run` tables: a load job that SIGKILL
        # stopped after it copied its file into the staging table is run again by the next
        # run, and only the merge's numbering by the primary key drops that second copy
        "write_disposition": "merge",
    }
    if columns:
        hints["columns"] = columns
    if table.merge_key is not None:
        # the destination drops every row of a merge key the load carries: SQL destinations
        # by their default strategy (delete-insert), LanceDB by removing a key's orphans
        hints["merge_key"] = table.merge_key
    return hints


CALLS_TABLE = next(t for t in TABLES if t.kind == "calls")


# -- full refresh and per-parent tables ---------------------------------------------------


FILTERS: tuple[Option, ...] = ("workspace_id", "user_ids")


def _filters(
    table: Table, options: LoadOptions, which: tuple[Option, ...] = FILTERS
) -> dict[str, Any]:
    """The options among `which` that apply to this table and were given, under the names
    Gong takes them by."""
    given: dict[Option, Any] = {
        "workspace_id": options.workspace_id,
        "user_ids": list(options.user_ids) or None,
        "aggregation_period": options.aggregation_period,
    }
    return {
        gong: given[option]
        for option, gong in table.filters.items()
        if option in which and given[option]
    }


def _full_refresh(
    client: GongClient, table: Table, options: LoadOptions, parent: DltResource | None
) -> DltResource:
    params = _filters(table, options)
    replace = reconcile.replaces(table, options)

    @_stop_on_quota
    def pages() -> Iterator[Any]:
        yield from reconcile.whole_table(client.items(table.endpoint, params=params or None),
                                         replace)  # fmt: skip

    # on a thread of dlt's extract (`parallelized`): a table read whole depends on no
    # other, and read in dlt's turn, each waiting for its answer while nothing else was
    # asked, they left the requests Gong allows at once unused behind a far Gong
    return dlt.resource(pages, parallelized=True, **_hints(table, options))


def _rows(table: Table, item: dict[str, Any]) -> list[dict[str, Any]]:
    return table.reshape(item) if table.reshape is not None else [item]


def _put(body: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    """Sets ``filter.userId``-style fields of a request body."""
    *outer, last = dotted.split(".")
    where = body
    for name in outer:
        where = where.setdefault(name, {})
    where[last] = value
    return body


def _per_parent(
    client: GongClient, table: Table, options: LoadOptions, parent: DltResource | None
) -> DltResource:
    """Requests per parent row (folder content per folder, settings history, flows and
    tasks per user, profiles per workspace), and per value of `each` if the table has one;
    rows stamped with the parent's key. A row not keyed by its parent that another parent
    listed already this run (a company flow every user sees) is loaded once. Rows that name
    a call (a folder's calls) go without those the rules or the retention leave out."""
    assert table.parent is not None and parent is not None
    link = table.parent
    param = link.param
    assert param is not None
    in_path = "{" + param + "}" in table.endpoint.path
    values: tuple[str | None, ...] = table.each.values if table.each else (None,)

    def request(key: Any, value: str | None) -> dict[str, Any]:
        if in_path:
            return {"path_params": {param: key}}
        fixed = copy.deepcopy(dict(table.fixed))
        if table.each is not None and value is not None:
            fixed[table.each.param] = value
        if table.endpoint.method == "GET":
            return {"params": {**fixed, param: key}}
        return {"body": _put(fixed, param, key)}

    def fetch(ask: tuple[Any, str | None]) -> list[tuple[str | None, list[dict[str, Any]]]]:
        """Every page of one parent's request for one value of `each` (a parent's are few,
        and small); asked by the real value of a key the parent's rows hold hashed (flows:
        the owner's email)."""
        key, value = ask
        personal = _personal(parent)
        asked = personal.original(key) if personal is not None else key
        return [
            (value, items)
            for items in last_read(client.items(table.endpoint, **request(asked, value)))
        ]

    def rows_of(
        key: Any, pages: list[tuple[str | None, list[dict[str, Any]]]], seen: set[tuple[Any, ...]]
    ) -> Iterator[dict[str, Any]]:
        for value, items in pages:
            for item in items:
                for row in _rows(table, item):
                    if table.each is not None and table.each.column:
                        row = {table.each.column: value, **row}
                    if link.column:
                        row = {link.column: key, **row}
                    if link.column:  # keyed by its parent: no other parent lists it
                        yield row
                        continue
                    found = tuple(row.get(k) for k in table.primary_key)
                    if found not in seen:
                        seen.add(found)
                        yield row

    replace = reconcile.replaces(table, options)

    @_stop_on_quota
    def children(parents: list[dict[str, Any]]) -> Iterator[Any]:
        """The parent yields its whole table as one item (see `reconcile.whole_table`), or
        a partial one when the quota stopped it, and then every request here is refused:
        so a child table is replaced only when its parent and itself were read whole."""
        seen: set[tuple[Any, ...]] = set()  # this run's rows (the parent's one item)
        keys = [item[link.key] for item in parents if item.get(link.key) is not None]
        # each parent's requests, one per value of `each` (a CRM integration's four object
        # types), are independent: asked side by side, used in order
        asks = [(key, value) for key in keys for value in values]
        answers = client.ahead(fetch, asks)
        found: Iterator[list[dict[str, Any]]] = (
            list(rows_of(key, [page for _ in values for page in next(answers)], seen))
            for key in keys
        )
        if table.names_call is not None:
            found = kept_whole(found)
        yield from reconcile.whole_table(found, replace)

    def kept_whole(read: Iterator[list[dict[str, Any]]]) -> Iterator[list[dict[str, Any]]]:
        """Rows that name a call (a folder's calls), every parent's at once, so that their
        calls are asked 100 a request whatever folder holds them; nothing is handed on
        before they are checked, so a quota stop loads none unchecked."""
        whole = [row for part in read for row in part]
        yield _named_kept(client, table, whole, options, _left_out(resource))

    resource = dlt.transformer(children, data_from=parent, **_hints(table, options))
    return resource


def _batched(
    client: GongClient, table: Table, options: LoadOptions, parent: DltResource | None
) -> DltResource:
    """Many parent keys a request (flow steps: 20 flow ids); the parent hands over its
    whole table as one item (`reconcile.whole_table`), so the keys fill every batch."""
    assert table.parent is not None and parent is not None
    link = table.parent
    assert link.param is not None and link.batch is not None
    param, batch = link.param, link.batch
    replace = reconcile.replaces(table, options)

    @_stop_on_quota
    def children(parents: list[dict[str, Any]]) -> Iterator[Any]:
        keys = [p[link.key] for p in parents if p.get(link.key) is not None]

        def batches() -> Iterator[list[dict[str, Any]]]:
            for i in range(0, len(keys), batch):
                body = _put(copy.deepcopy(dict(table.fixed)), param, keys[i : i + batch])
                read = last_read(client.items(table.endpoint, body=body))
                yield [row for items in read for item in items for row in _rows(table, item)]

        yield from reconcile.whole_table(batches(), replace)

    return dlt.transformer(children, data_from=parent, **_hints(table, options))


# -- calls and transcripts ----------------------------------------------------------------


def _children(table: Table) -> tuple[str, ...]:
    return tuple(t.name for t in TABLES if t.parent and t.parent.table == table.name)


def calls_family(calls: Table) -> tuple[str, ...]:
    """The calls table and the tables that ride on its pages (transcripts and the tables
    built from them): they share one window, which starts where the least advanced of
    them stopped."""
    found = [calls.name]
    for name in found:
        found.extend(_children(BY_NAME[name]))
    return tuple(found)


def _selected(names: tuple[str, ...]) -> list[str]:
    """Which of these this run loads (a deselected parent still runs for its children)."""
    resources = dlt.current.source().resources
    return [name for name in names if name in resources and resources[name].selected]


SEQUENCE_SPAN = "calls_sequence_seconds"
"""Source state: the width (seconds) of calls sub-windows, learned when the daily quota
stopped a load before it finished one (see `calls_reader.py`)."""


def _calls(
    client: GongClient, table: Table, options: LoadOptions, parent: DltResource | None
) -> DltResource:
    call_filter = _filters(table, options)
    members = calls_family(table)
    shared: dict[str, Any] = {"ahead": {}, "passed": {}}
    """This load's `FamilyProgress` and quota-stop hook, for the resources riding on it,
    and theirs: how each asks ahead for its page (`_call_pages`), and the calls each has
    passed on in this run (`Table.once_per_run`)."""

    @_stop_on_quota
    def calls() -> Iterator[list[dict[str, Any]]]:
        for passed in shared["passed"].values():
            passed.clear()  # a run of the same source again passes every call again
        family = _selected(members)
        # a page's own requests (transcripts) go out as it is read, side by side with the
        # next page of calls, while dlt writes the page before: behind a far Gong, one
        # request at a time would run at one a second, not at Gong's 3
        ahead = [start for name, start in shared["ahead"].items() if name in family]
        source_state = dlt.current.source_state()
        positions = calls_positions(source_state, options.start, options.end)
        end = options.end

        def complete(reached: datetime) -> None:
            if end is not None and reached >= end:
                forget_finished_backfill(source_state, options.start, end, family)

        progress = FamilyProgress(positions, family, complete, parent=table.name)
        shared["progress"] = progress
        window = CallsWindow.plan(
            positions, family, start=options.start, end=options.end, lookback=options.lookback
        )
        learned = source_state.get(SEQUENCE_SPAN)
        reader = CallsReader(
            client,
            table.endpoint,
            call_filter=call_filter,
            content_selector=options.content_selector,
            now=options.now,
            span=timedelta(seconds=learned) if learned else None,
            lanes=client.max_in_flight,
        )

        def quota_stopped() -> None:
            """No sub-window fit the day's quota (transcripts included): the next load
            reads a narrower first one."""
            if progress.moved:
                return
            span = reader.span_after_quota_stop()
            if learned:
                span = timedelta(seconds=learned) / 2
            if span is not None:
                source_state[SEQUENCE_SPAN] = round(span.total_seconds())

        shared["quota_stopped"] = quota_stopped
        try:
            if not window.empty:
                for got in reader.read(window.start, window.end):
                    if isinstance(got, Done):
                        progress.done(got.position)
                        continue
                    page = [rows.call_row(call) for call in got]
                    kept = [c for c in page if _kept(c, options, _left_out(resource))]
                    if kept:
                        progress.page(c["id"] for c in kept)
                        for start in ahead:
                            start(kept)
                        yield kept
        except GongQuotaExhausted:
            quota_stopped()
            raise
        if client.quota_exhausted is None:  # (transcripts may still meet it: they say so)
            source_state.pop(SEQUENCE_SPAN, None)

    resource = dlt.resource(calls, **_hints(table, options))
    resource.gong_progress = shared  # type: ignore[attr-defined]
    return resource


def _first_time(passed: set[str], call_id: str) -> bool:
    """Whether this run has not passed `call_id` on yet; from now on it has."""
    if call_id in passed:
        return False
    passed.add(call_id)
    return True


def _kept(call: dict[str, Any], options: LoadOptions, left_out: LeftOut) -> bool:
    """Whether a call read is loaded: not one the rules leave out (counted), and not
    private unless `include_private_calls`."""
    if options.exclude.excludes(call):
        left_out.calls += 1
        return False
    return options.include_private_calls or not call.get("isPrivate")


def _call_pages(
    client: GongClient, table: Table, options: LoadOptions, calls: DltResource | None
) -> DltResource:
    """One request for a whole page of calls, 100 call ids (transcripts, users' access);
    private calls are skipped (Gong withholds their content). Each row carries its call's
    `started`, the position this table keeps in the calls family's window."""
    assert calls is not None
    shared: dict[str, Any] = calls.gong_progress  # type: ignore[attr-defined]
    riders = _children(table)
    asked: dict[tuple[str, ...], Future[list[list[dict[str, Any]]]]] = {}

    def request(public: dict[str, dict[str, Any]]) -> list[list[dict[str, Any]]]:
        found: list[list[dict[str, Any]]] = []
        if public:
            body = {"filter": {"callIds": list(public)}}
            for items in client.items(table.endpoint, body=body):
                got = [row for item in items for row in _rows(table, item)]
                for row in got:
                    row["started"] = public[row["callId"]]["started"]
                found.append(got)
        return found

    def ask_ahead(page: list[dict[str, Any]]) -> None:
        """Sent as the calls resource reads the page, answered by the time dlt hands the
        page on here: the page's request overlaps dlt's writing of the calls."""
        asked[_ids(page)] = client.in_background(request, _public(page))

    shared["ahead"][table.name] = ask_ahead
    passed: set[str] = shared["passed"].setdefault(table.name, set())

    @_stop_on_quota
    def per_page(page: list[dict[str, Any]]) -> Iterator[Any]:
        """The page rides along as the items' meta, for the tables built from a call and
        its transcript together."""
        public = _public(page)
        try:
            sent = asked.pop(_ids(page), None)
            found = sent.result() if sent is not None else request(public)
        except GongQuotaExhausted:
            shared["quota_stopped"]()
            raise
        # marked before handing on: dlt may resume this generator only after others ran,
        # and saved state is committed with the rows or not at all
        shared["progress"].transcribed((c["id"] for c in page), (table.name, *riders))
        for got in found:
            if table.once_per_run and table.call_key:
                got = [row for row in got if _first_time(passed, row[table.call_key])]
            whole: dict[str, dict[str, Any]] = {}
            if table.sets_aside and table.call_key:  # loaded without it, built from it
                whole = {row[table.call_key]: row for row in got}
                got = [{k: v for k, v in row.items() if k != table.sets_aside} for row in got]
            yield DataItemWithMeta(CallsPage(public, whole), got)

    per_page.__name__ = table.name
    return dlt.transformer(per_page, data_from=calls, **_hints(table, options))


def _public(page: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in page if not c.get("isPrivate")}


def _ids(page: list[dict[str, Any]]) -> tuple[str, ...]:
    return tuple(c["id"] for c in page)


# -- tables read since a saved position, and coaching ------------------------------------


def _since(
    client: GongClient, table: Table, options: LoadOptions, parent: DltResource | None
) -> DltResource:
    """A request series per value of `each` (audit logs: per log type) from that value's
    saved position minus the lookback. Gong promises no order (spec), so a value's position
    moves to the newest item only once its whole series is in. Entries naming a call the
    rules leave out are dropped page by page (`_named_kept`), and the position moves past
    them too; the retention keeps them: an audit event of a call is not its content."""
    assert table.each is not None and table.position is not None
    each, position = table.each, table.position

    @_stop_on_quota
    def series() -> Iterator[list[dict[str, Any]]]:
        state: dict[str, Any] = dlt.current.resource_state().setdefault("positions", {})
        for value in each.values:
            saved = None if options.end is not None else state.get(value)
            start = options.start
            if saved is not None:
                start = max(start, parse_instant(saved) - options.lookback)
            params = {**table.fixed, each.param: value, "fromDateTime": gong_datetime(start)}
            if options.end is not None:
                params["toDateTime"] = gong_datetime(options.end)
            newest: list[str] = []
            for items in client.items(table.endpoint, params=params):
                found = [row for item in items for row in _rows(table, item)]
                if each.column:
                    found = [{each.column: value, **row} for row in found]
                newest.extend(str(r[position]) for r in found if r.get(position))
                if table.names_call is not None:  # a page's entries of calls left out
                    found = _named_kept(client, table, found, options, _left_out(resource))
                if found:
                    yield found
            if options.end is None:
                advance(state, value, newest)

    resource = dlt.resource(series, **_hints(table, options))
    return resource


MERGE = dlt.mark.make_hints(write_disposition="merge")


def _coaching(
    client: GongClient, table: Table, options: LoadOptions, users: DltResource | None
) -> DltResource:
    """Each (workspace, manager) pair, a request per calendar month; managers are the
    users' `managerId`s, each asked once however many reports name it. A manager's
    position is saved once all its workspaces and months are in."""
    assert table.parent is not None and users is not None
    key = table.parent.key
    asked: set[str] = set()
    workspaces: list[str] = []

    @_stop_on_quota
    def metrics(page: list[dict[str, Any]]) -> Iterator[Any]:
        state: dict[str, Any] = dlt.current.resource_state().setdefault("managers", {})
        if not workspaces:  # coaching is per workspace: list them once
            (listing,) = table.also_reads
            listed = [w["id"] for items in client.items(listing) for w in items]
            wanted = _filters(table, options).get(table.filters.get("workspace_id", ""))
            workspaces.extend(w for w in listed if wanted is None or w == wanted)
        end = options.end or options.now
        for manager in dict.fromkeys(u[key] for u in page if u.get(key)):
            if manager in asked:
                continue
            asked.add(manager)
            saved = None if options.end is not None else state.get(manager)
            start = options.start
            if saved is not None:
                lookback = timedelta(days=options.stats_lookback_days)
                start = max(start, parse_instant(saved) - lookback)
            for workspace in workspaces:
                for lo, hi in months(start, end):
                    params = {"workspace-id": workspace, "manager-id": manager,
                              "from": gong_datetime(lo), "to": gong_datetime(hi)}  # fmt: skip
                    stamp = {"workspaceId": workspace, "fromDate": lo.date(), "toDate": hi.date()}
                    for items in client.items(table.endpoint, params=params):
                        found = [{**stamp, **r} for item in items for r in _rows(table, item)]
                        if found:  # merged: the users' `replace` must not pass on to it
                            yield dlt.mark.with_hints(found, MERGE)
            if options.end is None:
                state[manager] = end.isoformat()

    return dlt.transformer(metrics, data_from=users, **_hints(table, options))


@dataclass(frozen=True)
class CallsPage:
    """The `calls` rows a page of transcripts was asked for, by id."""

    calls: dict[str, dict[str, Any]]
    whole: dict[str, dict[str, Any]] = field(default_factory=dict)
    """The page's rows as read, by call id, when its table loads them without what it
    set aside (`Table.sets_aside`): the same objects for every table built from them."""


def _from_transcripts(
    client: GongClient, table: Table, options: LoadOptions, transcripts: DltResource | None
) -> DltResource:
    """Rows built from each call and its transcript, as the transcripts arrive: no request
    of their own."""
    assert transcripts is not None and (table.derive or table.frame) is not None

    def from_transcripts(found: list[dict[str, Any]], meta: Any = None) -> Iterator[Any]:
        page = meta if isinstance(meta, CallsPage) else CallsPage({})
        found = [page.whole.get(row["callId"], row) for row in found]
        if table.frame is not None:
            frame = table.frame(found)
            if frame.num_rows:
                yield frame
            return
        assert table.derive is not None
        built = [
            row
            for transcript in found
            for row in table.derive(
                page.calls.get(transcript["callId"]), transcript, options.chunk_tokens
            )
        ]
        if built:
            yield built

    from_transcripts.__name__ = table.name
    return dlt.transformer(from_transcripts, data_from=transcripts, **_hints(table, options))


# -- stats ----------------------------------------------------------------------------------


def _stats_window(table: Table, options: LoadOptions, state: dict[str, Any]) -> DateWindow | None:
    return DateWindow.plan(
        state,
        start=options.start_date,
        end=options.end_date,
        lookback_days=options.stats_lookback_days,
        today=options.today,
        period=table_period(table, options),
    )


def _stats_filter(table: Table, options: LoadOptions, start: date, end: date) -> dict[str, Any]:
    found: dict[str, Any] = {"fromDate": start.isoformat(), "toDate": end.isoformat()}
    found.update(_filters(table, options, FILTERS))
    return found


def _stats(
    client: GongClient, table: Table, options: LoadOptions, parent: DltResource | None
) -> DltResource:
    """The whole window in one request series, one row per user and period, starting at
    the company's first activity (see `activity.py`)."""
    assert table.periods_key is not None
    periods_key = table.periods_key
    period = table_period(table, options)
    probe = ActivityProbe.of(client, options)

    @_stop_on_quota
    def stats() -> Iterator[list[dict[str, Any]]]:
        state = dlt.current.resource_state()
        window = _stats_window(table, options, state)
        if window is None:
            return
        start: date | None = window.start
        if not window.resumed:  # a first run or a backfill: from the first activity on
            activity = probe(probe.first_run_start(), window.end)
            start = first_data_day(activity, window.start, period)
        if start is not None and start < window.end:
            body: dict[str, Any] = {"filter": _stats_filter(table, options, start, window.end)}
            body.update(_filters(table, options, ("aggregation_period",)))
            for items in client.items(table.endpoint, body=body):
                yield [row for user in items for row in rows.period_rows(user, periods_key)]
        window.complete(state, window.end - timedelta(days=1))

    return dlt.resource(stats, **_hints(table, options))


def _stats_per_period(
    client: GongClient, table: Table, options: LoadOptions, parent: DltResource | None
) -> DltResource:
    """No period parameter (interaction stats): a request series per period, only where
    aggregate-by-period saw activity; quiet periods are asked together and split only if
    Gong has stats there (see `activity.py`), so no row is lost when that guess is wrong."""
    period = table_period(table, options)
    probe = ActivityProbe.of(client, options)

    def ask(start: date, end: date) -> list[dict[str, Any]]:
        body = {"filter": _stats_filter(table, options, start, end)}
        return [user for items in client.items(table.endpoint, body=body) for user in items]

    def rows_of(users: list[dict[str, Any]], start: date, end: date) -> list[dict[str, Any]]:
        return [rows.interaction_row(u, start, end, period) for u in users]

    def quiet(
        start: date, end: date, found: list[dict[str, Any]] | None = None
    ) -> Iterator[list[dict[str, Any]]]:
        """Quiet periods asked together (`found`: that answer, when already asked)."""
        if found is None:
            found = ask(start, end)
        if not found:
            return
        spans = period_spans(start, end, period)
        if len(spans) == 1:
            yield rows_of(found, start, end)
            return
        logger.info(
            "%s between %s and %s, where aggregate-by-period saw no activity: asking its "
            "periods separately",
            table.name,
            start,
            end,
        )
        middle = spans[len(spans) // 2][0]
        yield from quiet(start, middle)
        yield from quiet(middle, end)

    @_stop_on_quota
    def stats() -> Iterator[list[dict[str, Any]]]:
        state = dlt.current.resource_state()
        window = _stats_window(table, options, state)
        if window is None:
            return
        begin = window.start if window.resumed else probe.first_run_start()
        activity = probe(begin, window.end)
        asks = list(interaction_asks(window.start, window.end, period, activity))
        # the periods are independent requests: asked side by side, used in order, and the
        # position moves only past periods whose answers are in
        answers = client.ahead(lambda each: ask(each.start, each.end), asks)
        for each, found in zip(asks, answers, strict=True):
            if each.gap:
                yield from quiet(each.start, each.end, found)
            elif found:
                yield rows_of(found, each.start, each.end)
            window.complete(state, each.end - timedelta(days=1))

    return dlt.resource(stats, **_hints(table, options))


def _scorecards_window(options: LoadOptions, state: Mapping[str, Any]) -> DateWindow | None:
    """By review date; no reviewToDate is sent (reviews up to now come back), so the
    window may end today, and what is saved is yesterday."""
    return DateWindow.plan(
        dict(state),
        start=options.start_date,
        end=options.end_date,
        lookback_days=max(1, options.lookback.days),
        today=options.today + timedelta(days=1),
    )


def scorecards_filter(
    table: Table, options: LoadOptions, state: Mapping[str, Any]
) -> dict[str, Any]:
    """The answered-scorecards filter of a run with this saved state (also `--plan`'s)."""
    window = _scorecards_window(options, state)
    start = window.start if window is not None else options.today
    found: dict[str, Any] = {"reviewFromDate": start.isoformat(), "reviewMethod": "BOTH"}
    if window is not None and window.backfill:
        found["reviewToDate"] = window.end.isoformat()
    found.update(_filters(table, options))
    return found


def _answered_scorecards(
    client: GongClient, table: Table, options: LoadOptions, parent: DltResource | None
) -> DltResource:
    @_stop_on_quota
    def answered_scorecards() -> Iterator[list[dict[str, Any]]]:
        """By review date, manual and automatic reviews alike (Gong defaults to MANUAL)."""
        state = dlt.current.resource_state()
        window = _scorecards_window(options, state)
        if window is None:
            return
        body_filter = scorecards_filter(table, options, state)
        for items in client.items(table.endpoint, body={"filter": body_filter}):
            kept = _named_kept(client, table, items, options, _left_out(resource))
            if kept:
                yield kept
        window.complete(state, window.end - timedelta(days=1))

    resource = dlt.resource(answered_scorecards, **_hints(table, options))
    return resource


def _named_kept(
    client: GongClient,
    table: Table,
    found: list[dict[str, Any]],
    options: LoadOptions,
    left_out: LeftOut,
) -> list[dict[str, Any]]:
    """Rows that name a call (`Table.names_call`) without those of calls the rules leave
    out, or, where the retention applies, of calls started before it. What the rows say
    (a scorecard's `callStartTime`, a folder call's `title`) asks nothing; what they do not
    (the parties; a title or a start they do not carry) is asked of Gong for all their
    calls at once (one request: a page holds 100 rows at most; a library's calls, 100 a
    request), and only when a rule or the retention needs it."""
    names = table.names_call
    assert names is not None
    retained = options.retained_from if names.retained else None
    kept = found
    if retained is not None and names.started is not None:
        kept = [r for r in kept if not _started_before(r.get(names.started), retained)]
    if names.asks(options.exclude, retained is not None):
        ids = list(dict.fromkeys(i for i in map(names.of, found) if i))
        before = retained if names.started is None else None
        gone = left_out_calls(client, options, ids, before) if ids else set()
        kept = [r for r in kept if names.of(r) not in gone]
    elif options.exclude and names.title is not None:  # the rows say all the rules read
        kept = [r for r in kept if not options.exclude.excludes_title(r.get(names.title))]
    if len(kept) < len(found):
        left_out.count(table.name, len(found) - len(kept))
    return kept


def left_out_calls(
    client: GongClient, options: LoadOptions, ids: list[str], before: datetime | None = None
) -> set[str]:
    """Which of these calls the rules leave out, or (`before`) started before then, asked
    of Gong 100 calls a request: metaData (the title, `started`), and the parties when a
    rule reads them. A call Gong no longer lists (deleted) is not among them."""
    selector: dict[str, Any] = {}
    if options.exclude.by_party:
        selector["contentSelector"] = {"exposedFields": {"parties": True}}
    found: set[str] = set()
    for i in range(0, len(ids), CALL_IDS_PER_REQUEST):
        body = {"filter": {"callIds": ids[i : i + CALL_IDS_PER_REQUEST]}, **selector}
        for page in client.items(CALLS_TABLE.endpoint, body=body):
            found.update(
                str(call["id"])
                for call in map(rows.call_row, page)
                if options.exclude.excludes(call)
                or (before is not None and _started_before(call.get("started"), before))
            )
    return found


def _started_before(value: Any, moment: datetime) -> bool:
    return isinstance(value, str) and bool(value) and parse_instant(value) < moment


Builder = Callable[[GongClient, Table, LoadOptions, DltResource | None], DltResource]
BUILDERS: dict[Kind, Builder] = {
    "full_refresh": _full_refresh,
    "per_parent": _per_parent,
    "calls": _calls,
    "call_pages": _call_pages,
    "from_transcripts": _from_transcripts,
    "batched": _batched,
    "stats": _stats,
    "stats_per_period": _stats_per_period,
    "scorecards": _answered_scorecards,
    "since": _since,
    "coaching": _coaching,
}
"""The builder of each kind of table; a test holds it to every `Kind`."""


__all__ = [
    "BY_NAME",
    "GongApiKeyCredentials",
    "GongOAuthCredentials",
    "build_resources",
    "client_of",
    "gong_source",
    "options_of",
]
