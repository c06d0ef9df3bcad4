"""Where a load went, as the CLI tells it: the summary's hints run as printed, and a
pipeline whose DuckDB folder was deleted is explained in one line (exit 2).

Real processes with dlt's default DuckDB placement (no DESTINATION__DUCKDB__CREDENTIALS):
dlt puts the file in the folder where the pipeline first ran, which is what goes stale.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from dlt_gong.sandbox import RunningSandbox, SandboxConfig, run_sandbox

CLI = str(Path(sys.executable).with_name("dlt-gong"))
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=timezone.utc)
START = (NOW - timedelta(days=4)).date().isoformat()


@pytest.fixture(scope="module")
def sb() -> Iterator[RunningSandbox]:
    config = SandboxConfig(seed=5, users=4, calls=30, days=4, now=NOW, freeze_clock=True,
                           rate_limit_per_second=None, daily_quota=None)  # fmt: skip
    with run_sandbox(config) as running:
        yield running


def env_of(sb: RunningSandbox, data_dir: Path) -> dict[str, str]:
    """A user's shell: no venv on PATH, dlt's pipelines under `data_dir`."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SOURCES__", "DESTINATION", "RUNTIME__", "DLT_", "VIRTUAL_ENV"))
    }
    clean["PATH"] = os.pathsep.join(
        p for p in clean.get("PATH", "").split(os.pathsep) if p and Path(p) != Path(CLI).parent
    )
    clean.update({
        "DLT_DATA_DIR": str(data_dir),
        "RUNTIME__DLTHUB_TELEMETRY": "false",
        "SOURCES__GONG__BASE_URL": sb.url,
        "SOURCES__GONG__CREDENTIALS__ACCESS_KEY": sb.config.access_key,
        "SOURCES__GONG__CREDENTIALS__ACCESS_KEY_SECRET": sb.config.access_key_secret,
        "SOURCES__GONG__REQUESTS_PER_SECOND": "0",
        "SOURCES__GONG__NOW": NOW.isoformat(),  # the load's now: the sandbox's
    })  # fmt: skip
    return clean


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLI, "run", "--start-date", START, *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def test_the_summary_hints_run_as_printed_in_a_shell(sb: RunningSandbox, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    env = env_of(sb, tmp_path / "dlt")
    r = run(["--resources", "users,calls"], work, env)
    assert r.returncode == 0, r.stderr
    hints = [line.split("try:  ", 1)[1] for line in r.stdout.splitlines() if "try:  " in line]
    assert len(hints) == 2
    info, query = hints
    assert shlex.split(info)[1:] == ["pipeline", "gong", "info"]
    assert shlex.split(query)[0] == sys.executable
    newest = max(
        (c for c in sb.company.calls(f"{START}T00:00:00Z", None) if not c["metaData"]["isPrivate"]),
        key=lambda c: c["metaData"]["started"],
    )
    elsewhere = tmp_path / "elsewhere"  # the hints hold no path relative to the run's folder
    elsewhere.mkdir()
    shown = [  # as the user's shell runs a pasted line
        subprocess.run(
            ["/bin/sh", "-c", hint],
            cwd=elsewhere,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        for hint in hints
    ]
    for hint, out in zip(hints, shown, strict=True):
        assert out.returncode == 0, f"{hint}\n{out.stderr}"
    assert f"Found pipeline gong in {tmp_path / 'dlt' / 'pipelines'}" in shown[0].stdout
    assert newest["metaData"]["title"][:20] in shown[1].stdout


def test_a_pipeline_whose_duckdb_folder_is_gone_says_how_to_start_over(
    sb: RunningSandbox, tmp_path: Path
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    env = env_of(sb, tmp_path / "dlt")
    assert run(["--resources", "users"], first, env).returncode == 0
    shutil.rmtree(first)
    sb.reset_stats()
    stale = run(["--resources", "users"], second, env)
    kept = tmp_path / "dlt" / "pipelines" / "gong"
    assert stale.returncode == 2
    assert stale.stderr.strip().splitlines() == [
        f"dlt-gong: pipeline 'gong' loads into {first}/gong.duckdb, but {first} no longer "
        f"exists (dlt keeps the pipeline in {kept} and puts its DuckDB file in the folder "
        "where it first ran, unless destination.duckdb.credentials names a file): start "
        "afresh with a new --pipeline-name, or forget the old pipeline with "
        f"`rm -r {kept}` and run again"
    ]
    assert sb.stats()["requests"] == 1  # the credentials proved (GET /v2/users), no more
    # the way out it gives works (a new --pipeline-name is a new pipeline: nothing to test)
    command = stale.stderr.split("`")[1]
    subprocess.run(["/bin/sh", "-c", command], check=True)
    again = run(["--resources", "users"], second, env)
    assert again.returncode == 0, again.stderr
    assert "first run" in again.stdout and (second / "gong.duckdb").exists()
