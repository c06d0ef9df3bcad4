"""examples/airflow_gong.py, the DAG docs/scheduling.md shows, run by `dag.test()` against
the sandbox (Airflow's metadata in SQLite under a temporary AIRFLOW_HOME): its tasks run
one after another and load exactly what the sandbox has; a task stopped by Gong's daily
quota fails, saying when the quota resets, and the tasks after it do not run."""

# Airflow's environment must be set before it is imported: imports follow it
# ruff: noqa: E402

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="airflow-home-"))
DAGS = AIRFLOW_HOME / "dags"
# Airflow reads its configuration once, when first imported
os.environ.update(
    AIRFLOW_HOME=str(AIRFLOW_HOME),
    AIRFLOW__CORE__DAGS_FOLDER=str(DAGS),
    AIRFLOW__CORE__LOAD_EXAMPLES="False",
    AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{AIRFLOW_HOME}/airflow.db",
)
pytest.importorskip("airflow")

import duckdb
import pendulum
from airflow.dag_processing.dagbag import DagBag
from airflow.utils import db
from gong_env import ROOT, config, point_at, public_calls, spoken_calls

from dlt_gong.sandbox import RunningSandbox, run_sandbox

RESOURCES = '["users", "calls", "call_transcripts", "call_transcript_text"]'
TASKS = ["gong.gong_users", "gong.gong_calls-call_transcripts-call_transcript_text"]


@pytest.fixture(scope="module", autouse=True)
def metadata_db() -> Iterator[None]:
    DAGS.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "examples" / "airflow_gong.py", DAGS / "airflow_gong.py")
    db.initdb()
    yield
    shutil.rmtree(AIRFLOW_HOME, ignore_errors=True)


def _dag(monkeypatch: pytest.MonkeyPatch, sb: RunningSandbox, tmp_path: Path) -> object:
    """The DAG as Airflow parses it, its source pointed at `sb`."""
    point_at(monkeypatch, sb, tmp_path)
    monkeypatch.setenv("SOURCES__GONG__RESOURCES", RESOURCES)
    monkeypatch.setenv("DESTINATION__DUCKDB__CREDENTIALS", str(tmp_path / "gong.duckdb"))
    bag = DagBag(dag_folder=str(DAGS / "airflow_gong.py"))
    assert not bag.import_errors
    dag = bag.get_dag("gong")
    # dag.test() would wait out a task's retry delay (hours); a failure is the same run
    for task in dag.tasks:
        task.retries = 0
    return dag


def _loaded(tmp_path: Path, table: str, column: str) -> list[str]:
    with duckdb.connect(str(tmp_path / "gong.duckdb"), read_only=True) as con:
        found = con.execute(f"select {column} from gong_data.{table}").fetchall()
    return sorted(str(r[0]) for r in found)


def _states(run: object) -> dict[str, str]:
    return {ti.task_id: str(ti.state) for ti in run.get_task_instances()}  # type: ignore[attr-defined]


def test_the_dag_loads_the_sandbox_with_serial_tasks(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with run_sandbox(config()) as sb:
        dag = _dag(monkeypatch, sb, tmp_path)
        tasks = [t for t in dag.tasks if t.task_id in TASKS]  # type: ignore[attr-defined]
        assert [t.task_id for t in tasks] == TASKS
        assert [t.task_id for t in tasks[0].downstream_list] == TASKS[1:]  # one at a time
        run = dag.test(logical_date=pendulum.datetime(2026, 6, 15, 12, tz="UTC"))  # type: ignore[attr-defined]
        assert str(run.state) == "success"
        assert set(_states(run).values()) == {"success"}
        users = sorted(u["id"] for u in sb.company.users())
        calls = sorted(c["metaData"]["id"] for c in public_calls(sb))
        spoken = spoken_calls(sb)
    assert _loaded(tmp_path, "users", "id") == users
    assert _loaded(tmp_path, "calls", "id") == calls
    assert _loaded(tmp_path, "call_transcript_text", "call_id") == spoken


def test_a_task_stopped_by_the_quota_fails_with_the_reset_time(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    with run_sandbox(config(daily_quota=1)) as sb:  # users take the day's one request
        dag = _dag(monkeypatch, sb, tmp_path)
        before = datetime.now(timezone.utc)
        run = dag.test(logical_date=pendulum.datetime(2026, 6, 16, 12, tz="UTC"))  # type: ignore[attr-defined]
        after = datetime.now(timezone.utc)
    assert str(run.state) == "failed"
    states = _states(run)
    assert states[TASKS[0]] == "success"
    assert states[TASKS[1]] == "failed"
    assert "success" not in {s for t, s in states.items() if t not in TASKS[:1]}
    out = capfd.readouterr()
    found = re.search(
        r"GongQuotaExhausted: Gong's daily API quota is spent \(429 with Retry-After \d+ s\); "
        r"it resets at (\S+)\.",
        out.out + out.err,
    )
    assert found, "the task's failure names the reset time"
    reset = timedelta(hours=6, minutes=30)  # the sandbox's UTC midnight, from its 17:30
    assert (
        before + reset - timedelta(seconds=1) <= datetime.fromisoformat(found[1]) <= after + reset
    )
    assert _loaded(tmp_path, "users", "id") == sorted(u["id"] for u in sb.company.users())
