"""`--plan` is the run, request for request, for every table of the catalogue: the plan's
requests per table, as requests per endpoint, equal what the sandbox served the run that
followed it (its recorded requests per endpoint), on a first run of each table alone and
on later runs of every table at once, with calls deleted and made private in between.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from dlt_gong import endpoints as ep
from dlt_gong import gong_source
from dlt_gong.plan import RECONCILE
from dlt_gong.planning import Plan, make_plan
from dlt_gong.runner import _previous_positions
from dlt_gong.sandbox import RunningSandbox, SandboxConfig, run_sandbox
from dlt_gong.source import client_of, options_of
from dlt_gong.tables import TABLES
from e2e_helpers import by_endpoint, credentials, load, more_counts, pipeline

NOW = datetime(2026, 6, 15, 17, 30, tzinfo=timezone.utc)
DAYS = 20
START = (NOW - timedelta(days=DAYS)).date().isoformat()


@pytest.fixture(scope="module")
def sb() -> Iterator[RunningSandbox]:
    # 30 users see more than 20 distinct flows (flow steps: two requests, not one), and
    # have fewer managers than users (coaching is asked per manager)
    config = SandboxConfig(
        seed=23, users=30, calls=250, days=DAYS, now=NOW, freeze_clock=True,
        rate_limit_per_second=None, daily_quota=None, deleted_call_rate=0.1,
        privatized_call_rate=0.05, removals_within_days=2,
    )  # fmt: skip
    with run_sandbox(config) as running:
        yield running


def _plan(sb: RunningSandbox, p: Any, saved: dict[str, Any], **kw: Any) -> Plan:
    source = gong_source(credentials=credentials(sb), base_url=sb.url, **kw)
    return make_plan(client_of(source), options_of(source), saved, p if saved else None)


def _served(sb: RunningSandbox) -> dict[str, int]:
    return {k: v for k, v in sb.stats()["by_endpoint"].items() if v}


def _planned(plan: Plan) -> dict[str, int]:
    return {k: v for k, v in by_endpoint(plan.per_table).items() if v}


@pytest.mark.parametrize("table", [t.name for t in TABLES])
def test_a_first_run_of_each_table_spends_what_its_plan_says(
    sb: RunningSandbox, tmp_path: Path, table: str
) -> None:
    kw: dict[str, Any] = dict(start_date=START, resources=[table], now=NOW,
                              requests_per_second=None)  # fmt: skip
    plan = _plan(sb, None, {}, **kw)
    assert not plan.incremental
    sb.reset_stats()
    load(pipeline(tmp_path), sb, **kw)
    assert _served(sb) == _planned(plan)


def test_the_counts_are_the_runs_own(sb: RunningSandbox) -> None:
    """Coaching by managers, flow steps by every user's distinct flows, 20 a request."""
    truth = more_counts(sb, datetime.fromisoformat(f"{START}T00:00:00+00:00"), NOW)
    kw: dict[str, Any] = dict(start_date=START, now=NOW, requests_per_second=None)
    coaching = _plan(sb, None, {}, resources=["coaching_metrics"], **kw).per_table
    assert truth["managers"] < len(sb.company.users())
    per_workspace = truth["managers"] * truth["coaching_periods"]
    assert coaching["coaching_metrics"] == 1 + truth["workspaces"] * per_workspace
    steps = _plan(sb, None, {}, resources=["flow_steps"], **kw).per_table
    assert truth["flows"] > 20 and steps["flow_steps"] == -(-truth["flows"] // 20) == 2
    assert steps["flows"] == len(sb.company.users())  # each user's flows, one page each


@pytest.mark.slow  # every table, run twice; make test-slow (CI) runs it
def test_later_runs_of_every_table_spend_what_their_plans_say(
    sb: RunningSandbox, tmp_path: Path
) -> None:
    """Three runs a day apart: positions saved per table, log type and manager, and the
    reconcile pass listing the calls once the destination holds some."""
    p = pipeline(tmp_path)
    everything = [t.name for t in TABLES]
    start = sb.clock.now()
    try:
        for day in range(3):
            saved = _previous_positions(p) if day else {}
            kw: dict[str, Any] = dict(start_date=START, resources=everything,
                                      now=sb.clock.now(), requests_per_second=None)  # fmt: skip
            plan = _plan(sb, p, saved, **kw)
            assert plan.incremental == (day > 0)
            assert (RECONCILE in plan.per_table) == (day > 0)
            sb.reset_stats()
            load(p, sb, **kw)
            assert _served(sb) == _planned(plan), day
            sb.clock.advance(27 * 3600)
        assert sb.stats()["by_endpoint"].get(ep.CALLS.name) is None  # never the basic scope
    finally:
        sb.clock.set(start)
