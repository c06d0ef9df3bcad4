"""A re-read call's old rows are deleted by the merge key alone where it is part of the
primary key (`dlt_gong.merge_sql`): the SQL dlt then generates, and a run again over a
loaded company, whose merge had run DuckDB out of its 128 MB before."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from dlt.destinations.sql_jobs import SqlMergeFollowupJob

from dlt_gong import merge_sql
from dlt_gong.sandbox import RunningSandbox
from e2e_helpers import rows, run_into_duckdb, sentence_count

DAYS = 10
CALLS = 300


def _delete(primary: list[str], merge: list[str]) -> str:
    found = SqlMergeFollowupJob.gen_key_table_clauses("t", "s", primary, merge, True)
    assert len(found) == 1
    return found[0]


def test_the_merge_key_alone_deletes_when_the_primary_key_holds_it() -> None:
    merge_sql.install()
    merge_sql.install()  # a second install changes nothing
    exists = "FROM t as d WHERE EXISTS (SELECT 1 FROM s as s WHERE "
    assert _delete(['"call_id"', '"sentence_index"'], ['"call_id"']) == (
        exists + 'd."call_id" = s."call_id")'
    )
    assert _delete(['"call_id"'], ['"call_id"']) == exists + 'd."call_id" = s."call_id")'
    # other keys as dlt has them: either key, or the primary key alone
    assert _delete(['"id"'], ['"day"']) == exists + 'd."id" = s."id" OR d."day" = s."day")'
    assert _delete(['"id"'], []) == exists + 'd."id" = s."id")'


def _run(sb: RunningSandbox, tmp: Path, **kw: Any) -> Any:
    tables = ["calls", "call_transcripts", "call_transcript_sentences", "call_transcript_text"]
    return run_into_duckdb(sb, tmp / "calls.duckdb", "gong", DAYS, resources=tables, **kw)


def test_a_run_again_over_loaded_calls_replaces_their_rows_within_duckdbs_128_mb(
    make_sandbox: Callable[..., RunningSandbox], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Packages of 16 MB, as a paced run loads them, so DuckDB is held to 128 MB
    (`run_defaults`); the second run's lookback reads every call again. With dlt's delete
    by either key, its merge of 300 calls' sentences ran out of DuckDB's memory and the
    run failed (so did a paced `dlt-gong run` of 1,000 calls run again that way)."""
    monkeypatch.setenv("SOURCES__GONG__PACKAGE_MEGABYTES", "16")
    sb = make_sandbox(calls=CALLS, days=DAYS, users=20)
    public = [c["id"] for c in sb.company.calls_basic() if not c["isPrivate"]]
    truth = sentence_count(sb.company.transcripts(call_ids=public))
    _run(sb, tmp_path)
    report = _run(sb, tmp_path, lookback_days=DAYS + 1)
    assert report.row_counts["call_transcript_sentences"] == truth  # every one read again
    p = report.pipeline
    sentences = "select count(*), count(distinct (call_id, sentence_index)) from gong.call_transcript_sentences"
    assert rows(p, sentences) == [(truth, truth)]
    assert rows(p, "select count(*), count(distinct call_id) from gong.call_transcript_text") == [
        (len(public), len(public))
    ]
    # the SQL that ran: each package's merge of sentences deletes by call alone
    ran = sorted(
        Path(tmp_path / "pipelines").glob(
            "gong/load/loaded/*/completed_jobs/call_transcript_sentences.*.sql"
        )
    )
    assert len(ran) >= 2  # a package or more in each run
    # numbered by the primary key to drop repeats: a job run again after a crash
    assert all("_dlt_dedup_rn" in job.read_text() for job in ran)
    deletes = {
        line for job in ran for line in job.read_text().splitlines() if line.startswith("DELETE")
    }
    assert deletes == {
        'DELETE FROM "gong"."call_transcript_sentences" as d WHERE EXISTS (SELECT 1 FROM '
        '"gong_staging"."call_transcript_sentences" as s WHERE d."call_id" = s."call_id")'
    }
