"""Running `dlt-gong` as a user does, and reading back what a run left behind.

Shared by the bad-input and secrets scenarios: a real process (so the exit code and the
stderr are the real ones), with the pipeline state, HOME and the working directory all
inside the test's own directory, and a snapshot of a DuckDB destination precise enough to
prove that a refused run changed nothing: every table's row count and a checksum of its
whole rows, the local dlt pipeline state, and the pending load packages.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import duckdb

from dlt_gong.sandbox import RunningSandbox

CLI = str(Path(sys.executable).with_name("dlt-gong"))
DATASET = "gong_data"


def cli_env(cwd: Path, env: dict[str, str]) -> dict[str, str]:
    """The environment of a `dlt-gong` run in `cwd`: only `env` configures it (no
    SOURCES__/DESTINATION__ from the outer environment), dlt keeps its pipelines under
    `cwd/.dlt-data`, and dlt's anonymous telemetry is off so a test never talks to the
    internet.

    The DuckDB file is named explicitly: by default dlt puts it in the directory where the
    pipeline *first* ran (saved in its state), so a run in a copied working directory
    would write to the original's file.
    """
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SOURCES__", "DESTINATION", "RUNTIME__", "DLT_", "NORMALIZE__"))
    }
    clean["DLT_DATA_DIR"] = str(cwd / ".dlt-data")
    clean["DESTINATION__DUCKDB__CREDENTIALS"] = str(cwd / "gong.duckdb")
    clean["RUNTIME__DLTHUB_TELEMETRY"] = "false"
    clean.update(env)
    return clean


def dlt_gong(
    args: list[str], cwd: Path, env: dict[str, str], *, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """`dlt-gong *args` in `cwd`, configured by `env` only (see `cli_env`)."""
    return subprocess.run(
        [CLI, *args], cwd=cwd, env=cli_env(cwd, env), capture_output=True, text=True,
        timeout=timeout,
    )  # fmt: skip


def key_env(sb: RunningSandbox, secret: str | None = None) -> dict[str, str]:
    """The sandbox's access key pair (or `secret` instead of its own), base URL and the
    sandbox clock's instant as the run's `now`."""
    return {
        "SOURCES__GONG__BASE_URL": sb.url,
        "SOURCES__GONG__NOW": sb.clock.now().isoformat(),
        "SOURCES__GONG__CREDENTIALS__ACCESS_KEY": sb.config.access_key,
        "SOURCES__GONG__CREDENTIALS__ACCESS_KEY_SECRET": secret or sb.config.access_key_secret,
        "SOURCES__GONG__REQUESTS_PER_SECOND": "0",
    }


def token_env(sb: RunningSandbox, token: str) -> dict[str, str]:
    return {
        "SOURCES__GONG__BASE_URL": sb.url,
        "SOURCES__GONG__NOW": sb.clock.now().isoformat(),
        "SOURCES__GONG__CREDENTIALS__ACCESS_TOKEN": token,
        "SOURCES__GONG__REQUESTS_PER_SECOND": "0",
    }


def only_line(r: subprocess.CompletedProcess[str]) -> str:
    """stderr's only line; fails (showing all of stderr) when there are more or none."""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}:\n{r.stderr}"
    return lines[0]


# -- what a destination holds --------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """Everything a refused run must leave exactly as it was."""

    tables: dict[str, tuple[int, int]]  # table -> (rows, sum of row hashes)
    state: dict[str, Any]  # the local dlt pipeline state (state.json), version included
    pending: tuple[str, ...]  # load packages extracted or normalized but not loaded

    @property
    def rows(self) -> int:
        return sum(n for n, _ in self.tables.values())


def pipeline_dir(workdir: Path, pipeline_name: str = "gong") -> Path:
    return workdir / ".dlt-data" / "pipelines" / pipeline_name


def snapshot(workdir: Path, pipeline_name: str = "gong") -> Snapshot:
    """Reads `workdir/<pipeline_name>.duckdb` and the pipeline's local state."""
    tables: dict[str, tuple[int, int]] = {}
    con = duckdb.connect(str(workdir / f"{pipeline_name}.duckdb"), read_only=True)
    try:
        names = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = ? "
                "order by table_name",
                [DATASET],
            ).fetchall()
        ]
        for name in names:
            n, checksum = con.execute(
                f'select count(*), coalesce(sum(hash(t)), 0) from {DATASET}."{name}" as t'
            ).fetchone() or (0, 0)
            tables[name] = (int(n), int(checksum))
    finally:
        con.close()
    where = pipeline_dir(workdir, pipeline_name)
    state = json.loads((where / "state.json").read_text())
    state.pop("_local", None)  # where it last ran from (the copy's own path): not state
    pending = tuple(
        sorted(
            str(p.relative_to(where))
            for folder in ("normalize/extracted", "load/new", "load/normalized")
            if (where / folder).is_dir()
            for p in (where / folder).iterdir()
        )
    )
    return Snapshot(tables, state, pending)


def copy_workdir(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


# -- a host that is not Gong ----------------------------------------------------------------


class FakeProxy:
    """A local HTTP server answering every request with one HTML page, like a proxy's
    error page or a login portal; counts what it served."""

    def __init__(self, status: int, body: bytes) -> None:
        self.status, self.body, self.served = status, body, 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                outer.served += 1
                length = int(self.headers.get("content-length") or 0)
                if length:
                    self.rfile.read(length)
                self.send_response(outer.status)
                self.send_header("content-type", "text/html; charset=utf-8")
                self.send_header("content-length", str(len(outer.body)))
                self.end_headers()
                self.wfile.write(outer.body)

            do_GET = do_POST = _answer

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    @contextmanager
    def running(self) -> Iterator[FakeProxy]:
        thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.server.shutdown()
            self.server.server_close()
            thread.join()
