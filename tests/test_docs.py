"""The examples in README.md and docs/ run as written, against the sandbox."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from dlt_gong.sandbox import RunningSandbox, SandboxConfig, run_sandbox
from instants import NOW

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", ROOT / "docs" / "backfill.md"]


def python_blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(), flags=re.S)


@pytest.fixture(scope="module")
def sb() -> Iterator[RunningSandbox]:
    config = SandboxConfig(seed=41, users=6, calls=150, days=365, now=NOW, freeze_clock=True,
                           rate_limit_per_second=None, daily_quota=None)  # fmt: skip
    with run_sandbox(config) as running:
        yield running


@pytest.mark.slow  # a load a block; make test-slow (CI) runs them
@pytest.mark.parametrize(
    ("doc", "index"),
    [(d.name, i) for d in DOCS for i in range(len(python_blocks(d)))],
)
def test_example_runs_as_written(sb: RunningSandbox, tmp_path: Path, doc: str, index: int) -> None:
    path = next(d for d in DOCS if d.name == doc)
    code = python_blocks(path)[index]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOURCES__")}
    env.update(
        {
            "SOURCES__GONG__BASE_URL": sb.url,
            "SOURCES__GONG__CREDENTIALS__ACCESS_KEY": sb.config.access_key,
            "SOURCES__GONG__CREDENTIALS__ACCESS_KEY_SECRET": sb.config.access_key_secret,
            "SOURCES__GONG__REQUESTS_PER_SECOND": "0",
            "SOURCES__GONG__NOW": sb.clock.now().isoformat(),
            "DLT_DATA_DIR": str(tmp_path / ".dlt-data"),
            "RUNTIME__LOG_LEVEL": "ERROR",
        }
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=300)  # fmt: skip
    assert r.returncode == 0, r.stderr[-2000:]
    databases = list(tmp_path.glob("*.duckdb"))
    assert len(databases) == 1
    with duckdb.connect(str(databases[0])) as con:
        assert con.execute("select count(*) from gong_data.calls").fetchone()[0] > 0


def test_readme_table_reference_matches_the_catalogue() -> None:
    from dlt_gong.tables import TABLES

    readme = (ROOT / "README.md").read_text()
    for table in TABLES:
        row = next(line for line in readme.splitlines() if line.startswith(f"| `{table.name}`"))
        assert f"`{table.endpoint.name}`" in row and f"`{table.scope}`" in row, row
        assert f"| {table.incremental} |" in row, row
        default = "on" if table.default else f"off: {table.why_off}"
        assert f"| {default} |" in row, row


def test_readme_request_formulas_are_the_catalogues() -> None:
    from dlt_gong.tables import TABLES

    lines = (ROOT / "README.md").read_text().splitlines()
    for table in TABLES:
        assert f"| `{table.name}` | {table.formula} |" in lines, table.name


def test_readme_says_what_the_retention_does_to_each_table() -> None:
    from dlt_gong.tables import TABLES

    lines = [line.strip() for line in (ROOT / "README.md").read_text().splitlines()]
    for table in TABLES:
        assert f"| `{table.name}` | {table.retention} |" in lines, table.name


def test_readme_configuration_lists_every_option() -> None:
    """Each `gong_source` argument has a row in the README's Configuration table (the two
    secrets' companions are told in the OAuth and Privacy sections instead): a new option
    with no row is one a user cannot find."""
    import inspect

    from dlt_gong.source import gong_source

    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    listed = {
        name
        for line in section.splitlines()
        if line.startswith("| `")
        for name in re.findall(r"`([a-z_]+)`", line.split("|")[1])
    }
    told_elsewhere = {"token_store", "personal_data_key"}
    arguments = set(inspect.signature(gong_source.__wrapped__).parameters)
    assert arguments - told_elsewhere - listed == set()
    assert all(f"`{name}`" in readme for name in told_elsewhere)
