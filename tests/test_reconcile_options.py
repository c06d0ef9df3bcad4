"""The reconcile options: checked before any request, and the window each one gives."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from dlt_gong.errors import GongConfigError
from dlt_gong.options import build_options
from dlt_gong.reconcile import Window, window

NOW = datetime(2026, 6, 15, 17, 30, tzinfo=timezone.utc)
BASE: dict[str, Any] = {
    "start_date": None, "end_date": None, "lookback_days": 3, "stats_lookback_days": 3,
    "workspace_id": None, "user_ids": None, "resources": None, "content_selector": None,
    "include_private_calls": False, "aggregation_period": "DAY", "now": NOW,
}  # fmt: skip


def test_the_default_window_is_the_last_30_days() -> None:
    span = window(build_options(**BASE))
    assert span == Window(NOW - timedelta(days=30), NOW)
    assert window(build_options(**BASE, reconcile_days=0)) is None


def test_an_explicit_range_replaces_the_recent_window() -> None:
    span = window(build_options(**BASE, reconcile_from="2024-01-01", reconcile_to="2025-01-01"))
    assert span == Window(datetime(2024, 1, 1, tzinfo=timezone.utc),
                          datetime(2025, 1, 1, tzinfo=timezone.utc))  # fmt: skip
    open_ended = window(build_options(**BASE, reconcile_from="2024-01-01"))
    assert open_ended == Window(datetime(2024, 1, 1, tzinfo=timezone.utc), NOW)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"reconcile_days": -1},
         "reconcile_days -1 is not a number of days from 0 to 36,500 (e.g. 3 or 0.5)"),
        ({"reconcile_to": "2025-01-01"}, "reconcile_to needs reconcile_from: the range to reconcile"),
        ({"reconcile_from": "2026-07-01"},
         "reconcile_from 2026-07-01T00:00:00+00:00 is not before now 2026-06-15T17:30:00+00:00"),
        ({"reconcile_from": "soon"},
         "reconcile_from 'soon' is not a date: use YYYY-MM-DD or an ISO-8601 date-time"),
    ],
)  # fmt: skip
def test_bad_reconcile_options_are_one_line_errors(options: dict[str, Any], message: str) -> None:
    with pytest.raises(GongConfigError) as err:
        build_options(**BASE, **options)
    assert str(err.value) == message
