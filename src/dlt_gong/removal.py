"""Rows of removed calls deleted from the destination directly, not by tombstones.

Most tables lose a removed call's rows through tombstones that dlt's merge deletes in the
load (`reconcile.py`). A table whose catalogue row says `removal="deleted"` must not get
the tombstone column: on dlt's LanceDB destination that column stops a merge from dropping
a re-chunked call's old chunks. Its rows are deleted here instead, by the reconcile pass,
before the load: on a SQL destination with a DELETE, on LanceDB with its table's own
delete, on Delta tables by `lake.remove`. A run that fails after this has still removed
only rows that were to go; the next run finds nothing more of them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import dlt
from dlt.common.schema.utils import get_nested_tables
from dlt.destinations.exceptions import DatabaseUndefinedRelation

from dlt_gong import lake
from dlt_gong.tables import Table

logger = logging.getLogger("dlt_gong")

ID_CHUNK = 500
"""Call ids a statement names at most (the reconcile pass's lookups too)."""


def delete_calls(pipeline: dlt.Pipeline, table: Table, calls: Sequence[str]) -> int:
    """Deletes the rows of `calls` (ids) from `table` and its nested tables; returns the
    table's own rows deleted (0 when the table was never loaded)."""
    if not calls or table.call_key is None:
        return 0
    if lake.in_delta(pipeline):
        return lake.remove(pipeline, table, calls)
    schema = pipeline.default_schema
    column = schema.naming.normalize_identifier(table.call_key)
    if column not in schema.tables.get(table.name, {}).get("columns", {}):
        return 0
    if pipeline.destination.destination_name == "lancedb":
        return _lancedb(pipeline, table.name, column, calls)
    nested = [str(t["name"]) for t in get_nested_tables(schema.tables, table.name)[1:]]
    try:
        with pipeline.sql_client(schema.name) as sql:
            return _sql(sql, table.name, nested, column, calls)
    except DatabaseUndefinedRelation:
        return 0


def _sql(sql: Any, name: str, nested: list[str], column: str, calls: Sequence[str]) -> int:
    root = sql.make_qualified_table_name(name)
    deleted = 0
    with sql.begin_transaction():
        for chunk in map(list, lake.chunks(calls, ID_CHUNK)):
            where = f"{column} IN ({', '.join(['%s'] * len(chunk))})"
            found = sql.execute_sql(f"SELECT count(*) FROM {root} WHERE {where}", *chunk)
            deleted += int(found[0][0]) if found else 0
            for child in nested:  # child rows first, found by the root rows they belong to
                sql.execute_sql(
                    f"DELETE FROM {sql.make_qualified_table_name(child)} WHERE _dlt_root_id "
                    f"IN (SELECT _dlt_id FROM {root} WHERE {where})",
                    *chunk,
                )
            sql.execute_sql(f"DELETE FROM {root} WHERE {where}", *chunk)
    return deleted


def _lancedb(pipeline: dlt.Pipeline, name: str, column: str, calls: Sequence[str]) -> int:
    """LanceDB has no SQL DELETE through dlt: its table's `delete` takes the predicate."""
    client: Any = pipeline.destination_client()
    qualified = client.make_qualified_table_name(name)
    if qualified not in client.list_table_names():
        return 0
    found = client.db_client.open_table(qualified)
    before = found.count_rows()
    for chunk in lake.chunks(calls, ID_CHUNK):
        found.delete(f"{column} IN ({lake.in_list(chunk)})")
    return int(before - found.count_rows())
