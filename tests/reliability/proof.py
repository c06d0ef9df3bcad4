"""The proof every reliability scenario ends with: the destination holds exactly the
sandbox's data for the range, each primary key once, child tables complete.

``exact_proof`` compares each loaded table with the sandbox's Python ground truth and
returns the totals the report prints (rows expected, rows loaded, duplicate keys); it
raises ``AssertionError`` naming every table that differs, so a failing scenario says
what was lost or doubled rather than only that something was.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import dlt
from dlt.common.normalizers.naming.snake_case import NamingConvention

from dlt_gong import rows as gong_rows
from e2e_helpers import Truth

_NAMING = NamingConvention()


@dataclass(frozen=True)
class Proof:
    expected_rows: int
    loaded_rows: int
    duplicates: int


Query = Callable[[str], list[tuple[Any, ...]]]


def _tables(q: Query, dataset: str) -> set[str]:
    found = q(f"select table_name from information_schema.tables where table_schema = '{dataset}'")
    return {str(r[0]) for r in found}


def _loaded(q: Query, present: set[str], table: str, key: str) -> tuple[list[str], int]:
    """Sorted distinct keys and the number of rows (rows > keys means duplicates)."""
    if table not in present:
        return [], 0
    keys = sorted(str(r[0]) for r in q(f"select distinct {key} from {table}"))
    return keys, int(q(f"select count(*) from {table}")[0][0])


def _count(q: Query, present: set[str], table: str) -> int:
    return int(q(f"select count(*) from {table}")[0][0]) if table in present else 0


def _expected(truth: Truth, tables: list[str]) -> dict[str, tuple[str, list[str], int | None]]:
    """table -> (key column, expected keys, expected child rows or None)."""
    company = truth.company
    out: dict[str, tuple[str, list[str], int | None]] = {}
    if "users" in tables:
        out["users"] = ("id", sorted(u["id"] for u in company.users()), None)
    if "trackers" in tables:
        out["trackers"] = ("tracker_id", sorted(t["trackerId"] for t in company.trackers()), None)
    if "workspaces" in tables:
        out["workspaces"] = ("id", sorted(w["id"] for w in company.workspaces()), None)
    if "calls" in tables:
        public = truth.public_calls()
        out["calls"] = ("id", sorted(c["metaData"]["id"] for c in public), None)
        parties = sum(len(c.get("parties") or []) for c in public)
        out["calls__parties"] = ("", [], parties)
    if "call_transcripts" in tables:
        transcripts = truth.transcripts()
        out["call_transcripts"] = ("call_id", sorted(t["callId"] for t in transcripts), None)
    if "call_transcript_sentences" in tables:
        out["call_transcript_sentences"] = (
            "call_id || '|' || cast(sentence_index as varchar)",
            sorted(
                f"{t['callId']}|{i}"
                for t in truth.transcripts()
                for i in range(sum(len(m["sentences"]) for m in t["transcript"]))
            ),
            None,
        )
    if "aggregated_activity" in tables:
        users = company.activity_by_period(truth.start, truth.stats_end, "DAY")
        out["aggregated_activity"] = (
            "user_id || '|' || cast(from_date as varchar)",
            sorted(
                f"{u['userId']}|{gong_rows.local_date(period['fromDate']).isoformat()}"
                for u in users
                for period in u["userAggregateActivity"]
            ),
            None,
        )
    return out


def child_counts(table: str, items: Iterable[Mapping[str, Any]]) -> Counter[str]:
    """Rows dlt makes in each child table of ``table`` from ``items`` (its rows as the
    source yields them): nested objects are flattened into their row, every list becomes
    a child table named by the snake_case path (``calls__content__trackers``) with one row
    per element, recursively. Computed from the ground truth, not from the destination."""
    found: Counter[str] = Counter()

    def walk(owner: str, path: tuple[str, ...], obj: Mapping[str, Any]) -> None:
        for key, value in obj.items():
            here = (*path, _NAMING.normalize_identifier(key))
            if isinstance(value, Mapping):
                walk(owner, here, value)
            elif isinstance(value, list):
                child = "__".join((owner, *here))
                for element in value:
                    found[child] += 1
                    if isinstance(element, Mapping):
                        walk(child, (), element)

    for item in items:
        walk(table, (), item)
    return found


def _all_children(truth: Truth, tables: list[str]) -> dict[str, int]:
    """Every child table of calls with its expected row count (a transcript's sentences
    are a table of their own, `call_transcript_sentences`, with an exact proof)."""
    expected: Counter[str] = Counter()
    if "calls" in tables:
        expected += child_counts("calls", (gong_rows.call_row(c) for c in truth.public_calls()))
    return dict(expected)


def exact_proof(
    p: dlt.Pipeline, truth: Truth, tables: list[str], *, all_children: bool = False
) -> Proof:
    """Asserts the destination equals the ground truth for ``tables``; returns the totals.

    ``all_children``: check the row count of every child table of calls and transcripts
    (``child_counts``), not only calls__parties.
    """
    with p.sql_client() as client:

        def q(sql: str) -> list[tuple[Any, ...]]:
            return [tuple(r) for r in client.execute_sql(sql) or []]

        return _prove(q, _tables(q, p.dataset_name), truth, tables, all_children)


def _prove(
    q: Query, present: set[str], truth: Truth, tables: list[str], all_children: bool
) -> Proof:
    expected_rows = loaded_rows = duplicates = 0
    problems: list[str] = []
    expected = _expected(truth, tables)
    if all_children:
        counts = _all_children(truth, tables)
        roots = [t for t in ("calls", "call_transcripts") if t in tables]
        in_destination = {t for t in present if any(t.startswith(f"{r}__") for r in roots)}
        for table in sorted(set(counts) | in_destination):
            expected[table] = ("", [], counts.get(table, 0))
    for table, (key, keys, child_rows) in expected.items():
        if child_rows is not None:
            got = _count(q, present, table)
            expected_rows += child_rows
            loaded_rows += got
            if got != child_rows:
                problems.append(f"{table}: {got} rows loaded, {child_rows} expected")
            continue
        loaded_keys, n = _loaded(q, present, table, key)
        expected_rows += len(keys)
        loaded_rows += n
        duplicates += n - len(loaded_keys)
        if loaded_keys != keys:
            missing = len(set(keys) - set(loaded_keys))
            extra = len(set(loaded_keys) - set(keys))
            problems.append(f"{table}: {missing} missing, {extra} unexpected")
        if n != len(loaded_keys):
            problems.append(f"{table}: {n - len(loaded_keys)} duplicate {key}s")
    assert not problems, "; ".join(problems)
    return Proof(expected_rows, loaded_rows, duplicates)


def stats_rows(truth: Truth) -> dict[str, Any]:
    """Expected row counts of the stats tables, for scenarios that load them."""
    return {
        "aggregated_activity": truth.activity_rows(),
        "interaction_stats": sum(truth.interaction_per_day()),
    }
