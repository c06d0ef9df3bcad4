"""Chunks into dlt's LanceDB destination, as the README shows, with no embedding model:
a call chunked again replaces all its old chunks (LanceDB drops the orphans of a merge
key), so no stale higher chunk index is left."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

pytest.importorskip("lancedb")

import dlt
import lancedb
from dlt.destinations.adapters import lancedb_adapter

import dlt_gong
from dlt_gong import removal
from dlt_gong.sandbox import SandboxConfig, run_sandbox
from dlt_gong.tables import BY_NAME
from e2e_helpers import credentials
from instants import NOW

CONFIG = SandboxConfig(seed=11, users=20, calls=24, days=3, now=NOW, freeze_clock=True,
                       rate_limit_per_second=None, daily_quota=None)  # fmt: skip


def test_a_rechunked_call_replaces_its_chunks_in_lancedb(tmp_path: Path) -> None:
    uri = str(tmp_path / "gong.lancedb")
    pipeline = dlt.pipeline("gong_vectors", destination=dlt.destinations.lancedb(lance_uri=uri),
                            dataset_name="gong", pipelines_dir=str(tmp_path / "pipelines"))  # fmt: skip
    start = (NOW - timedelta(days=4)).date().isoformat()

    with run_sandbox(CONFIG) as sb:

        def load(chunk_tokens: int) -> Counter[str]:
            source = dlt_gong.gong_source(
                credentials=credentials(sb), base_url=sb.url, resources=["call_transcript_chunks"],
                chunk_tokens=chunk_tokens, start_date=start, now=NOW, lookback_days=10,
                requests_per_second=None,
            )  # fmt: skip
            # no `embed`: no embedding model is called, the chunks load as plain rows
            lancedb_adapter(source.call_transcript_chunks, merge_key="call_id")
            dlt_gong.run(pipeline, source)
            table = lancedb.connect(uri).open_table("gong___call_transcript_chunks").to_arrow()
            keys = list(
                zip(table["call_id"].to_pylist(), table["chunk_index"].to_pylist(), strict=True)
            )
            assert len(keys) == len(set(keys))
            per_call = Counter(call_id for call_id, _ in keys)
            assert sorted(keys) == sorted((c, i) for c, n in per_call.items() for i in range(n))
            return per_call

        small = load(96)
        big = load(512)
    assert set(big) == set(small) and len(small) > 10
    assert sum(big.values()) < sum(small.values())
    assert all(big[c] <= small[c] for c in small) and any(big[c] < small[c] for c in small)


def test_a_removed_calls_chunks_are_deleted_from_lancedb(tmp_path: Path) -> None:
    """The chunks of a call the reconcile pass removes (deleted or private in Gong, left
    out by a rule, past the retention) are deleted by LanceDB's own delete: the table
    has no tombstone column for a merge to act on."""
    uri = str(tmp_path / "gong.lancedb")
    pipeline = dlt.pipeline("gong_vectors", destination=dlt.destinations.lancedb(lance_uri=uri),
                            dataset_name="gong", pipelines_dir=str(tmp_path / "pipelines"))  # fmt: skip
    with run_sandbox(CONFIG) as sb:
        source = dlt_gong.gong_source(
            credentials=credentials(sb), base_url=sb.url, resources=["call_transcript_chunks"],
            start_date=(NOW - timedelta(days=4)).date().isoformat(), now=NOW,
            requests_per_second=None,
        )  # fmt: skip
        lancedb_adapter(source.call_transcript_chunks, merge_key="call_id")
        dlt_gong.run(pipeline, source)

    def chunks() -> Counter[str]:
        table = lancedb.connect(uri).open_table("gong___call_transcript_chunks").to_arrow()
        return Counter(table["call_id"].to_pylist())

    loaded = chunks()
    gone = sorted(loaded)[:3]
    table = BY_NAME["call_transcript_chunks"]
    assert removal.delete_calls(pipeline, table, [*gone, "no-such-call"]) == sum(
        loaded[c] for c in gone
    )
    assert chunks() == Counter({c: n for c, n in loaded.items() if c not in gone})
