"""A data lake without duplicates: dlt's filesystem destination on a local bucket, in Delta
tables, read back with deltalake's own reader.

Two runs (the second re-reads the lookback days) and the calls the sandbox deletes or makes
private between them leave exactly the sandbox's calls, with their parties, transcripts and
sentences; without deltalake the run says in one line, before its first request, that the
files are appended to.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import dlt
import pytest
from deltalake import DeltaTable

import dlt_gong
from contract_watch import TEST_NOW
from dlt_gong import gong_source, lake, runner
from dlt_gong.options import ALL_CONTENT
from e2e_helpers import Recorder, credentials

DAYS = 20
START = (TEST_NOW - timedelta(days=DAYS)).replace(hour=0, minute=0)
TABLES = ["users", "calls", "call_transcripts", "call_transcript_sentences", "call_transcript_text"]
REMOVING: dict[str, Any] = {
    "freeze_clock": True, "days": DAYS + 2, "deleted_call_rate": 0.1,
    "privatized_call_rate": 0.1, "removals_within_days": 4,
}  # fmt: skip


def lake_pipeline(tmp: Path) -> dlt.Pipeline:
    return dlt.pipeline(
        pipeline_name="gong_lake", dataset_name="gong", pipelines_dir=str(tmp / "pipelines"),
        destination=dlt.destinations.filesystem(f"file://{tmp / 'bucket'}"),
    )  # fmt: skip


def read(tmp: Path, table: str, *columns: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = (
        DeltaTable(str(tmp / "bucket" / "gong" / table))
        .to_pyarrow_table(columns=list(columns))
        .to_pylist()
    )
    return found


def truth(sb: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The public calls as of the sandbox's now, and their transcripts."""
    now = sb.company.now()
    calls = [
        c for c in sb.company.calls(START, None, content_selector=ALL_CONTENT, as_of=now)
        if not c["metaData"]["isPrivate"]
    ]  # fmt: skip
    ids = [c["metaData"]["id"] for c in calls]
    return calls, list(sb.company.transcripts(call_ids=ids, as_of=now))


def test_two_runs_and_removals_leave_exactly_the_sandbox_calls_in_delta_tables(
    make_sandbox: Callable[..., Any], tmp_path: Path
) -> None:
    sb = make_sandbox(**REMOVING)
    p = lake_pipeline(tmp_path)

    def run() -> None:
        dlt_gong.run(p, gong_source(credentials=credentials(sb), base_url=sb.url,
                                    start_date=START.isoformat(), resources=TABLES,
                                    now=sb.company.now(), requests_per_second=None))  # fmt: skip

    run()
    before, _ = truth(sb)
    assert sorted(r["id"] for r in read(tmp_path, "calls", "id")) == sorted(
        c["metaData"]["id"] for c in before
    )
    sb.clock.advance(5 * 86400)  # the sandbox deletes calls and makes others private
    run()
    calls, transcripts = truth(sb)
    gone = {c["metaData"]["id"] for c in before} - {c["metaData"]["id"] for c in calls}
    assert len(gone) >= 3  # removals happened, and the re-read days overlap the first run

    loaded = read(tmp_path, "calls", "id", "_dlt_id")
    assert sorted(r["id"] for r in loaded) == sorted(c["metaData"]["id"] for c in calls)
    parties = read(tmp_path, "calls__parties", "_dlt_root_id")
    assert len(parties) == sum(len(c.get("parties") or []) for c in calls)
    assert {r["_dlt_root_id"] for r in parties} <= {r["_dlt_id"] for r in loaded}
    kept = read(tmp_path, "call_transcripts", "call_id", "_dlt_id")
    assert sorted(r["call_id"] for r in kept) == sorted(t["callId"] for t in transcripts)
    sentences = read(tmp_path, "call_transcript_sentences", "call_id", "sentence_index")
    assert sorted((r["call_id"], r["sentence_index"]) for r in sentences) == sorted(
        (t["callId"], i)
        for t in transcripts
        for i in range(sum(len(m["sentences"]) for m in t["transcript"]))
    )
    assert sorted(r["call_id"] for r in read(tmp_path, "call_transcript_text", "call_id")) == (
        sorted(t["callId"] for t in transcripts if t["transcript"])
    )


def test_without_deltalake_the_run_says_files_append_before_it_reads_gong(
    make_sandbox: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    sb = make_sandbox(freeze_clock=True, days=5)
    monkeypatch.setattr(lake, "available", lambda: False)
    said_before_first_request: list[bool] = []
    recorder = Recorder()

    def first(exchange: Any) -> None:
        if not said_before_first_request:
            said_before_first_request.append(any(r.getMessage() == line for r in caplog.records))
        recorder(exchange)

    sb.on_exchange.append(first)
    line = (
        "the filesystem destination appends without a table format: each run adds the calls "
        'it re-reads again, and calls deleted in Gong stay; pip install "dlt-gong[lake]" to '
        "load Delta tables that merge and remove"
    )
    bucket = f"file://{tmp_path / 'bucket'}"
    with caplog.at_level(logging.WARNING, logger="dlt_gong"):
        runner.run_and_report(
            destination=dlt.destinations.filesystem(bucket), dataset_name="gong",
            pipeline_name="gong_files", pipelines_dir=str(tmp_path / "pipelines"),
            progress="none", credentials=credentials(sb), base_url=sb.url,
            start_date=(TEST_NOW - timedelta(days=3)).date().isoformat(), resources="users",
            now=sb.company.now(), requests_per_second=None,
        )  # fmt: skip
    assert [r.getMessage() for r in caplog.records if r.name == "dlt_gong"].count(line) == 1
    assert said_before_first_request == [True]
    out = capsys.readouterr().out
    assert f"  data: filesystem dataset 'gong' in {bucket} (files, appended to)\n" in out


def test_the_summary_names_the_bucket_of_delta_tables(
    make_sandbox: Callable[..., Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sb = make_sandbox(freeze_clock=True, days=5)
    bucket = f"file://{tmp_path / 'bucket'}"
    runner.run_and_report(
        destination=dlt.destinations.filesystem(bucket), dataset_name="gong",
        pipeline_name="gong_delta", pipelines_dir=str(tmp_path / "pipelines"),
        progress="none", credentials=credentials(sb), base_url=sb.url,
        start_date=(TEST_NOW - timedelta(days=3)).date().isoformat(), resources="users",
        now=sb.company.now(), requests_per_second=None,
    )  # fmt: skip
    out = capsys.readouterr().out
    assert f"  data: filesystem dataset 'gong' in {bucket} (Delta tables)\n" in out
    users = read(tmp_path, "users", "id")
    assert sorted(r["id"] for r in users) == sorted(u["id"] for u in sb.company.users())
