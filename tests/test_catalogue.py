"""Every row of the table catalogue, walked through everything that reads it: the source,
`dlt-gong check`, `--plan`, the ERD and the sandbox. A row that one of them cannot handle
fails here, not at a user's run time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from itertools import pairwise
from pathlib import Path
from typing import get_args

import pytest

from dlt_gong import endpoints as ep
from dlt_gong import gong_source, runner
from dlt_gong.errors import GongAuthError
from dlt_gong.plan import (
    ACTIVITY_PROBE,
    ACTIVITY_PROBE_FORMULA,
    RECONCILE,
    Counts,
    requests_per_table,
    with_parents,
)
from dlt_gong.sandbox import RunningSandbox, SandboxConfig, run_sandbox
from dlt_gong.sandbox.app import GongApi
from dlt_gong.sandbox.state import SandboxState
from dlt_gong.source import BUILDERS
from dlt_gong.tables import BY_NAME, TABLES, Kind, Table
from e2e_helpers import credentials

ROOT = Path(__file__).resolve().parents[1]
NAMES = [t.name for t in TABLES]
ALL_SCOPES = frozenset(e.scope for e in ep.ALL)
FIRST_SCOPE = ep.USERS.scope  # `check` proves the key with GET /v2/users first
NOW = datetime(2025, 3, 12, 17, 45, tzinfo=timezone.utc)


def _token(table: Table) -> str:
    return f"without-{table.scope}"


@pytest.fixture(scope="module")
def sb() -> Iterator[RunningSandbox]:
    tokens = {_token(t): ALL_SCOPES - {t.scope} for t in TABLES}
    config = SandboxConfig(
        seed=17, users=6, calls=60, days=4, now=NOW, freeze_clock=True, rate_limit_per_second=None,
        daily_quota=None, bearer_tokens=tuple(tokens), scopes=tokens,
    )  # fmt: skip
    with run_sandbox(config) as running:
        yield running


def test_every_kind_has_a_builder_and_every_row_is_whole() -> None:
    assert set(BUILDERS) == set(get_args(Kind))
    for i, table in enumerate(TABLES):
        assert table.primary_key, table.name
        assert table.endpoint in ep.ALL, table.name
        if table.parent is not None:  # built before its children, which read its rows
            assert table.parent.table in NAMES[:i], table.name
        for join in table.joins:
            assert join.table in BY_NAME, (table.name, join)
        assert table.default or table.why_off, table.name
    assert len(set(NAMES)) == len(NAMES)


def test_only_tables_a_run_passes_each_call_once_are_declared_so() -> None:
    """`once_per_run` holds for the tables read per page of calls, which pass a call over
    the second time a run reads it, and for those built from their rows."""
    for table in TABLES:
        if not table.once_per_run:
            continue
        assert table.call_key is not None, table.name
        if table.kind == "from_transcripts":
            assert table.parent is not None and BY_NAME[table.parent.table].once_per_run
        else:
            assert table.kind == "call_pages", table.name
    assert {t.name for t in TABLES if t.kind in ("call_pages", "from_transcripts")} == {
        t.name for t in TABLES if t.once_per_run
    }


def test_the_source_builds_every_row_with_merge_on_its_key(sb: RunningSandbox) -> None:
    """The load itself is walked row by row in test_source_e2e (every table, exact counts)."""
    source = gong_source(credentials=credentials(sb), base_url=sb.url, resources=NAMES[:1])
    assert list(source.resources) == NAMES
    assert [n for n, r in source.resources.items() if r.selected] == NAMES[:1]
    for table in TABLES:
        hints = source.resources[table.name].compute_table_schema()
        assert hints["write_disposition"] == "merge", table.name
        # the merge drops repeated staged rows itself: a job run again after a crash
        assert "x-stage-data-deduplicated" not in hints, table.name
        keys = [c for c, col in hints["columns"].items() if col.get("primary_key")]
        assert keys == list(table.primary_key), table.name


@pytest.mark.parametrize("name", NAMES)
def test_check_probes_each_row_and_names_its_scope(
    sb: RunningSandbox,
    name: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """With every scope but this table's, `check` says this table (and those needing its
    scope: its children, those sharing it) misses exactly it, and every other is ok."""
    table = BY_NAME[name]
    monkeypatch.setenv("SOURCES__GONG__CREDENTIALS__ACCESS_TOKEN", _token(table))
    monkeypatch.setenv("SOURCES__GONG__REQUESTS_PER_SECOND", "0")
    monkeypatch.setenv("SOURCES__GONG__NOW", NOW.isoformat())
    if table.scope == FIRST_SCOPE:
        with pytest.raises(GongAuthError):
            runner.check(base_url=sb.url)
        return
    runner.check(base_url=sb.url)
    out = capsys.readouterr().out.splitlines()
    lines = {line.split()[0]: line for line in out[2 : 2 + len(TABLES)]}
    assert list(lines) == NAMES
    for other in TABLES:
        line = lines[other.name]
        assert f" {other.endpoint.name} " in line and f" {other.scope} " in line, line
        status = f"missing scope {table.scope}" if table.scope in other.scopes else "ok"
        assert line.endswith(f" {'yes' if other.default else 'no':<9}{status}"), line
    sharing = sum(1 for t in TABLES if table.scope in t.scopes)
    total = out[2 + len(TABLES)]
    assert total.startswith(f"{len(TABLES) - sharing} of {len(TABLES)} tables can be loaded")
    loadable = [t.name for t in TABLES if table.scope not in t.scopes]
    assert out[-1] == f"  every table this key can load: --resources {','.join(loadable)}"


def test_plan_prints_each_rows_formula(
    sb: RunningSandbox, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    sb.reset_stats()
    start = (NOW - timedelta(days=4)).date().isoformat()
    runner.print_plan(credentials=credentials(sb), base_url=sb.url, start_date=start,
                      resources=NAMES, requests_per_second=None, now=NOW,
                      pipelines_dir=str(tmp_path))  # fmt: skip
    out = capsys.readouterr().out
    for table in TABLES:
        assert any(
            line.startswith(f"  {table.name} ") and line.endswith(f"   {table.formula}")
            for line in out.splitlines()
        ), table.name
    # what the plan spent counting is what it says it spent, every request of it seen by
    # the sandbox; no reconcile pass: a first run has loaded no call to reconcile
    counted = sb.stats()["requests"]
    assert counted > 2
    assert f"(counted with {counted:,} requests):" in out.splitlines()[0]
    assert f"  {RECONCILE:<28}" not in out
    assert f"  {ACTIVITY_PROBE:<28}{1:>8,} request    {ACTIVITY_PROBE_FORMULA}" in out
    folders = len(sb.company.library_folders())
    assert f"  {'library_folder_calls':<28}{folders:>8,} requests" in out


def test_plan_reads_parents_of_the_tables_asked_for() -> None:
    for table in TABLES:
        if table.parent is not None:
            # the table, its parent, and the parent's own parents (flow steps' flows' users)
            found = with_parents([table.name])
            assert found[:2] == [table.name, table.parent.table]
            for child, parent in pairwise(found):
                assert BY_NAME[child].parent is not None
                assert BY_NAME[child].parent.table == parent
    assert set(requests_per_table(Counts(users=1, calls=1), NAMES)) == set(NAMES)


def test_erd_draws_every_row_and_its_joins() -> None:
    text = (ROOT / "docs" / "schema.md").read_text()
    for table in TABLES:
        assert f"    {table.name} {{" in text, table.name
        for join in table.joins:
            assert f'    {join.table} ||--o{{ {table.name} : "{join.on}"' in text, table.name


def test_the_sandbox_serves_each_rows_endpoint_under_its_scope(sb: RunningSandbox) -> None:
    api = GongApi(SandboxState.create(sb.config))
    served = {(e.method, e.template): e.scope for e in api.endpoints}
    for table in TABLES:
        key = (table.endpoint.method, table.endpoint.path)
        assert served.get(key) == table.scope, table.name
