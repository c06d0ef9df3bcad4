"""The runner's defaults for dlt: a bounded extract buffer, jsonl for DuckDB, files left
uncompressed and DuckDB's memory, threads and parallel loads bounded."""

from __future__ import annotations

import json
import os
from pathlib import Path

import dlt
import pytest

from dlt_gong.runner import (
    DUCKDB_BOUNDS,
    EXTRACT_BUFFER_ITEMS,
    _bound_extract_buffer,
    _bound_memory,
    _file_format,
)

KEY = "SOURCES__DATA_WRITER__BUFFER_MAX_ITEMS"


def test_the_extract_buffer_is_bounded_unless_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY, "")  # records the environment as it was, restored afterwards
    monkeypatch.delenv(KEY)
    monkeypatch.delenv("DATA_WRITER__BUFFER_MAX_ITEMS", raising=False)
    _bound_extract_buffer()
    assert dlt.config.get("sources.data_writer.buffer_max_items") == str(EXTRACT_BUFFER_ITEMS)

    monkeypatch.delenv(KEY)
    monkeypatch.setenv("DATA_WRITER__BUFFER_MAX_ITEMS", "2000")
    _bound_extract_buffer()
    assert KEY not in os.environ  # the user's own setting stands


def test_duckdb_loads_jsonl_others_keep_their_default(tmp_path: Path) -> None:
    duck = dlt.pipeline("fmt_duck", destination="duckdb", pipelines_dir=str(tmp_path))
    assert _file_format(duck) == "jsonl"
    pg = dlt.pipeline("fmt_pg", destination="postgres", pipelines_dir=str(tmp_path))
    assert _file_format(pg) is None


def test_a_second_run_of_the_same_pipeline_is_refused_with_one_line(tmp_path: Path) -> None:
    """Two runs of one pipeline would share its staging, state and Gong's 3/s: while one
    holds the pipeline's run lock, another fails at once (exit 1 through GongError),
    before any request; a different pipeline name is not held up."""
    from dlt_gong.errors import GongBusyError
    from dlt_gong.runner import _one_run_at_a_time

    first = dlt.pipeline("busy", destination="duckdb", pipelines_dir=str(tmp_path))
    held = _one_run_at_a_time(first)
    try:
        second = dlt.pipeline("busy", destination="duckdb", pipelines_dir=str(tmp_path))
        with pytest.raises(GongBusyError) as refused:
            _one_run_at_a_time(second)
        lock = Path(first.working_dir).parent / "busy.run.lock"
        assert str(refused.value) == (
            f"another run of pipeline 'busy' is in progress (lock {lock}); runs of one "
            "pipeline, backfill windows included, go one at a time"
        )
        other = dlt.pipeline("other", destination="duckdb", pipelines_dir=str(tmp_path))
        _one_run_at_a_time(other).release()
    finally:
        held.release()
    again = _one_run_at_a_time(first)  # released: the next run goes
    again.release()


BOUND_KEYS = (
    "DATA_WRITER__DISABLE_COMPRESSION",
    "NORMALIZE__DATA_WRITER__DISABLE_COMPRESSION",
    "SOURCES__DATA_WRITER__DISABLE_COMPRESSION",
    "LOAD__WORKERS",
    "DESTINATION__DUCKDB__CREDENTIALS__GLOBAL_CONFIG",
)


def test_memory_bounds_are_dlt_settings_the_user_overrides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in BOUND_KEYS:
        monkeypatch.setenv(key, "")  # restored afterwards
        monkeypatch.delenv(key)
    duck = dlt.pipeline("bound_duck", destination="duckdb", pipelines_dir=str(tmp_path))
    _bound_memory(duck)
    assert dlt.config.get("data_writer.disable_compression") == "true"
    assert dlt.config.get("load.workers") == DUCKDB_BOUNDS["load.workers"]
    assert json.loads(os.environ["DESTINATION__DUCKDB__CREDENTIALS__GLOBAL_CONFIG"]) == {
        "memory_limit": "256MB",
        "threads": 2,
    }

    for key in BOUND_KEYS:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("NORMALIZE__DATA_WRITER__DISABLE_COMPRESSION", "false")
    monkeypatch.setenv("LOAD__WORKERS", "8")
    _bound_memory(duck)
    assert "DATA_WRITER__DISABLE_COMPRESSION" not in os.environ  # the user's choice stands
    assert os.environ["LOAD__WORKERS"] == "8"

    monkeypatch.delenv("LOAD__WORKERS")
    monkeypatch.delenv("DESTINATION__DUCKDB__CREDENTIALS__GLOBAL_CONFIG")
    pg = dlt.pipeline("bound_pg", destination="postgres", pipelines_dir=str(tmp_path))
    _bound_memory(pg)  # the load runs in the database server: dlt's defaults stay
    assert "LOAD__WORKERS" not in os.environ
    assert "DESTINATION__DUCKDB__CREDENTIALS__GLOBAL_CONFIG" not in os.environ
