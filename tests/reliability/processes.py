"""`dlt-gong run` as a separate process the quota and crash scenarios can time and kill.

The process is the real CLI, in the environment ``cli_runs.cli_env`` builds (the same as
the bad-input and secrets runs): dlt keeps its pipeline under ``workdir/.dlt-data`` and
the DuckDB file is ``workdir/gong.duckdb``. ``reader`` opens that destination from the test process for the proof, through a
pipeline of its own, so it never touches the state of the pipeline under test.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import dlt
from cli_runs import CLI, DATASET, cli_env, key_env

from dlt_gong.sandbox import RunningSandbox

PIPELINE = "gong"
# where dlt keeps a package between the steps: extracted, being normalized, being loaded
PENDING_FOLDERS = ("normalize/extracted", "load/new", "load/normalized")


def start(args: list[str], workdir: Path, sb: RunningSandbox) -> subprocess.Popen[str]:
    """`dlt-gong *args` in ``workdir``, stdout and stderr captured."""
    workdir.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [CLI, *args],
        cwd=workdir,
        env=cli_env(workdir, key_env(sb)),
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
