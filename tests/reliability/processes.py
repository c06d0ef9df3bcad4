"""`dlt-gong run` as a separate process the quota and crash scenarios can time and kill.

The process is the real CLI: only the environment built here configures it (no
SOURCES__/DESTINATION__ from the outer environment), dlt keeps its pipeline under
``workdir/.dlt-data``, the DuckDB file is ``workdir/gong.duckdb`` and dlt's telemetry is
off. ``reader`` opens that destination from the test process for the proof, through a
pipeline of its own, so it never touches the state of the pipeline under test.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dlt

from dlt_gong.sandbox import RunningSandbox

CLI = str(Path(sys.executable).with_name("dlt-gong"))
DATASET = "gong_data"
PIPELINE = "gong"
# where dlt keeps a package between the steps: extracted, being normalized, being loaded
PENDING_FOLDERS = ("normalize/extracted", "load/new", "load/normalized")


def cli_env(workdir: Path, sb: RunningSandbox) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SOURCES__", "DESTINATION", "RUNTIME__", "DLT_", "NORMALIZE__"))
    }
    env.update(
        {
            "DLT_DATA_DIR": str(workdir / ".dlt-data"),
            "DESTINATION__DUCKDB__CREDENTIALS": str(workdir / "gong.duckdb"),
            "RUNTIME__DLTHUB_TELEMETRY": "false",
            "SOURCES__GONG__BASE_URL": sb.url,
            "SOURCES__GONG__CREDENTIALS__ACCESS_KEY": sb.config.access_key,
            "SOURCES__GONG__CREDENTIALS__ACCESS_KEY_SECRET": sb.config.access_key_secret,
            "SOURCES__GONG__REQUESTS_PER_SECOND": "0",
        }
    )
    return env


def start(args: list[str], workdir: Path, sb: RunningSandbox) -> subprocess.Popen[str]:
    """`dlt-gong *args` in ``workdir``, stdout and stderr captured."""
    workdir.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [CLI, *args],
        cwd=workdir,
        env=cli_env(workdir, sb),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run(
    args: list[str], workdir: Path, sb: RunningSandbox, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    proc = start(args, workdir, sb)
    out, err = proc.communicate(timeout=timeout)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def pipeline_dir(workdir: Path) -> Path:
    return workdir / ".dlt-data" / "pipelines" / PIPELINE


def pending(workdir: Path) -> list[str]:
    """Load packages extracted or normalized but not loaded yet (``folder/load_id``)."""
    where = pipeline_dir(workdir)
    return sorted(
        f"{folder}/{package.name}"
        for folder in PENDING_FOLDERS
        if (where / folder).is_dir()
        for package in (where / folder).iterdir()
        if package.is_dir()
    )


def reader(workdir: Path) -> dlt.Pipeline:
    """A pipeline that only reads ``workdir/gong.duckdb`` (its own state lives elsewhere)."""
    return dlt.pipeline(
        pipeline_name="reader",
        destination=dlt.destinations.duckdb(str(workdir / "gong.duckdb")),
        dataset_name=DATASET,
        pipelines_dir=str(workdir / "reader"),
    )
