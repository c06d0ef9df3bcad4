"""Rows gone from Gong are gone from the destination.

Two kinds of table lose rows in Gong, and each is reconciled its own way:

* Full-refresh tables (users, settings, library, outcomes) are read whole on every run.
  Read to the end, a table is loaded with dlt's `replace`, which empties it and its child
  tables first, so a row removed in Gong is gone. A read the daily quota cut short (or
  whose parent table was cut short) is merged instead: it updates what it read and
  removes nothing, so a partial read never passes for the whole table. Under a
  `workspace_id` scope, the workspace-scoped tables merge too, so that a load of one
  workspace never empties another's rows.

* Calls are read by a moving start-time window, so a call deleted in Gong, or made
  private, after it was loaded would never be read again. A reconcile pass lists the
  call ids Gong has now in a window (the last `reconcile_days`, or the explicit
  `reconcile_from`..`reconcile_to`) with `POST /v2/calls/extensive` asking for metaData
  only, 100 calls a request, compares
  them with the calls the destination holds in that window, and loads tombstones: rows
  of the missing ids whose `_gong_removed` column carries dlt's `hard_delete` hint. dlt's
  merge then deletes those rows and their child rows (`calls__*`, the transcript and its
  sentences) in the same load as the rest of the run: nothing runs after the load, so a
  run killed at any point leaves nothing half done (the next run compares again).
  A table whose catalogue row says `removal="deleted"` (the transcript chunks, for
  LanceDB's sake) has those rows deleted from the destination directly instead, before
  the load (`removal.py`), as Delta tables have all of theirs (`lake.py`).
  A call made private loses its transcript, and its row too unless
  `include_private_calls`; a deleted call also takes its answered scorecards (Gong keeps
  those of a private call, and so do we). Each table's row in the catalogue says which.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import dlt
from dlt.destinations.exceptions import DatabaseUndefinedRelation
from dlt.extract.resource import DltResource

from dlt_gong import endpoints as ep
from dlt_gong import lake, removal
from dlt_gong.client import GongClient, Restarted
from dlt_gong.errors import GongAuthError, GongQuotaExhausted
from dlt_gong.options import LoadOptions
from dlt_gong.personal_data import PersonalData, note_mode
from dlt_gong.removal import ID_CHUNK
from dlt_gong.tables import BY_NAME, STATS_KINDS, TABLES, Table
from dlt_gong.windows import gong_datetime

logger = logging.getLogger("dlt_gong")

REMOVED = "_gong_removed"
"""The tombstone column: True on a row that tells dlt's merge to delete its key."""
TOMBSTONE_COLUMNS: dict[str, Any] = {
    REMOVED: {"data_type": "bool", "nullable": True, "hard_delete": True}
}

CALL_TABLES = tuple(t.name for t in TABLES if t.call_key)
"""Tables whose rows belong to a call: loading any of them brings the reconcile pass."""


def column_hints(table: Table, options: LoadOptions) -> dict[str, Any]:
    """The tombstone column for a table whose rows belong to a call, and for a stats table
    under a retention. Every resource that writes the table declares it: dlt keeps a
    column hint only if the table's own resource has it too (with only the tombstones'
    resource declaring it, a run where that resource was extracted first inserted the
    tombstones instead of deleting)."""
    tombstoned = removes_rows(table, options) and table.removal == "tombstones"
    return {"columns": TOMBSTONE_COLUMNS} if tombstoned else {}


def removes_rows(table: Table, options: LoadOptions) -> bool:
    """Whether a run may load tombstones into `table`."""
    return bool(table.call_key) or (options.retained_from is not None and table.kind in STATS_KINDS)


# -- full-refresh tables ------------------------------------------------------------------


def replaces(table: Table, options: LoadOptions) -> bool:
    """Whether a whole read of `table` may replace it: not when a workspace scope reads
    only part of it (then rows of other workspaces would be emptied)."""
    scoped = "workspace_id" in table.filters or (
        table.parent is not None and "workspace_id" in BY_NAME[table.parent.table].filters
    )
    return not (scoped and options.workspace_id)


def whole_table(
    read: Iterator[list[dict[str, Any]]], replace: bool
) -> Iterator[list[dict[str, Any]] | Any]:
    """Reads a full-refresh table to its end and yields it as one item, hinted `replace`
    (an empty table too: dlt then empties it). Stopped by the daily quota, it yields what
    it read without the hint (merged: updated, nothing removed) and lets the stop go on.

    Where the paging sequence starts again from its first page (Gong refused its cursor:
    `Restarted`), the rows read before are dropped: under `replace` both reads would be
    loaded."""
    found: list[dict[str, Any]] = []
    try:
        for items in read:
            if isinstance(items, Restarted):
                found.clear()
            found.extend(items)
    except GongQuotaExhausted:
        if found:
            yield found
        raise
    if replace:
        yield dlt.mark.with_hints(found, dlt.mark.make_hints(write_disposition="replace"))
    elif found:
        yield found


# -- calls --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """The call starts a reconcile pass covers, `start` inclusive, `end` exclusive."""

    start: datetime
    end: datetime


def window(options: LoadOptions) -> Window | None:
    """The explicit range when one is given, else the last `reconcile_days` (None: off)."""
    if options.reconcile_from is not None:
        return Window(options.reconcile_from, options.reconcile_to or options.now)
    if options.reconcile_days <= 0:
        return None
    return Window(options.now - timedelta(days=options.reconcile_days), options.now)


@dataclass(frozen=True)
class Gone:
    """Loaded calls whose rows go: `deleted` in Gong and made `private` there, `excluded`
    by a rule added since they were loaded, and `expired` past the retention."""

    deleted: tuple[str, ...]
    private: tuple[str, ...]
    checked: int = 0
    """The loaded calls compared."""
    excluded: tuple[str, ...] = ()
    expired: tuple[str, ...] = ()
    expired_elsewhere: tuple[str, ...] = ()
    """Expired calls only tables other than `calls` name (an answered scorecard of a call
    never loaded): looked up where a table's rows are found by their call."""

    def of(self, table: Table, options: LoadOptions) -> tuple[str, ...]:
        """The calls whose rows go from `table` (its catalogue row says what a private
        call keeps; a call left out by rule or age keeps nothing)."""
        drop_private = table.private_calls == "removed" or (
            table.private_calls == "include_private_calls" and not options.include_private_calls
        )
        found = {*self.deleted, *self.excluded, *self.expired}
        if table.primary_key != (table.call_key,):
            found.update(self.expired_elsewhere)
        if drop_private:
            found.update(self.private)
        return tuple(sorted(found))

    def __bool__(self) -> bool:
        return any((self.deleted, self.private, self.excluded, self.expired,
                    self.expired_elsewhere))  # fmt: skip


@dataclass
class Tally:
    """What a run's reconcile pass did, for the summary: the span it checked and the
    rows it removed per table (tombstones, counted apart from the rows loaded)."""

    span: Window
    ran: bool = False
    """Whether the pass compared at all (not skipped after a quota stop, not cut short)."""
    skipped: str | None = None
    """Why it did not run, when it did not."""
    checked: int = 0
    """Loaded calls compared with Gong's list."""
    deleted: int = 0
    private: int = 0
    excluded: int = 0
    """Loaded calls removed because a rule now leaves them out."""
    expired: int = 0
    """Loaded calls removed because they started before the retention."""
    removed_calls: int = 0
    """Rows of `calls` removed as deleted or made private in Gong."""
    removed: dict[str, int] = field(default_factory=dict)
    """Rows removed per table."""
    tombstones: dict[str, int] = field(default_factory=dict)
    """Of those, the ones removed by tombstones: rows dlt loads to delete one (the others
    were deleted from the destination directly: `removal.py`, Delta tables)."""

    def count(self, table: str, rows: int, *, tombstones: bool) -> None:
        """Counts `rows` removed from `table`, by tombstones or directly."""
        self.removed[table] = self.removed.get(table, 0) + rows
        if tombstones:
            self.tombstones[table] = self.tombstones.get(table, 0) + rows

    @property
    def days(self) -> float:
        return (self.span.end - self.span.start).total_seconds() / 86400

    @property
    def reconciles(self) -> bool:
        """Whether the pass compares with Gong at all (`reconcile_days` not 0)."""
        return self.span.end > self.span.start


def tally_of(source: Any) -> Tally | None:
    """The reconcile tally of a `gong_source` (None: no reconcile pass in this load)."""
    for resource in source.resources.values():
        found = getattr(resource, "gong_tally", None)
        if isinstance(found, Tally):
            return found
    return None


QUOTA_STOPPED = "quota_stopped_at"
"""Source state: when a run was last stopped by the daily quota (epoch seconds)."""


def note_quota_stop() -> None:
    """Remembers that this run was stopped by the daily quota (see `removal_resources`)."""
    dlt.current.source_state()[QUOTA_STOPPED] = time.time()


def removal_resources(client: GongClient, options: LoadOptions) -> list[DltResource]:
    """The reconcile pass: a resource that finds the gone calls (never loaded itself) and,
    for each table whose rows belong to a call, a transformer of tombstones into it; under
    a retention, one into each stats table too.

    A run that follows one the daily quota stopped skips the recent-window comparison with
    Gong, so that a backlog gets the whole quota (with a small quota the pass could take
    every day's share and the load would never catch up); it runs again once a run
    completes. An explicit `reconcile_from` range always runs. The calls a rule or the
    retention removes are found in the destination alone, without a request, on every run."""
    span = window(options)
    wanted = [t for t in TABLES if removes_rows(t, options) and t.name in options.tables]
    privacy = bool(options.exclude) or options.retained_from is not None
    if (span is None and not privacy) or not wanted:
        return []
    built = time.time()  # a stop noted before this is an earlier run's
    tally = Tally(span or Window(options.now, options.now))

    def compared() -> tuple[Gone, set[str]]:
        """Gong's deleted and private calls of the window, and which of its calls the
        rules leave out (nothing when the comparison does not run)."""
        nothing: tuple[Gone, set[str]] = (Gone((), ()), set())
        if span is None:
            return nothing
        state = dlt.current.source_state()
        stopped = state.get(QUOTA_STOPPED)
        if stopped is not None and stopped < built:
            del state[QUOTA_STOPPED]
            if options.reconcile_from is None:
                logger.info("reconcile skipped: the last run was stopped by the daily quota")
                tally.skipped = "the last run was stopped by the daily quota"
                return nothing
        try:
            found, ruled = find_gone(client, options, span)
        except GongQuotaExhausted as exc:  # a partial list proves nothing: remove nothing
            logger.info("reconcile of deleted calls skipped: %s", exc)
            tally.skipped = "the daily quota ran out"
            note_quota_stop()
            return nothing
        except GongAuthError as exc:  # e.g. a key for answered scorecards only
            logger.warning("reconcile of deleted calls skipped: %s", exc)
            tally.skipped = f"the key may not list calls ({exc.scope or exc.status})"
            return nothing
        tally.ran, tally.checked = True, found.checked
        tally.deleted, tally.private = len(found.deleted), len(found.private)
        if found.deleted or found.private:
            logger.info("reconcile: %d loaded calls were deleted in Gong, %d are private",
                        len(found.deleted), len(found.private))  # fmt: skip
        return found, ruled

    def gone_calls() -> Iterator[Gone]:
        note_mode()  # before its request: a load refused for mixing data asks nothing
        found, ruled = compared()
        personal = getattr(parent, "gong_personal", None)
        excluded = sorted(ruled | set(loaded_left_out(options, personal)))
        expired, elsewhere = loaded_expired(options)
        tally.excluded, tally.expired = len(excluded), len(expired)
        tally.removed_calls = len(Gone(found.deleted, found.private).of(BY_NAME["calls"], options))
        gone = Gone(found.deleted, found.private, found.checked, tuple(excluded),
                    tuple(expired), tuple(elsewhere))  # fmt: skip
        if gone or options.retained_from is not None:  # (the stats' old periods go too)
            yield gone

    parent = dlt.resource(gone_calls, name="gone_calls", selected=False)
    parent.gong_tally = tally  # type: ignore[attr-defined]
    return [
        parent,
        *(
            _tombstones(table, options, parent, tally)
            if table.call_key
            else _expired_periods(table, options, parent, tally)
            for table in wanted
        ),
    ]


def _removals(
    table: Table, parent: DltResource, tally: Tally, tombstones: Callable[..., Iterator[Any]]
) -> DltResource:
    """The transformer that loads `tombstones`' rows into `table`, counted in `tally`,
    with the table's own hints (a hint only one of two resources declares may be lost)."""

    def counted(gone: Gone) -> Iterator[list[dict[str, Any]]]:
        for found in tombstones(gone):
            tally.count(table.name, len(found), tombstones=True)
            yield found

    hints: dict[str, Any] = {"merge_key": table.merge_key} if table.merge_key else {}
    if table.removal == "tombstones":
        hints["columns"] = TOMBSTONE_COLUMNS
    return dlt.transformer(
        counted,
        data_from=parent,
        name=f"{table.name}_removed",
        table_name=table.name,
        primary_key=list(table.primary_key),
        write_disposition="merge",
        **hints,
    )


def _tombstones(
    table: Table, options: LoadOptions, parent: DltResource, tally: Tally
) -> DltResource:
    def tombstones(gone: Gone) -> Iterator[list[dict[str, Any]]]:
        calls = gone.of(table, options)
        if not calls:
            return
        if table.removal == "deleted" or lake.in_delta():  # deleted there (removal.py)
            deleted = removal.delete_calls(dlt.current.pipeline(), table, calls)
            tally.count(table.name, deleted, tombstones=False)
            return
        key = table.primary_key
        if key == (table.call_key,):
            yield [{key[0]: call, REMOVED: True} for call in calls]
            return
        assert table.call_key is not None
        for keys in _loaded_keys(table, table.call_key, calls):
            yield [{**dict(zip(key, values, strict=True)), REMOVED: True} for values in keys]

    return _removals(table, parent, tally, tombstones)


def _expired_periods(
    table: Table, options: LoadOptions, parent: DltResource, tally: Tally
) -> DltResource:
    """Tombstones of a stats table's rows of periods that ended before the retention's
    first day (the period holding that day stays: part of it is kept, and the stats
    window asks for it whole)."""
    retained = options.retained_from
    assert retained is not None

    def tombstones(gone: Gone) -> Iterator[list[dict[str, Any]]]:
        if lake.in_delta():  # Delta tables: deleted there (see lake.py)
            column = dlt.current.source_schema().naming.normalize_identifier("toDate")
            deleted = lake.remove_periods(dlt.current.pipeline(), table.name, column,
                                          retained.date())  # fmt: skip
            tally.count(table.name, deleted, tombstones=False)
            return
        key = table.primary_key
        for keys in _loaded_keys(table, "toDate", [retained.date()], "<="):
            yield [{**dict(zip(key, values, strict=True)), REMOVED: True} for values in keys]

    return _removals(table, parent, tally, tombstones)


def loaded_left_out(options: LoadOptions, personal: PersonalData | None) -> list[str]:
    """Ids of loaded calls the rules leave out (loaded before a rule was added), read from
    the destination: their titles, and their parties' addresses. Hashed addresses are
    compared with the hashes of the rules' addresses; a domain cannot be read from a hash,
    so then only the calls of the reconcile window are matched by domain (Gong's list)."""
    rules = options.exclude
    if not rules:
        return []
    naming = dlt.current.source_schema().naming
    title, email = naming.normalize_identifier("title"), naming.normalize_identifier("emailAddress")
    if not {"id", title} <= _columns("calls"):
        return []
    by_party = rules.by_party and {email, "_dlt_parent_id"} <= _columns("calls__parties")
    loaded = _loaded_titles_and_addresses(title, email if by_party else None)
    if loaded is None:
        return []
    titles, addresses = loaded
    hashed = {personal.email(a) for a in rules.addresses} if personal is not None else set()
    found = {call for call, text in titles if rules.excludes_title(text)}
    found.update(
        call
        for call, address in addresses
        if address in hashed or (personal is None and rules.excludes_address(address))
    )
    return sorted(found)


Pairs = list[tuple[str, Any]]


def _loaded_titles_and_addresses(title: str, email: str | None) -> tuple[Pairs, Pairs] | None:
    """(call id, title) of every loaded call and, when `email` is given, (call id, party
    address) of every loaded party; None when the destination cannot be read."""
    if lake.in_delta():
        pipeline = dlt.current.pipeline()
        parties = lake.parties_and(pipeline, email) if email else []
        return lake.calls_and(pipeline, title), parties
    sql = _sql()
    if sql is None:
        return None
    try:
        with sql:
            calls = sql.make_qualified_table_name("calls")
            titles = [(str(c), t) for c, t in sql.execute_sql(f"SELECT id, {title} FROM {calls}")
                      or []]  # fmt: skip
            addresses: Pairs = []
            if email:
                parties = sql.make_qualified_table_name("calls__parties")
                query = (f"SELECT c.id, p.{email} FROM {parties} p JOIN {calls} c "
                         "ON p._dlt_parent_id = c._dlt_id")  # fmt: skip
                addresses = [(str(c), a) for c, a in sql.execute_sql(query) or []]
    except DatabaseUndefinedRelation:
        return None
    return titles, addresses


def loaded_expired(options: LoadOptions) -> tuple[list[str], list[str]]:
    """Ids of loaded calls that started before the retention's start: those of the calls
    table, and those only answered scorecards name (a private call's, or one older than
    the calls loaded)."""
    retained = options.retained_from
    if retained is None:
        return [], []
    oldest = datetime(1970, 1, 1, tzinfo=retained.tzinfo)
    calls = _calls_started(oldest, retained, None, "calls", "id", "started")
    naming = dlt.current.source_schema().naming
    scored = _calls_started(oldest, retained, None, "answered_scorecards",
                            naming.normalize_identifier("callId"),
                            naming.normalize_identifier("callStartTime"))  # fmt: skip
    return calls, sorted(set(scored) - set(calls))


def find_gone(client: GongClient, options: LoadOptions, span: Window) -> tuple[Gone, set[str]]:
    """Compares the calls loaded in `span` with the calls Gong lists there now; lists
    nothing (spends no request) when nothing is loaded there.

    The list comes from `POST /v2/calls/extensive` without a contentSelector (metaData
    only: id and isPrivate are all this needs), not from `GET /v2/calls`: the same scope
    as the calls table (the basic one may not be granted), and its `fromDateTime` filters
    on the call's start, as the calls were loaded (spec: /v2/calls/extensive filter;
    `GET /v2/calls` filters web conferences on their scheduled time instead)."""
    loaded = loaded_calls(span, options.workspace_id)
    if not loaded:
        return Gone((), ()), set()
    present: set[str] = set()
    private: set[str] = set()
    ruled: set[str] = set()
    for items in client.items(ep.CALLS_EXTENSIVE, body=listing(options, span)):
        for call in items:
            meta = call.get("metaData") or {}
            present.add(str(meta["id"]))
            if meta.get("isPrivate"):
                private.add(str(meta["id"]))
            if options.exclude and options.exclude.excludes({**meta, **call}):
                ruled.add(str(meta["id"]))
    deleted = tuple(c for c in loaded if c not in present)
    gone = Gone(deleted, tuple(c for c in loaded if c in private), checked=len(loaded))
    return gone, {c for c in loaded if c in ruled}


def listing(options: LoadOptions, span: Window) -> dict[str, Any]:
    """The body of the pass's list of Gong's calls: metaData only, and the parties when a
    rule reads them (the same requests: what a page holds, not how many pages)."""
    body_filter = {"fromDateTime": gong_datetime(span.start), "toDateTime": gong_datetime(span.end)}
    if options.workspace_id:
        body_filter["workspaceId"] = options.workspace_id
    body: dict[str, Any] = {"filter": body_filter}
    if options.exclude.by_party:
        body["contentSelector"] = {"exposedFields": {"parties": True}}
    return body


def _sql() -> Any:
    """The destination's SQL client, or None for a destination without one."""
    pipeline = dlt.current.pipeline()
    try:
        return pipeline.sql_client(dlt.current.source_schema().name)
    except Exception as exc:  # e.g. a filesystem destination: nothing to compare with
        logger.warning("the destination cannot be queried (%s): calls deleted in Gong are "
                       "not removed from it", exc)  # fmt: skip
        return None


def _columns(table: str) -> set[str]:
    """The columns the destination has for `table`, as the schema being extracted knows
    them (empty on a first run)."""
    schema = dlt.current.source_schema()
    return set(schema.tables.get(table, {}).get("columns", {}))


def loaded_calls(span: Window, workspace_id: str | None) -> list[str]:
    """Ids of the loaded calls that started in `span`, in this workspace if scoped."""
    return _calls_started(span.start, span.end, workspace_id, "calls", "id", "started")


def _calls_started(
    start: datetime, end: datetime, workspace_id: str | None, table: str, call: str, started: str
) -> list[str]:
    """The `call` ids of `table`'s loaded rows whose `started` is in [start, end)."""
    columns = _columns(table)
    if not {call, started} <= columns:
        return []
    if lake.in_delta():
        if table != "calls":
            return []
        return lake.loaded_calls(dlt.current.pipeline(), start, end, workspace_id)
    where = [f"{started} >= %s", f"{started} < %s"]
    args: list[Any] = [start, end]
    if workspace_id and "workspace_id" in columns:
        where.append("workspace_id = %s")
        args.append(workspace_id)
    sql = _sql()
    if sql is None:
        return []
    try:
        with sql:
            name = sql.make_qualified_table_name(table)
            found = sql.execute_sql(
                f"SELECT DISTINCT {call} FROM {name} WHERE {' AND '.join(where)}", *args
            )
    except DatabaseUndefinedRelation:
        return []
    return sorted(str(row[0]) for row in found or [])


def _loaded_keys(
    table: Table, column: str, values: Sequence[Any], compare: str = "IN"
) -> Iterator[list[tuple[Any, ...]]]:
    """The primary keys of `table`'s loaded rows whose `column` (Gong's name) is among
    `values` (`IN`), or at most the one value (`<=`)."""
    naming = dlt.current.source_schema().naming
    call_column = naming.normalize_identifier(column)
    key_columns = [naming.normalize_identifier(k) for k in table.primary_key]
    if not {call_column, *key_columns} <= _columns(table.name):
        return
    sql = _sql()
    if sql is None:
        return
    try:
        with sql:
            name = sql.make_qualified_table_name(table.name)
            for i in range(0, len(values), ID_CHUNK):
                chunk = list(values[i : i + ID_CHUNK])
                marks = ", ".join(["%s"] * len(chunk))
                where = f"{call_column} IN ({marks})" if compare == "IN" else f"{call_column} <= %s"
                query = f"SELECT {', '.join(key_columns)} FROM {name} WHERE {where}"
                found = sql.execute_sql(query, *chunk)
                if found:
                    yield [tuple(row) for row in found]
    except DatabaseUndefinedRelation:
        return
