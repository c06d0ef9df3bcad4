"""The `now` option: a load's whole notion of time pinned to one instant.

The sandbox's clock and the source's `now` are set to the same fixed instant, far from the
wall clock, so what is asserted here cannot depend on when the suite runs.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from dlt_gong.errors import GongConfigError
from dlt_gong.options import build_options
from dlt_gong.sandbox import RunningSandbox
from e2e_helpers import Recorder, count, load, pipeline

NOW = datetime(2025, 3, 12, 17, 45, tzinfo=timezone.utc)  # a Wednesday, 10:45 in Los Angeles

BASE = {
    "start_date": None, "end_date": None, "lookback_days": 3, "stats_lookback_days": 3,
    "workspace_id": None, "user_ids": None, "resources": None, "content_selector": None,
    "include_private_calls": False, "aggregation_period": "DAY",
}  # fmt: skip


def test_now_sets_today_and_the_default_start() -> None:
    options = build_options(**BASE, now="2025-03-12T17:45:00-07:00")
    assert options.now == datetime(2025, 3, 13, 0, 45, tzinfo=timezone.utc)
    assert options.today == date(2025, 3, 13)
    assert options.start == datetime(2024, 3, 13, tzinfo=timezone.utc)  # 365 days before


def test_a_bad_now_is_a_one_line_error() -> None:
    with pytest.raises(GongConfigError) as err:
        build_options(**BASE, now="yesterday")
    assert str(err.value) == (
        "now 'yesterday' is not a date: use YYYY-MM-DD or an ISO-8601 date-time"
    )


def test_the_source_asks_for_the_days_before_its_now(make_sandbox: object, tmp_path: Path) -> None:
    sb: RunningSandbox = make_sandbox(  # type: ignore[operator]
        seed=5, users=6, calls=60, days=10, now=NOW, freeze_clock=True
    )
    recorder = Recorder()
    sb.on_exchange.append(recorder)
    p = pipeline(tmp_path)
    load(p, sb, start_date="2025-03-09", now=NOW, resources=["calls", "interaction_stats"])
    bodies = recorder.bodies("POST /v2/stats/interaction")  # asked side by side: any order
    assert sorted((b["filter"] for b in bodies), key=lambda f: str(f["fromDate"])) == [
        {"fromDate": "2025-03-09", "toDate": "2025-03-10"},
        {"fromDate": "2025-03-10", "toDate": "2025-03-11"},
    ]  # toDate never past UTC yesterday, whatever the company's time zone
    truth = sb.company.calls("2025-03-09T00:00:00Z", None)
    public = [c for c in truth if not c["metaData"]["isPrivate"]]
    assert count(p, "calls") == len(public) > 0
    assert recorder.bodies("POST /v2/calls/extensive")[0]["filter"] == {
        "fromDateTime": "2025-03-09T00:00:00Z"
    }
