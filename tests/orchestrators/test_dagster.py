"""examples/dagster_gong.py, the definition docs/scheduling.md shows, materialized twice in
process against the sandbox: exact data, then an incremental run; and a run stopped by
Gong's daily quota fails, saying when the quota resets."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

pytest.importorskip("dagster_dlt")

import duckdb
from dagster import DagsterEventType, materialize
from dagster_dlt import DagsterDltResource
from gong_env import (
    RESOURCES,
    config,
    incremental_start,
    load_example,
    point_at,
    public_calls,
    spoken_calls,
)

from dlt_gong.sandbox import run_sandbox
from dlt_gong.windows import gong_datetime
from e2e_helpers import Recorder

CALLS = "POST /v2/calls/extensive"


def _loaded(tmp_path: Path, table: str, column: str) -> list[str]:
    with duckdb.connect(str(tmp_path / "gong.duckdb"), read_only=True) as con:
        found = con.execute(f"select {column} from gong_data.{table}").fetchall()
    return sorted(str(r[0]) for r in found)


def test_two_materializations_load_exactly_then_incrementally(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with run_sandbox(config()) as sb:
        recorder = Recorder()
        sb.on_exchange.append(recorder)
        point_at(monkeypatch, sb, tmp_path)
        example = load_example("dagster_gong")
        resources = {"dlt": DagsterDltResource()}

        first = materialize([example.gong_assets], resources=resources)
        assert first.success
        keys = {e.asset_key.to_user_string() for e in first.get_asset_materialization_events()}
        # an asset per table (and per table of removed calls, see reconcile.py)
        assert {f"dlt_gong_{name}" for name in RESOURCES} <= keys
        assert all(key.startswith("dlt_gong_") for key in keys)
        calls = public_calls(sb)
        assert _loaded(tmp_path, "calls", "id") == sorted(c["metaData"]["id"] for c in calls)
        assert _loaded(tmp_path, "call_transcript_text", "call_id") == spoken_calls(sb)
        newest = max(c["metaData"]["started"] for c in calls)

        sb.clock.advance(86_400)  # a day later, with a day of new calls
        monkeypatch.setenv("SOURCES__GONG__NOW", sb.clock.now().isoformat())
        recorder.exchanges.clear()
        second = materialize([example.gong_assets], resources=resources)
        assert second.success
        # incremental: from the newest call loaded, less the lookback; beside it the
        # reconcile pass lists the last 30 days' calls (metaData only: no contentSelector)
        bodies = recorder.bodies(CALLS)
        loads = [b["filter"] for b in bodies if "contentSelector" in b]
        listings = [b["filter"] for b in bodies if "contentSelector" not in b]
        assert loads and {f["fromDateTime"] for f in loads} == {incremental_start(newest)}
        now = sb.clock.now()
        assert listings == [
            {
                "fromDateTime": gong_datetime(now - timedelta(days=30)),
                "toDateTime": gong_datetime(now),
            }
        ]
        later = public_calls(sb)
        assert len(later) > len(calls)
        assert _loaded(tmp_path, "calls", "id") == sorted(c["metaData"]["id"] for c in later)
        assert _loaded(tmp_path, "call_transcript_text", "call_id") == spoken_calls(sb)


def test_a_run_stopped_by_the_quota_fails_with_the_reset_time(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with run_sandbox(config(calls=150, daily_quota=2)) as sb:
        point_at(monkeypatch, sb, tmp_path)
        example = load_example("dagster_gong")
        before = datetime.now(timezone.utc)
        result = materialize(
            [example.gong_assets], resources={"dlt": DagsterDltResource()}, raise_on_error=False
        )
        after = datetime.now(timezone.utc)
        public = [c["metaData"]["id"] for c in public_calls(sb)]
    assert not result.success
    (failure,) = [e for e in result.all_events if e.event_type == DagsterEventType.STEP_FAILURE]
    description = failure.step_failure_data.user_failure_data.description
    found = re.fullmatch(r"partial load: Gong's daily quota resets at (\S+)", description)
    assert found, description
    # the sandbox's quota resets at its UTC midnight, 6.5 hours after its clock's 17:30
    reset = timedelta(hours=6, minutes=30)
    assert before + reset <= datetime.fromisoformat(found[1]) <= after + reset
    # what was read before the stop is loaded (the calls Gong answered with)
    loaded = _loaded(tmp_path, "calls", "id")
    assert loaded and set(loaded) <= set(public)
