"""A real warehouse: the same sandbox company into PostgreSQL and DuckDB, identical rows.

`make test` starts a throwaway PostgreSQL server on loopback and passes its DSN in
DLT_GONG_TEST_POSTGRES. Without it the test is skipped locally, and fails under CI.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import dlt
import pytest

from dlt_gong.sandbox import SandboxConfig, run_sandbox
from dlt_gong.tables import TABLES
from e2e_helpers import load, pipeline, rows
from instants import NOW, days_before

DSN = os.environ.get("DLT_GONG_TEST_POSTGRES")

pytestmark = pytest.mark.postgres


def test_postgres_and_duckdb_hold_identical_rows(tmp_path: Path) -> None:
    if not DSN:
        if os.environ.get("CI"):
            pytest.fail("DLT_GONG_TEST_POSTGRES is not set: CI must run against PostgreSQL")
        pytest.skip("no PostgreSQL server (make test starts one)")
    config = SandboxConfig(seed=17, users=12, calls=200, days=8, now=NOW, freeze_clock=True,
                           rate_limit_per_second=None, daily_quota=None)  # fmt: skip
    start = days_before(NOW, 8).isoformat()
    tables = [t.name for t in TABLES]
    dataset = f"gong_{uuid.uuid4().hex[:8]}"
    with run_sandbox(config) as sb:
        duck = pipeline(tmp_path, "gong_duck")
        pg = dlt.pipeline(
            pipeline_name="gong_pg",
            destination=dlt.destinations.postgres(DSN),
            dataset_name=dataset,
            pipelines_dir=str(tmp_path / "pipelines"),
        )
        load(duck, sb, start_date=start, resources=tables)
        load(pg, sb, start_date=start, resources=tables)
        load(pg, sb, start_date=start, resources=tables)  # a re-run: merge, no duplicates
    names = sorted(n for n in duck.default_schema.data_table_names() if not n.startswith("_dlt"))
    assert len(names) > 40
    duck_counts = {n: rows(duck, f"select count(*) from {n}")[0][0] for n in names}
    pg_counts = {n: rows(pg, f"select count(*) from {n}")[0][0] for n in names}
    assert pg_counts == duck_counts
    assert duck_counts["calls"] > 50 and duck_counts["call_transcript_sentences"] > 1000
    types = dict(
        rows(
            pg,
            "select column_name, data_type from information_schema.columns "
            f"where table_schema = '{dataset}' and table_name = 'calls'",
        )
    )
    assert types["started"] == "timestamp with time zone"
    assert types["id"] == "character varying"
    with pg.sql_client() as client:
        client.drop_dataset()
