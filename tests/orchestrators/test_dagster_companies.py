"""examples/dagster_companies.py, which docs/scheduling.md shows: one static partition per
company, three companies each with its own sandbox (its own seed, so its own calls). Each
partition loads exactly its company's calls into its own dataset and nothing of another's;
a company whose key Gong refuses fails its partition, and the other two load."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

pytest.importorskip("dagster_dlt")

import duckdb
from dagster import DagsterEventType, materialize
from dagster_dlt import DagsterDltResource
from gong_env import RESOURCES, START, config, load_example, public_calls, spoken_calls

from dlt_gong.sandbox import RunningSandbox, run_sandbox

SEEDS = {"acme": 51, "globex": 52, "initech": 53}


@pytest.fixture
def companies() -> Iterator[dict[str, RunningSandbox]]:
    with ExitStack() as stack:
        yield {
            name: stack.enter_context(
                run_sandbox(
                    config(seed=seed, access_key=f"{name}-key", access_key_secret=f"{name}-secret")
                )
            )
            for name, seed in SEEDS.items()
        }


def _loaded(tmp_path: Path, company: str, table: str, column: str) -> list[str]:
    with duckdb.connect(str(tmp_path / f"gong_{company}.duckdb"), read_only=True) as con:
        found = con.execute(f"select {column} from gong_data_{company}.{table}").fetchall()
    return sorted(str(r[0]) for r in found)


def test_a_partition_per_company_exact_and_apart_one_key_refused(
    companies: dict[str, RunningSandbox], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    shared = {
        "SOURCES__GONG__COMPANIES": json.dumps(list(companies)),
        "SOURCES__GONG__REQUESTS_PER_SECOND": "0",
        "SOURCES__GONG__MAX_RETRY_AFTER_SECONDS": "60",
        "SOURCES__GONG__START_DATE": START.isoformat(),
        "SOURCES__GONG__RESOURCES": json.dumps(RESOURCES),
        "SOURCES__GONG__NOW": companies["acme"].clock.now().isoformat(),
        "DLT_DATA_DIR": str(tmp_path / ".dlt-data"),
        "RUNTIME__LOG_LEVEL": "WARNING",
    }
    for key, value in shared.items():
        monkeypatch.setenv(key, value)
    for name, sb in companies.items():
        section = f"SOURCES__GONG__{name.upper()}"
        secret = "revoked-secret" if name == "globex" else f"{name}-secret"
        monkeypatch.setenv(f"{section}__BASE_URL", sb.url)
        monkeypatch.setenv(f"{section}__CREDENTIALS__ACCESS_KEY", f"{name}-key")
        monkeypatch.setenv(f"{section}__CREDENTIALS__ACCESS_KEY_SECRET", secret)
    example = load_example("dagster_companies")
    assert example.companies.get_partition_keys() == ["acme", "globex", "initech"]

    results = {
        name: materialize(
            [example.gong_companies],
            partition_key=name,
            resources={"dlt": DagsterDltResource()},
            raise_on_error=False,
        )
        for name in companies
    }

    assert {name: r.success for name, r in results.items()} == {
        "acme": True,
        "globex": False,
        "initech": True,
    }
    truths = {
        name: sorted(c["metaData"]["id"] for c in public_calls(sb))
        for name, sb in companies.items()
    }
    for name in ("acme", "initech"):
        assert _loaded(tmp_path, name, "calls", "id") == truths[name]
        assert _loaded(tmp_path, name, "call_transcript_text", "call_id") == spoken_calls(
            companies[name]
        )
    assert not set(truths["acme"]) & set(truths["initech"])  # apart: no call in both
    assert truths["acme"] and truths["initech"]
    (failure,) = [
        e for e in results["globex"].all_events if e.event_type == DagsterEventType.STEP_FAILURE
    ]
    error = failure.step_failure_data.error
    assert error is not None
    assert "Gong rejected access key 'globex-key' and its access_key_secret with 401" in str(
        error.to_string()
    )
    assert companies["globex"].stats()["by_status"] == {"401": 1}
