"""Stats at the floor, end to end: windows from the company's first activity, periods
aligned to Gong's calendar, interaction stats asked only where they can be, no row lost.

Every sandbox here has its clock pinned and every load passes the same instant as `now`,
so nothing depends on when the suite runs.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import dlt
import pytest

from dlt_gong.activity import ActivityProbe
from dlt_gong.plan import Counts, requests_per_table
from dlt_gong.sandbox import RunningSandbox
from dlt_gong.source import client_of, options_of
from dlt_gong.windows import period_spans, period_start
from e2e_helpers import Truth, by_endpoint, load, pipeline, rows, served_by_endpoint

NOW = datetime(2025, 11, 19, 18, 30, tzinfo=timezone.utc)  # a Wednesday, 10:30 in Los Angeles
STATS = ["aggregated_activity", "day_by_day_activity", "interaction_stats"]


def _data(p: dlt.Pipeline, table: str) -> list[tuple[Any, ...]]:
    """Every row of `table` without dlt's own columns, sorted."""
    with p.sql_client() as sql:
        columns = [
            c
            for (c,) in sql.execute_sql(
                "select column_name from information_schema.columns "
                f"where table_schema = '{p.dataset_name}' and table_name = '{table}' "
                "order by column_name"
            )
            if not c.startswith("_dlt")
        ]
    found = rows(p, f"select {', '.join(columns)} from {table}")
    return sorted(found, key=repr)


def _first_activity(truth: Truth) -> date:
    return min(truth.activity_by_day(truth.stats_end - timedelta(days=200), truth.stats_end))


def test_far_back_start_costs_what_a_start_before_the_data_costs(
    make_sandbox: Any, tmp_path: Path
) -> None:
    sb: RunningSandbox = make_sandbox(seed=17, users=10, calls=200, days=60, now=NOW,
                                      freeze_clock=True)  # fmt: skip
    first = _first_activity(Truth(sb, date(2000, 1, 1), NOW.date()))
    spent, loaded = {}, {}
    for start in (date(2000, 1, 1), first - timedelta(days=1)):
        truth = Truth(sb, start, NOW.date())
        sb.reset_stats()
        p = pipeline(tmp_path, f"from_{start:%Y%m%d}")
        source = load(p, sb, start_date=start.isoformat(), resources=STATS, now=NOW)
        expected = requests_per_table(Counts(users=10, calls=0, **truth.stats_counts()), STATS)
        assert served_by_endpoint(sb.stats(), expected) == by_endpoint(expected)
        spent[start] = client_of(source).requests_sent
        assert spent[start] == sum(expected.values())
        probe = ActivityProbe.of(client_of(source), options_of(source))  # the load's own
        assert probe.first_activity(NOW.date() - timedelta(days=1)) == first  # (no request)
        assert client_of(source).requests_sent == spent[start]
        loaded[start] = {
            t: _data(p, t)
            for t in (*STATS, "day_by_day_activity__calls_as_host",
                      "interaction_stats__person_interaction_stats")
        }  # fmt: skip
    far, near = spent.values()
    assert near > 60 and far <= 1.1 * near, spent
    assert loaded[date(2000, 1, 1)] == loaded[first - timedelta(days=1)]
    assert rows(p, "select min(from_date) from day_by_day_activity") == [(first,)]


PERIOD_CASES = [
    pytest.param("DAY", "WEEK", marks=pytest.mark.slow),
    ("WEEK", "WEEK"),
    ("MONTH", "MONTH"),
    pytest.param("QUARTER", "MONTH", marks=pytest.mark.slow),
]
"""WEEK and MONTH in every `make test`; DAY and QUARTER with `pytest -m slow`."""


@pytest.mark.parametrize(("aggregation", "interaction"), PERIOD_CASES)
def test_period_sums_equal_the_truth_after_a_rerun(
    make_sandbox: Any, tmp_path: Path, aggregation: str, interaction: str
) -> None:
    """A first run from mid-period, then one 12 days later (its re-read window starts
    mid-period too): one row per user and period, and the sums are Gong's for each period,
    the period that was in progress at the first run included."""
    sb: RunningSandbox = make_sandbox(seed=23, users=10, calls=300, days=90, now=NOW,
                                      freeze_clock=True)  # fmt: skip
    start = date(2025, 9, 17)  # a Wednesday, mid-month, mid-quarter
    p = pipeline(tmp_path)
    kw = {"start_date": start.isoformat(), "resources": ["aggregated_activity",
          "interaction_stats"], "aggregation_period": aggregation,
          "interaction_stats_period": interaction}  # fmt: skip
    load(p, sb, now=NOW, **kw)
    later = NOW + timedelta(days=12)
    sb.clock.set(later)
    load(p, sb, now=later, **kw)
    end = later.date() - timedelta(days=1)

    truth: dict[date, int] = {}
    hosts: dict[tuple[str, date], int] = {}
    for user in sb.company.activity_by_period(period_start(start, aggregation), end, aggregation):
        for period in user["userAggregateActivity"]:
            day = date.fromisoformat(period["fromDate"][:10])
            truth[day] = truth.get(day, 0) + period["callsAsHost"]
            if period["callsAsHost"]:
                hosts[(user["userId"], day)] = period["callsAsHost"]
    summed = rows(p, "select from_date, sum(calls_as_host) from aggregated_activity group by 1")
    assert dict(summed) == truth
    loaded_hosts = rows(p, "select user_id, from_date, calls_as_host from aggregated_activity "
                           "where calls_as_host > 0")  # fmt: skip
    assert {(u, d): n for u, d, n in loaded_hosts} == hosts
    keys = rows(p, "select count(*), count(distinct (user_id, from_date)) from aggregated_activity")
    assert keys[0][0] == keys[0][1]  # one row per user and period

    expected = {}
    for first, following in period_spans(period_start(start, interaction), end, interaction):
        n = Truth(sb, start, later.date()).interaction_users(first, following)
        if n:
            expected[(first, following)] = n
    loaded = rows(p, "select from_date, to_date, period, count(*) from interaction_stats "
                     "group by 1, 2, 3")  # fmt: skip
    assert {(f, t): n for f, t, period, n in loaded} == expected
    assert {period for _, _, period, _ in loaded} == {interaction}


@pytest.mark.parametrize("counted_on", ["started", "processed"])
def test_interaction_stats_on_isolated_days_are_all_loaded(
    make_sandbox: Any, tmp_path: Path, counted_on: str
) -> None:
    """A company with a handful of calls: activity on isolated days, long quiet runs. When
    Gong counts interaction stats on the day a call was processed (a day that may have no
    activity at all), the quiet run holding it is split until its day is found."""
    sb: RunningSandbox = make_sandbox(
        seed=8, users=4, calls=5, days=40, now=NOW, freeze_clock=True, late_call_rate=1.0,
        late_call_delay_hours=40.0, interaction_stats_day=counted_on,
    )  # fmt: skip
    start = NOW.date() - timedelta(days=45)
    truth = Truth(sb, start, NOW.date())
    p = pipeline(tmp_path)
    sb.reset_stats()
    load(p, sb, start_date=start.isoformat(), resources=["interaction_stats"], now=NOW)
    per_day = {d: truth.interaction_users(d, d + timedelta(days=1)) for d in truth.days()}
    expected = {d: n for d, n in per_day.items() if n}
    loaded = rows(p, "select from_date, count(*) from interaction_stats group by 1")
    assert dict(loaded) == expected
    active = truth.activity_by_day(start, truth.stats_end)
    quiet_with_stats = [d for d in expected if d not in active]
    assert bool(quiet_with_stats) == (counted_on == "processed")
    planned = requests_per_table(
        Counts(users=4, calls=0, **truth.stats_counts()), ["interaction_stats"]
    )
    assert served_by_endpoint(sb.stats(), planned) == by_endpoint(planned)
    assert sum(planned.values()) < len(truth.days()) / 2
