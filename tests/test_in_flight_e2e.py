"""Requests side by side against a far Gong: the sandbox answers each request after a
latency (counted by its rate limiter on arrival), with and without a cap on concurrent
requests; a paced load keeps several requests in flight, never meets a 429, and loads
exactly the sandbox's data with exactly the requests of a load one request at a time.

No assertion here is on elapsed time: the sandbox's `now` is pinned and frozen, and what
is asserted is what the sandbox counted (statuses, refusals, the most requests at once).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from dlt_gong.calls_reader import CallsReader
from dlt_gong.sandbox import SandboxConfig, run_sandbox
from dlt_gong.tables import OBJECT_TYPES
from e2e_helpers import Recorder, Truth, count, ids, load, pipeline, rows
from instants import NOW, days_before

TABLES = [
    "users",
    "workspaces",
    "calls",
    "call_transcripts",
    "call_transcript_sentences",
    "interaction_stats",
]


def _config(cap: int | None) -> SandboxConfig:
    return SandboxConfig(
        seed=3, users=8, calls=200, days=5, now=NOW, freeze_clock=True, page_size=10,
        rate_limit_per_second=3, daily_quota=None, latency_seconds=0.4,
        latency_jitter_seconds=0.2, max_concurrent_requests=cap,
    )  # fmt: skip


@pytest.mark.parametrize(
    "cap", [3, pytest.param(None, marks=pytest.mark.slow)], ids=["cap-3", "no-cap"]
)  # without the cap in make test-slow (CI)
def test_a_paced_load_keeps_requests_in_flight_and_meets_no_429(
    tmp_path: Path, cap: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Gong's 3/s, every answer 0.4 s ± 0.2 after its request, and at most 3 at once when
    capped: a load at 3/s with 3 in flight. 20 pages of calls make a window of more than 4
    pages, so it is read in slices side by side (the sequence limit lowered to 4 pages)."""
    monkeypatch.setitem(CallsReader.__init__.__kwdefaults__, "max_pages", 4)
    start = days_before(NOW, 5)
    with run_sandbox(_config(cap)) as sb:
        recorder = Recorder()
        sb.on_exchange.append(recorder)
        p = pipeline(tmp_path)
        load(p, sb, start_date=start.isoformat(), resources=TABLES, requests_per_second=3)
        stats = sb.stats()
        truth = Truth(sb, start)
        expected_calls = sorted(c["metaData"]["id"] for c in truth.public_calls())
        expected_transcripts = sorted(t["callId"] for t in truth.transcripts())
        bodies = recorder.bodies("POST /v2/calls/extensive")
    assert "429" not in stats["by_status"], stats  # not one 429 (404s are days without stats)
    assert stats["concurrency"]["refused"] == 0
    assert 2 <= stats["concurrency"]["most_in_flight"] <= 3  # side by side, never above 3
    assert ids(p, "calls") == expected_calls
    assert ids(p, "call_transcripts", "call_id") == expected_transcripts
    assert count(p, "calls") == len(expected_calls)
    # the window, counted on its first page and split into slices (a slice still too
    # long split again) read side by side: each slice read from its first page once, and
    # every slice's edges are the window's or another slice's, so together they tile it
    firsts = [b["filter"] for b in bodies if "cursor" not in b]
    slices = firsts[1:]
    assert firsts[0] == {"fromDateTime": f"{start.isoformat()}T00:00:00Z"}
    assert len(slices) > 3
    assert len({tuple(sorted(f.items())) for f in slices}) == len(slices)
    froms = {f["fromDateTime"] for f in slices}
    tos = {f["toDateTime"] for f in slices if "toDateTime" in f}
    assert froms - tos == {firsts[0]["fromDateTime"]}
    assert tos <= froms
    assert sum("toDateTime" not in f for f in slices) >= 1


@pytest.mark.slow  # make test-slow (CI): a second paced load of the same company
def test_one_in_flight_sends_the_same_requests(tmp_path: Path) -> None:
    """The same load with one request at a time (`max_in_flight=1`) and with three, behind
    a Gong with no rate limit (so no 429 is retried): the same requests, endpoint by
    endpoint, and the same rows."""
    start = days_before(NOW, 5)
    served: list[dict[str, Any]] = []
    loaded: list[tuple[int, int, int]] = []
    for in_flight in (1, 3):
        config = replace(_config(3), rate_limit_per_second=None, latency_seconds=0.2,
                         latency_jitter_seconds=0.1)  # fmt: skip
        with run_sandbox(config) as sb:
            p = pipeline(tmp_path, name=f"gong_{in_flight}")
            load(p, sb, start_date=start.isoformat(), resources=TABLES,
                 requests_per_second=None, max_in_flight=in_flight)  # fmt: skip
            stats = sb.stats()
            served.append(stats["by_endpoint"])
            most = stats["concurrency"]["most_in_flight"]
            assert most == 1 if in_flight == 1 else 2 <= most <= 3
            assert stats["concurrency"]["refused"] == 0
            assert set(stats["by_status"]) <= {"200", "404"}  # 404: days without stats
            loaded.append(
                (count(p, "calls"), count(p, "call_transcripts"), count(p, "interaction_stats"))
            )
            calls = len(Truth(sb, start).public_calls())
    assert served[0] == served[1]
    assert loaded[0] == loaded[1]
    assert loaded[0][0] == calls


WHOLE = ["workspaces", "scorecards", "trackers", "library_folders", "call_outcomes", "briefs"]
"""Tables read whole, in one request each: none depends on another."""


def _far(latency: float) -> SandboxConfig:
    """A Gong `latency` seconds away at 3/s, no cap, no jitter: requests overlap only when
    the load sends them side by side."""
    return replace(_config(None), latency_seconds=latency, latency_jitter_seconds=0.0)


def test_tables_read_whole_go_side_by_side(tmp_path: Path) -> None:
    """Six tables read whole behind a Gong 0.5 s away: three requests on the wire at once
    (`max_in_flight`), where read one after another (each waiting for its answer) there
    was never more than one; one request each, and exactly the sandbox's rows."""
    with run_sandbox(_far(0.5)) as sb:
        p = pipeline(tmp_path)
        load(p, sb, start_date=days_before(NOW, 5).isoformat(), resources=WHOLE,
             requests_per_second=3)  # fmt: skip
        stats = sb.stats()
        company = sb.company
        assert ids(p, "workspaces") == sorted(w["id"] for w in company.workspaces())
        assert ids(p, "scorecards", "scorecard_id") == sorted(
            s["scorecardId"] for s in company.scorecards()
        )
        assert count(p, "trackers") == len(company.trackers()) > 0
        assert count(p, "library_folders") == len(company.library_folders()) > 0
        assert count(p, "call_outcomes") == len(company.call_outcomes()) > 0
        assert ids(p, "briefs", "brief_id") == sorted(b["briefId"] for b in company.briefs())
    assert stats["concurrency"]["most_in_flight"] == 3
    assert stats["by_status"] == {"200": 6}
    assert sorted(stats["by_endpoint"].values()) == [1] * 6


def test_a_crm_integrations_object_types_go_side_by_side(tmp_path: Path) -> None:
    """The CRM schema of one integration is four requests, one per object type, none
    depending on another: behind a Gong 0.5 s away three go at once, and the schema loaded
    is exactly the sandbox's, every object type's fields. Unpaced: at 3/s the integrations'
    request leaves room for only two more in its second, whatever the load does."""
    with run_sandbox(replace(_far(0.5), rate_limit_per_second=None)) as sb:
        p = pipeline(tmp_path)
        load(p, sb, start_date=days_before(NOW, 5).isoformat(),
             resources=["crm_integrations", "crm_entity_schemas"])  # fmt: skip
        stats = sb.stats()
        (integration,) = sb.company.crm_integrations()
        schema = {
            t: len(sb.company.crm_entity_schema(integration["integrationId"], t)[t])
            for t in OBJECT_TYPES
        }
    assert stats["concurrency"]["most_in_flight"] == 3
    assert stats["by_status"] == {"200": 5}  # the integrations, then the four object types
    found = dict(rows(p, "select object_type, count(*) from crm_entity_schemas group by 1"))
    assert found == schema
    assert all(schema.values())
