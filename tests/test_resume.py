"""`dlt_gong.resume`: the row keys read from real dlt job files, and the undo they drive.

The crash suite (tests/reliability/test_crash.py) kills real loads; whether a kill lands
between a job's commit and dlt's record of it is luck. These tests hold the pieces to
exact results on files dlt itself wrote, in both formats dlt-gong loads with.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from dlt_gong import gong_source
from dlt_gong.resume import PENDING_TRANSITIONS, _delete, _unrecorded, row_keys
from dlt_gong.sandbox import SandboxConfig, run_sandbox
from e2e_helpers import credentials, pipeline, rows
from instants import NOW, days_before

DAYS = 3
TABLES = ["users", "calls", "call_transcripts"]


@pytest.mark.parametrize("file_format", ["insert_values", "jsonl"])
def test_row_keys_of_every_job_file_and_the_undo_of_one(tmp_path: Path, file_format: str) -> None:
    config = SandboxConfig(
        seed=5, users=5, calls=40, days=DAYS, now=NOW, freeze_clock=True,
        rate_limit_per_second=None, daily_quota=None,
    )  # fmt: skip
    with run_sandbox(config) as sb:
        source = gong_source(
            credentials=credentials(sb), base_url=sb.url, resources=TABLES,
            start_date=days_before(NOW, DAYS).isoformat(),
            requests_per_second=None, now=NOW,
        )  # fmt: skip
        p = pipeline(tmp_path)
        info = p.run(source, loader_file_format=file_format)  # type: ignore[arg-type]
    (load_id,) = info.loads_ids
    jobs = p.get_load_package_info(load_id).jobs["completed_jobs"]
    keys: dict[str, set[str]] = defaultdict(set)
    for job in jobs:
        table = job.job_file_info.table_name
        if job.file_path.endswith(".sql") or table.startswith("_dlt"):
            continue
        assert job.job_file_info.file_format == file_format
        found = row_keys(Path(job.file_path), file_format)
        assert found is not None
        keys[table] |= found

    # the staging dataset keeps this package's rows of merged tables (full-refresh tables
    # read whole are replaced, straight in the dataset): every one of them is found in its
    # files (insert_values may add literals of the same shape, which match no row)
    schema = p.default_schema
    for table in keys:
        merged = schema.get_table(table.split("__")[0]).get("write_disposition") == "merge"
        where = "gong_staging" if merged else "gong"
        staged = {r[0] for r in rows(p, f"select _dlt_id from {where}.{table}")}
        assert staged, table
        if file_format == "jsonl":
            assert keys[table] == staged, table
        else:
            assert staged <= keys[table], table

    transcripts = len(rows(p, "select 1 from gong_staging.call_transcripts"))
    with p.destination_client() as client:
        gone = _delete(client, "call_transcripts", keys["call_transcripts"], staging=True)  # type: ignore[arg-type]
    assert gone == transcripts > 0
    assert rows(p, "select count(*) from gong_staging.call_transcripts") == [(0,)]
    # the dataset itself is untouched: only the staging copy is undone
    assert rows(p, "select count(*) from gong.call_transcripts") == [(transcripts,)]


def test_a_job_counts_as_unrecorded_only_without_dlt_s_mark(tmp_path: Path) -> None:
    started = tmp_path / "started_jobs"
    started.mkdir()
    job = started / "call_transcripts.abc.0.insert_values"
    job.write_text("")
    merge = started / "call_transcripts.def.0.sql"
    merge.write_text("")
    assert _unrecorded(job)
    assert not _unrecorded(merge)  # a merge is replaced whole: running it twice is safe
    (tmp_path / PENDING_TRANSITIONS).mkdir()
    (tmp_path / PENDING_TRANSITIONS / job.name).write_text('{"state": "completed"}')
    assert not _unrecorded(job)  # dlt marked its commit and will not run it again


def test_a_format_it_cannot_read_is_said_so(tmp_path: Path) -> None:
    job = tmp_path / "calls.abc.0.csv"
    job.write_bytes(b"id\n1\n")
    assert row_keys(job, "csv") is None
    broken = tmp_path / "calls.abc.0.parquet"
    broken.write_bytes(b"PAR1")
    assert row_keys(broken, "parquet") is None


def test_row_keys_of_a_parquet_job_are_its_row_key_column_or_none(tmp_path: Path) -> None:
    """An Arrow table's job (`call_transcript_sentences`) has no row key unless dlt added
    one: nothing to undo by key; its table merges through staging on its primary key."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    keyed, plain = tmp_path / "keyed.parquet", tmp_path / "plain.parquet"
    pq.write_table(pa.table({"_dlt_id": ["a", "b"], "call_id": ["1", "1"]}), keyed)
    pq.write_table(pa.table({"call_id": ["1", "1"], "sentence_index": [0, 1]}), plain)
    assert row_keys(keyed, "parquet") == {"a", "b"}
    assert row_keys(plain, "parquet") == set()
