"""The proof every reliability scenario ends with: the destination holds exactly the
sandbox's data for the range, each primary key once, child tables complete.

``exact_proof`` compares each loaded table with the sandbox's Python ground truth and
returns the totals the report prints (rows expected, rows loaded, duplicate keys); it
raises ``AssertionError`` naming every table that differs, so a failing scenario says
what was lost or doubled rather than only that something was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dlt

from e2e_helpers import Truth, rows


@dataclass(frozen=True)
class Proof:
    expected_rows: int
    loaded_rows: int
    duplicates: int


def _has(p: dlt.Pipeline, table: str) -> bool:
    found = rows(
        p,
        "select count(*) from information_schema.tables "
        f"where table_schema = '{p.dataset_name}' and table_name = '{table}'",
    )
    return bool(found[0][0])


def _loaded(p: dlt.Pipeline, table: str, key: str) -> tuple[list[str], int]:
    """Sorted distinct keys and the number of rows (rows > keys means duplicates)."""
    if not _has(p, table):
        return [], 0
    keys = sorted(str(r[0]) for r in rows(p, f"select distinct {key} from {table}"))
    return keys, int(rows(p, f"select count(*) from {table}")[0][0])


def _count(p: dlt.Pipeline, table: str) -> int:
    return int(rows(p, f"select count(*) from {table}")[0][0]) if _has(p, table) else 0


def _expected(truth: Truth, tables: list[str]) -> dict[str, tuple[str, list[str], int | None]]:
    """table -> (key column, expected keys, expected child rows or None)."""
    company = truth.company
    out: dict[str, tuple[str, list[str], int | None]] = {}
    if "users" in tables:
        out["users"] = ("id", sorted(u["id"] for u in company.users()), None)
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
        sentences = sum(len(m["sentences"]) for t in transcripts for m in t["transcript"])
        out["call_transcripts__sentences"] = ("", [], sentences)
    return out


def exact_proof(p: dlt.Pipeline, truth: Truth, tables: list[str]) -> Proof:
    """Asserts the destination equals the ground truth for ``tables``; returns the totals."""
    expected_rows = loaded_rows = duplicates = 0
    problems: list[str] = []
    for table, (key, keys, child_rows) in _expected(truth, tables).items():
        if child_rows is not None:
            got = _count(p, table)
            expected_rows += child_rows
            loaded_rows += got
            if got != child_rows:
                problems.append(f"{table}: {got} rows loaded, {child_rows} expected")
            continue
        loaded_keys, n = _loaded(p, table, key)
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
