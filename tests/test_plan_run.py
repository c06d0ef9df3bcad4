"""`dlt-gong run --plan` plans the run `dlt-gong run` then makes: the same options (flags,
`.dlt/config.toml`, environment, defaults), the same `now`, and exactly the requests the
run spends on the sandbox.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from dlt_gong.sandbox import RunningSandbox
from e2e_helpers import Truth

NOW = datetime(2025, 11, 19, 18, 30, tzinfo=timezone.utc)
CLI = str(Path(sys.executable).with_name("dlt-gong"))


def _dlt_gong(args: list[str], cwd: Path, sb: RunningSandbox) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOURCES__", "DESTINATION"))}
    env.update({
        "SOURCES__GONG__BASE_URL": sb.url,
        "SOURCES__GONG__CREDENTIALS__ACCESS_KEY": sb.config.access_key,
        "SOURCES__GONG__CREDENTIALS__ACCESS_KEY_SECRET": sb.config.access_key_secret,
        "SOURCES__GONG__REQUESTS_PER_SECOND": "0",
        "SOURCES__GONG__NOW": NOW.isoformat(),
        "DLT_DATA_DIR": str(cwd / ".dlt-data"),
    })  # fmt: skip
    return subprocess.run([CLI, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=240)  # fmt: skip


def _planned_total(out: str) -> int:
    found = re.search(r"^  total\s+([\d,]+) requests", out, re.M)
    assert found, out
    return int(found.group(1).replace(",", ""))


@pytest.fixture(scope="module")
def sb(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from dlt_gong.sandbox import SandboxConfig, run_sandbox

    config = SandboxConfig(seed=29, users=8, calls=120, days=60, now=NOW, freeze_clock=True,
                           rate_limit_per_second=None, daily_quota=None)  # fmt: skip
    with run_sandbox(config) as running:
        yield running


def _first_activity(sb: RunningSandbox) -> date:
    truth = Truth(sb, NOW.date() - timedelta(days=100), NOW.date())
    return min(truth.activity_by_day(truth.start, truth.stats_end))


@pytest.mark.parametrize(
    "case",
    [
        pytest.param("far back", marks=pytest.mark.slow),
        pytest.param("default start", marks=pytest.mark.slow),
        "config file",  # in every `make test`; the other two with `pytest -m slow`
    ],
)
def test_plan_total_is_the_runs(sb: RunningSandbox, tmp_path: Path, case: str) -> None:
    args: list[str] = []
    if case == "far back":
        args = ["--start-date", "2000-01-01"]
        heading = "Plan for a first run of users, workspaces, calls, "
        window = "2000-01-01 .. now (2025-11-19 18:30 UTC)"
    elif case == "default start":
        heading = "Plan for a first run of users, workspaces, calls, "
        window = "2024-11-19 .. now (2025-11-19 18:30 UTC)"
    else:
        start = _first_activity(sb) - timedelta(days=5)
        (tmp_path / ".dlt").mkdir()
        (tmp_path / ".dlt" / "config.toml").write_text(
            f'[sources.gong]\nstart_date = "{start}"\n'
            'resources = ["users", "calls", "aggregated_activity", "interaction_stats"]\n'
            'interaction_stats_period = "WEEK"\n'
        )
        heading = "Plan for a first run of users, calls, aggregated_activity, interaction_stats, "
        window = f"{start} .. now (2025-11-19 18:30 UTC)"
    plan = _dlt_gong(["run", "--plan", *args], tmp_path, sb)
    assert plan.returncode == 0, plan.stderr
    assert plan.stdout.startswith(heading + ("" if case == "config file" else "call_transcripts"))
    assert window in plan.stdout.splitlines()[0]
    planned = _planned_total(plan.stdout)
    sb.reset_stats()
    run = _dlt_gong(["run", "--progress", "none", *args], tmp_path, sb)
    assert run.returncode == 0, run.stderr
    spent = sb.stats()["requests"]
    assert planned == spent, (planned, spent, plan.stdout)
    if case == "config file":  # the run loaded what the config says, and so planned
        assert "  call_transcripts" not in plan.stdout and "  call_transcripts" not in run.stdout
        assert "  interaction_stats" in run.stdout
