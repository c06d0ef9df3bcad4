"""A load stopped by Gong's daily quota is visible from Python: `dlt_gong.run` loads what
was extracted, then raises the stop with the time the quota resets."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import dlt_gong
from contract_watch import TEST_NOW
from dlt_gong import GongQuotaExhausted, gong_source
from e2e_helpers import Recorder, credentials, ids, pipeline

SECONDS_TO_UTC_MIDNIGHT = 6 * 3600 + 30 * 60  # the sandbox clock stands at 17:30 UTC


def _served_call_ids(recorder: Recorder) -> list[str]:
    """Ids of the calls Gong answered with (pages refused by the quota carry none)."""
    found = []
    for e in recorder.exchanges:
        if e.endpoint == "POST /v2/calls/extensive" and e.status == 200:
            found += [c["metaData"]["id"] for c in json.loads(e.response_body)["calls"]
                      if not c["metaData"]["isPrivate"]]  # fmt: skip
    return sorted(found)


def test_run_loads_what_was_extracted_then_raises_the_quota_stop(
    make_sandbox: Callable[..., Any], tmp_path: Path
) -> None:
    sb = make_sandbox(freeze_clock=True, daily_quota=3)
    recorder = Recorder()
    sb.on_exchange.append(recorder)
    p = pipeline(tmp_path)
    start = (TEST_NOW - timedelta(days=30)).replace(hour=0, minute=0).isoformat()
    source = gong_source(credentials=credentials(sb), base_url=sb.url, start_date=start,
                         resources=["users", "calls"], requests_per_second=None,
                         max_retry_after_seconds=60, now=TEST_NOW)  # fmt: skip
    before = datetime.now(timezone.utc)
    with pytest.raises(GongQuotaExhausted) as raised:
        dlt_gong.run(p, source)
    after = datetime.now(timezone.utc)
    stop = raised.value
    assert stop.retry_after_seconds == SECONDS_TO_UTC_MIDNIGHT
    reset = timedelta(seconds=SECONDS_TO_UTC_MIDNIGHT)
    assert before + reset <= stop.resets_at <= after + reset
    assert "resets at" in str(stop)
    assert dlt_gong.quota_stop(source) is stop
    assert [e.status for e in recorder.exchanges] == [200, 200, 200, 429]
    # what was extracted before the stop is in the destination, exactly
    assert stop.load_info is not None and not stop.load_info.has_failed_jobs
    assert ids(p, "users") == sorted(u["id"] for u in sb.company.users())
    served = _served_call_ids(recorder)
    assert 0 < len(served) < len(sb.company.calls(start))
    assert ids(p, "calls") == served


def test_run_of_a_complete_load_returns_its_load_info(
    make_sandbox: Callable[..., Any], tmp_path: Path
) -> None:
    sb = make_sandbox(freeze_clock=True)
    p = pipeline(tmp_path)
    source = gong_source(credentials=credentials(sb), base_url=sb.url,
                         resources=["users", "workspaces"], requests_per_second=None,
                         now=TEST_NOW)  # fmt: skip
    info = dlt_gong.run(p, source)
    assert not info.has_failed_jobs
    assert dlt_gong.quota_stop(source) is None
    assert ids(p, "workspaces") == sorted(w["id"] for w in sb.company.workspaces())
