"""dlt's merge deletes a re-read call's old rows by the merge key alone, where the merge key
is part of the primary key.

The tables built from transcripts (`call_transcript_sentences`, `call_speaker_stats`, ...)
have a primary key such as (`call_id`, `sentence_index`) and the merge key `call_id`, so
that a re-read call's rows are replaced whole. dlt's delete-insert deletes the rows of the
destination that match the staged rows by either key::

    DELETE FROM t AS d WHERE EXISTS (SELECT 1 FROM staging AS s
      WHERE d.call_id = s.call_id AND d.sentence_index = s.sentence_index
         OR d.call_id = s.call_id)

A row that matches the whole primary key matches the merge key too, so the condition says
no more than `d.call_id = s.call_id`. But DuckDB plans it as written (its EXPLAIN): an
inner hash join on `call_id` pairs each loaded sentence of a re-read call with every
staged sentence of that call, about 200 a call, and only then checks the OR. Re-reading
620 loaded calls (122,000 sentences, some 24 million pairs) against 1.86 million loaded
sentences took 4.3 CPU seconds where the merge key alone took 0.017, and within the
128 MB a paced run gives DuckDB it ran out of memory: a paced run of 3,000 calls run
again with a lookback over all of them failed (exit 1).

`install` makes dlt leave out the primary key's clause when the merge key's columns are
all in the primary key; any other pair of keys is deleted by as before. It changes dlt's
`SqlMergeFollowupJob`, which every SQL destination's merge uses (BigQuery, which sends a
DELETE per clause, then sends one), and only the DELETE: the primary key still removes
duplicates among the staged rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dlt.destinations.sql_jobs import SqlMergeFollowupJob

_dlts_own: Any = SqlMergeFollowupJob.__dict__["_gen_key_table_clauses"].__func__
"""dlt's `SqlMergeFollowupJob._gen_key_table_clauses`, as dlt defines it."""


def key_clauses(cls: Any, primary_keys: Sequence[str], merge_keys: Sequence[str]) -> list[str]:
    """dlt's clauses for the keys, without the primary key's when it holds the merge key
    (the names come escaped, both lists alike)."""
    if merge_keys and set(merge_keys) <= set(primary_keys):
        primary_keys = []
    found: list[str] = _dlts_own(cls, primary_keys, merge_keys)
    return found


def install() -> None:
    """Sets `key_clauses` on dlt's merge job (once; installing again changes nothing)."""
    current = SqlMergeFollowupJob.__dict__["_gen_key_table_clauses"]
    if getattr(current, "__func__", None) is not key_clauses:
        SqlMergeFollowupJob._gen_key_table_clauses = classmethod(key_clauses)  # type: ignore[method-assign,assignment]
