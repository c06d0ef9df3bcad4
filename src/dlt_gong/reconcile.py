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
  A call made private loses its transcript, and its row too unless
  `include_private_calls`; a deleted call also takes its answered scorecards (Gong keeps
  those of a private call, and so do we). Each table's row in the catalogue says which.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import dlt
from dlt.destinations.exceptions import DatabaseUndefinedRelation
from dlt.extract.resource import DltResource

from dlt_gong import endpoints as ep
from dlt_gong import lake
from dlt_gong.client import GongClient
from dlt_gong.errors import GongAuthError, GongQuotaExhausted
from dlt_gong.options import LoadOptions
from dlt_gong.tables import BY_NAME, TABLES, Table
from dlt_gong.windows import gong_datetime

logger = logging.getLogger("dlt_gong")

REMOVED = "_gong_removed"
"""The tombstone column: True on a row that tells dlt's merge to delete its key."""
TOMBSTONE_COLUMNS: dict[str, Any] = {
    REMOVED: {"data_type": "bool", "nullable": True, "hard_delete": True}
}

ID_CHUNK = 500
CALL_TABLES = tuple(t.name for t in TABLES if t.call_key)
"""Tables whose rows belong to a call: loading any of them brings the reconcile pass."""


def column_hints(table: Table) -> dict[str, Any]:
    """The tombstone column for a table whose rows belong to a call. Every resource that
    writes the table declares it: dlt keeps a column hint only if the table's own resource
    has it too (with only the tombstones' resource declaring it, a run where that resource
    was extracted first inserted the tombstones instead of deleting)."""
    return {"columns": TOMBSTONE_COLUMNS} if table.call_key else {}


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
    it read without the hint (merged: updated, nothing removed) and lets the stop go on."""
    found: list[dict[str, Any]] = []
    try:
        for items in read:
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
    """Loaded calls Gong no longer serves: `deleted` ones and ones made `private`."""

    deleted: tuple[str, ...]
    private: tuple[str, ...]
    checked: int = 0
    """The loaded calls compared."""

    def of(self, table: Table, options: LoadOptions) -> tuple[str, ...]:
        """The calls whose rows go from `table` (its catalogue row says what a private
        call keeps)."""
        drop_private = table.private_calls == "removed" or (
            table.private_calls == "include_private_calls" and not options.include_private_calls
        )
        return tuple(sorted((*self.deleted, *self.private))) if drop_private else self.deleted


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
    removed: dict[str, int] = field(default_factory=dict)
    """Rows removed per table (tombstones loaded)."""

    @property
    def days(self) -> float:
        return (self.span.end - self.span.start).total_seconds() / 86400


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
    for each table whose rows belong to a call, a transformer of tombstones into it.

    A run that follows one the daily quota stopped skips the recent-window pass, so that a
    backlog gets the whole quota (with a small quota the pass could take every day's share
    and the load would never catch up); the pass runs again once a run completes. An
    explicit `reconcile_from` range always runs."""
    span = window(options)
    wanted = [t for t in TABLES if t.call_key and t.name in options.tables]
    if span is None or not wanted:
        return []
    built = time.time()  # a stop noted before this is an earlier run's
    tally = Tally(span)

    def gone_calls() -> Iterator[Gone]:
        state = dlt.current.source_state()
        stopped = state.get(QUOTA_STOPPED)
        if stopped is not None and stopped < built:
            del state[QUOTA_STOPPED]
            if options.reconcile_from is None:
                logger.info("reconcile skipped: the last run was stopped by the daily quota")
                tally.skipped = "the last run was stopped by the daily quota"
                return
        try:
            found = find_gone(client, options, span)
        except GongQuotaExhausted as exc:  # a partial list proves nothing: remove nothing
            logger.info("reconcile of deleted calls skipped: %s", exc)
            tally.skipped = "the daily quota ran out"
            note_quota_stop()
            return
        except GongAuthError as exc:  # e.g. a key for answered scorecards only
            logger.warning("reconcile of deleted calls skipped: %s", exc)
            tally.skipped = f"the key may not list calls ({exc.scope or exc.status})"
            return
        tally.ran, tally.checked = True, found.checked
        tally.deleted, tally.private = len(found.deleted), len(found.private)
        if found.deleted or found.private:
            logger.info("reconcile: %d loaded calls were deleted in Gong, %d are private",
                        len(found.deleted), len(found.private))  # fmt: skip
            yield found

    parent = dlt.resource(gone_calls, name="gone_calls", selected=False)
    parent.gong_tally = tally  # type: ignore[attr-defined]
    return [parent, *(_tombstones(table, options, parent, tally) for table in wanted)]


def _tombstones(
    table: Table, options: LoadOptions, parent: DltResource, tally: Tally
) -> DltResource:
    def count(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
        tally.removed[table.name] = tally.removed.get(table.name, 0) + len(found)
        return found

    def tombstones(gone: Gone) -> Iterator[list[dict[str, Any]]]:
        calls = gone.of(table, options)
        if not calls:
            return
        if lake.in_delta():  # Delta tables: deleted there, child rows first (see lake.py)
            lake.remove(dlt.current.pipeline(), table, calls)
            return
        key = table.primary_key
        if key == (table.call_key,):
            yield count([{key[0]: call, REMOVED: True} for call in calls])
            return
        for keys in _loaded_keys(table, calls):
            yield count([{**dict(zip(key, values, strict=True)), REMOVED: True} for values in keys])

    # the table's own hints (a hint only one of two resources declares may be lost)
    hints: dict[str, Any] = {"merge_key": table.merge_key} if table.merge_key else {}
    return dlt.transformer(
        tombstones,
        data_from=parent,
        name=f"{table.name}_removed",
        table_name=table.name,
        primary_key=list(table.primary_key),
        write_disposition="merge",
        columns=TOMBSTONE_COLUMNS,
        **hints,
    )


def find_gone(client: GongClient, options: LoadOptions, span: Window) -> Gone:
    """Compares the calls loaded in `span` with the calls Gong lists there now; lists
    nothing (spends no request) when nothing is loaded there.

    The list comes from `POST /v2/calls/extensive` without a contentSelector (metaData
    only: id and isPrivate are all this needs), not from `GET /v2/calls`: the same scope
    as the calls table (the basic one may not be granted), and its `fromDateTime` filters
    on the call's start, as the calls were loaded (spec: /v2/calls/extensive filter;
    `GET /v2/calls` filters web conferences on their scheduled time instead)."""
    loaded = loaded_calls(span, options.workspace_id)
    if not loaded:
        return Gone((), ())
    body_filter = {"fromDateTime": gong_datetime(span.start), "toDateTime": gong_datetime(span.end)}
    if options.workspace_id:
        body_filter["workspaceId"] = options.workspace_id
    present: set[str] = set()
    private: set[str] = set()
    for items in client.items(ep.CALLS_EXTENSIVE, body={"filter": body_filter}):
        for call in items:
            meta = call.get("metaData") or {}
            present.add(str(meta["id"]))
            if meta.get("isPrivate"):
                private.add(str(meta["id"]))
    deleted = tuple(c for c in loaded if c not in present)
    return Gone(deleted, tuple(c for c in loaded if c in private), checked=len(loaded))


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
    columns = _columns("calls")
    if not {"id", "started"} <= columns:
        return []
    if lake.in_delta():
        return lake.loaded_calls(dlt.current.pipeline(), span.start, span.end, workspace_id)
    where = ["started >= %s", "started < %s"]
    args: list[Any] = [span.start, span.end]
    if workspace_id and "workspace_id" in columns:
        where.append("workspace_id = %s")
        args.append(workspace_id)
    sql = _sql()
    if sql is None:
        return []
    try:
        with sql:
            table = sql.make_qualified_table_name("calls")
            found = sql.execute_sql(f"SELECT id FROM {table} WHERE {' AND '.join(where)}", *args)
    except DatabaseUndefinedRelation:
        return []
    return sorted(str(row[0]) for row in found or [])


def _loaded_keys(table: Table, calls: Sequence[str]) -> Iterator[list[tuple[Any, ...]]]:
    """The primary keys of `table`'s loaded rows that belong to `calls`."""
    naming = dlt.current.source_schema().naming
    call_column = naming.normalize_identifier(table.call_key or "")
    key_columns = [naming.normalize_identifier(k) for k in table.primary_key]
    if not {call_column, *key_columns} <= _columns(table.name):
        return
    sql = _sql()
    if sql is None:
        return
    try:
        with sql:
            name = sql.make_qualified_table_name(table.name)
            for i in range(0, len(calls), ID_CHUNK):
                chunk = list(calls[i : i + ID_CHUNK])
                marks = ", ".join(["%s"] * len(chunk))
                query = (
                    f"SELECT {', '.join(key_columns)} FROM {name} WHERE {call_column} IN ({marks})"
                )
                found = sql.execute_sql(query, *chunk)
                if found:
                    yield [tuple(row) for row in found]
    except DatabaseUndefinedRelation:
        return
