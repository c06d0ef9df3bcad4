"""gong_source end to end: HTTP to the sandbox on loopback, loaded into a real DuckDB.

One company is loaded once per module (every table, rate limit off, the sandbox clock
frozen so the ground truth cannot move under the assertions); each test then holds one
table, the request count or the incremental behaviour to the sandbox's ground truth.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import dlt
import pytest

from contract import ContractValidator
from dlt_gong import gong_source
from dlt_gong.plan import Counts, requests_per_table
from dlt_gong.sandbox import SandboxConfig, run_sandbox
from dlt_gong.source import client_of, options_of
from dlt_gong.tables import TABLES
from dlt_gong.windows import parse_instant
from e2e_helpers import (
    ENDPOINT_OF_TABLE,
    Recorder,
    Truth,
    by_endpoint,
    count,
    credentials,
    ids,
    load,
    more_counts,
    pages,
    pipeline,
    rows,
    run,
    sentence_count,
    served_by_endpoint,
    start_instant,
)
from instants import NOW, days_before

DAYS = 20
ALL_TABLES = [t.name for t in TABLES]


@dataclass
class Loaded:
    sb: Any
    p: dlt.Pipeline
    truth: Truth
    recorder: Recorder
    first_stats: dict[str, Any]
    first_client_requests: int
    now: datetime


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loaded]:
    config = SandboxConfig(
        seed=21, users=25, calls=500, days=DAYS, now=NOW, freeze_clock=True,
        rate_limit_per_second=None, daily_quota=None,
    )  # fmt: skip
    start = days_before(NOW, DAYS)
    with run_sandbox(config) as sb:
        recorder = Recorder()
        sb.on_exchange.append(recorder)
        p = pipeline(tmp_path_factory.mktemp("e2e"))
        source = load(p, sb, start_date=start.isoformat(), resources=ALL_TABLES)
        now = options_of(source).now
        yield Loaded(
            sb, p, Truth(sb, start), recorder, sb.stats(), client_of(source).requests_sent, now
        )


def test_every_exchange_keeps_gongs_contract(loaded: Loaded) -> None:
    validator = ContractValidator.default()
    problems = [p for e in loaded.recorder.exchanges for p in validator.check(e)]
    assert loaded.recorder.exchanges and problems == []


def test_calls_are_exactly_the_sandboxs_public_calls(loaded: Loaded) -> None:
    truth = loaded.truth.public_calls()
    assert len(truth) > 300
    assert ids(loaded.p, "calls") == sorted(c["metaData"]["id"] for c in truth)
    assert count(loaded.p, "calls") == len(truth)  # each primary key once
    assert rows(loaded.p, "select count(*) from calls where is_private")[0][0] == 0


def test_call_child_tables_are_complete(loaded: Loaded) -> None:
    truth = loaded.truth.public_calls()
    expected = {
        "calls__parties": sum(len(c.get("parties") or []) for c in truth),
        "calls__collaboration__public_comments": sum(
            len((c.get("collaboration") or {}).get("publicComments") or []) for c in truth
        ),
        "calls__content__topics": sum(
            len((c.get("content") or {}).get("topics") or []) for c in truth
        ),
        "calls__interaction__speakers": sum(
            len((c.get("interaction") or {}).get("speakers") or []) for c in truth
        ),
    }
    assert {t: count(loaded.p, t) for t in expected} == expected
    orphans = rows(
        loaded.p,
        "select count(*) from calls__parties p left join calls c on p._dlt_parent_id = c._dlt_id "
        "where c._dlt_id is null",
    )
    assert orphans == [(0,)]


def test_transcripts_one_row_per_call_and_sentences_join_parties(loaded: Loaded) -> None:
    truth = loaded.truth.transcripts()
    assert ids(loaded.p, "call_transcripts", "call_id") == sorted(t["callId"] for t in truth)
    assert count(loaded.p, "call_transcript_sentences") == sentence_count(truth)
    unmatched = rows(
        loaded.p,
        """select count(*) from call_transcript_sentences s
           join calls c on c.id = s.call_id
           where not exists (select 1 from calls__parties p
                             where p._dlt_parent_id = c._dlt_id and p.speaker_id = s.speaker_id)""",
    )
    assert unmatched == [(0,)]


def test_stats_are_one_row_per_user_and_day(loaded: Loaded) -> None:
    truth = loaded.truth
    assert count(loaded.p, "aggregated_activity") == truth.activity_rows()
    assert count(loaded.p, "day_by_day_activity") == truth.activity_rows()
    assert count(loaded.p, "interaction_stats") == sum(truth.interaction_per_day())
    dupes = rows(
        loaded.p,
        "select count(*) from (select user_id, from_date from aggregated_activity "
        "group by 1, 2 having count(*) > 1)",
    )
    assert dupes == [(0,)]
    span = rows(loaded.p, "select min(from_date), max(from_date) from aggregated_activity")[0]
    assert span[0] >= truth.start and span[1] == truth.stats_end - timedelta(days=1)
    hosted = rows(loaded.p, "select sum(calls_as_host) from aggregated_activity")[0][0]
    assert hosted == count(loaded.p, "day_by_day_activity__calls_as_host")


def test_full_refresh_tables_match(loaded: Loaded) -> None:
    company = loaded.sb.company
    assert ids(loaded.p, "users") == sorted(u["id"] for u in company.users())
    assert ids(loaded.p, "workspaces") == sorted(w["id"] for w in company.workspaces())
    assert ids(loaded.p, "scorecards", "scorecard_id") == sorted(
        s["scorecardId"] for s in company.scorecards()
    )
    assert ids(loaded.p, "trackers", "tracker_id") == sorted(
        t["trackerId"] for t in company.trackers()
    )
    folders = company.library_folders()
    assert ids(loaded.p, "library_folders") == sorted(f["id"] for f in folders)
    folder_calls = sum(len(company.library_folder_content(f["id"])["calls"]) for f in folders)
    assert count(loaded.p, "library_folder_calls") == folder_calls
    history = sum(len(company.user_settings_history(u["id"])) for u in company.users())
    assert count(loaded.p, "user_settings_history") == history
    assert count(loaded.p, "call_outcomes") == len(company.call_outcomes())
    scorecards = loaded.truth.answered_scorecards()
    assert ids(loaded.p, "answered_scorecards", "answered_scorecard_id") == sorted(
        s["answeredScorecardId"] for s in scorecards
    )
    methods = {
        m for (m,) in rows(loaded.p, "select distinct review_method from answered_scorecards")
    }
    assert methods == {"MANUAL", "AUTOMATIC"}


def test_every_table_loads_rows_merged_on_its_key_or_replaced_when_read_whole(
    loaded: Loaded,
) -> None:
    schema = loaded.p.default_schema
    for table in TABLES:
        assert count(loaded.p, table.name) > 0, table.name
        whole = "replace" if table.kind in ("full_refresh", "per_parent", "batched") else "merge"
        assert schema.get_table(table.name).get("write_disposition") == whole, table.name
        columns = schema.get_table_columns(table.name)
        keys = sorted(name for name, column in columns.items() if column.get("primary_key"))
        expected = sorted(schema.naming.normalize_identifier(k) for k in table.primary_key)
        assert keys == expected, table.name


def test_requests_equal_the_formula(loaded: Loaded) -> None:
    truth = loaded.truth
    company = loaded.sb.company
    counts = Counts(
        users=len(company.users()),
        calls=len(truth.calls()),
        call_pages_with_public_calls=truth.call_pages_with_public_calls(),
        answered_scorecards=len(truth.answered_scorecards()),
        library_folders=len(company.library_folders()),
        **truth.stats_counts(),
        **more_counts(loaded.sb, start_instant(truth.start), loaded.now),
    )
    expected = requests_per_table(counts, ALL_TABLES)
    assert served_by_endpoint(loaded.first_stats, expected) == by_endpoint(expected)
    assert loaded.first_stats["requests"] == sum(expected.values()) == loaded.first_client_requests
    assert loaded.first_stats["by_status"].get("429", 0) == 0


def test_request_bodies_are_exact(loaded: Loaded) -> None:
    start = loaded.truth.start.isoformat()
    calls = loaded.recorder.bodies(ENDPOINT_OF_TABLE["calls"])
    assert calls[0]["filter"] == {"fromDateTime": f"{start}T00:00:00Z"}
    assert calls[0]["contentSelector"]["exposedFields"]["media"] is False
    assert [b.get("cursor") is None for b in calls] == [True] + [False] * (len(calls) - 1)
    assert all({k: v for k, v in b.items() if k != "cursor"} == calls[0] for b in calls)
    transcripts = loaded.recorder.bodies(ENDPOINT_OF_TABLE["call_transcripts"])
    assert all(0 < len(b["filter"]["callIds"]) <= 100 for b in transcripts)
    assert [list(b["filter"]) for b in transcripts] == [["callIds"]] * len(transcripts)
    end = loaded.truth.stats_end.isoformat()
    by_period = loaded.recorder.bodies(ENDPOINT_OF_TABLE["aggregated_activity"])
    first = min(loaded.truth.activity_by_day(loaded.truth.start, loaded.truth.stats_end))
    probe = {"filter": {"fromDate": start, "toDate": end}, "aggregationPeriod": "DAY"}
    table = {"filter": {"fromDate": first.isoformat(), "toDate": end}, "aggregationPeriod": "DAY"}
    assert sorted(by_period, key=repr) == sorted([probe, table], key=repr)
    scorecards = loaded.recorder.bodies(ENDPOINT_OF_TABLE["answered_scorecards"])
    assert scorecards[0] == {"filter": {"reviewFromDate": start, "reviewMethod": "BOTH"}}


def test_second_run_with_nothing_new_loads_nothing_new(loaded: Loaded) -> None:
    before = {t: count(loaded.p, t) for t in ("calls", "call_transcripts", "aggregated_activity",
                                              "calls__parties", "call_transcript_sentences")}  # fmt: skip
    loaded.sb.reset_stats()
    start = loaded.truth.start.isoformat()
    load(loaded.p, loaded.sb, start_date=start,
         resources=["calls", "call_transcripts", "call_transcript_sentences"],
         now=loaded.sb.company.now())  # fmt: skip
    after = {t: count(loaded.p, t) for t in before}
    assert after == before
    # only the lookback is read again: 3 days before the newest call start loaded
    saved = parse_instant(loaded.p.state["sources"]["gong"]["calls_started"]["calls"])
    recent = loaded.sb.company.calls(saved - timedelta(days=3), None)
    served = loaded.sb.stats()["by_endpoint"]
    # and the calls of the reconcile window are listed (metaData only), 100 a request
    now = loaded.sb.company.now()
    listed = loaded.sb.company.calls_basic(now - timedelta(days=30), now)
    assert served[ENDPOINT_OF_TABLE["calls"]] == pages(len(recent)) + pages(len(listed))
    assert served[ENDPOINT_OF_TABLE["call_transcripts"]] <= pages(len(recent))
    assert loaded.sb.stats()["requests"] <= 2 * pages(len(recent)) + pages(len(listed))


def test_late_calls_and_new_comments_are_picked_up_without_duplicates(tmp_path: Path) -> None:
    config = SandboxConfig(
        seed=5, users=15, calls=300, days=10, now=NOW, freeze_clock=True, late_call_rate=0.3,
        late_call_delay_hours=20.0, rate_limit_per_second=None, daily_quota=None,
    )  # fmt: skip
    start = days_before(NOW, 10).isoformat()
    with run_sandbox(config) as sb:
        p = pipeline(tmp_path)
        tables = ["calls", "call_transcripts"]
        load(p, sb, start_date=start, resources=tables)
        truth = Truth(sb, days_before(NOW, 10))
        first = {c["metaData"]["id"] for c in truth.public_calls()}
        assert set(ids(p, "calls")) == first
        comments_before = _comments_per_call(p)
        saved = parse_instant(p.state["sources"]["gong"]["calls_started"]["calls"])
        sb.clock.advance(36 * 3600)  # a day and a half later: late calls processed
        now_visible = {c["metaData"]["id"] for c in truth.public_calls()}
        late = now_visible - first
        assert late, "the sandbox should have calls that became visible late"
        load(p, sb, start_date=start, resources=tables)
        assert ids(p, "calls") == sorted(now_visible)
        assert count(p, "calls") == len(now_visible)
        assert ids(p, "call_transcripts", "call_id") == sorted(
            t["callId"] for t in truth.transcripts()
        )
        # the second run re-reads the lookback (3 days before the newest start it had
        # loaded): there every call has Gong's comments of now; older calls keep theirs
        reread_from = saved - timedelta(days=3)
        expected = {
            c["metaData"]["id"]: len((c.get("collaboration") or {}).get("publicComments") or [])
            if parse_instant(c["metaData"]["started"]) >= reread_from
            else comments_before.get(c["metaData"]["id"], 0)
            for c in truth.public_calls()
        }
        after = _comments_per_call(p)
        assert after == {k: v for k, v in expected.items() if v}
        assert sum(after.values()) > sum(comments_before.values())


def _comments_per_call(p: dlt.Pipeline) -> dict[str, int]:
    """Loaded public comments per call id (calls that have any)."""
    found = rows(
        p,
        "select c.id, count(*) from calls__collaboration__public_comments m "
        "join calls c on m._dlt_root_id = c._dlt_id group by c.id",
    )
    return {str(call): int(n) for call, n in found}


def test_backfill_window_keeps_no_state(tmp_path: Path) -> None:
    config = SandboxConfig(seed=9, users=10, calls=200, days=10, now=NOW, freeze_clock=True,
                           rate_limit_per_second=None, daily_quota=None)  # fmt: skip
    with run_sandbox(config) as sb:
        p = pipeline(tmp_path)
        start, end = days_before(NOW, 10), days_before(NOW, 5)
        load(p, sb, start_date=start.isoformat(), end_date=end.isoformat(), resources=["calls"])
        expected = [
            c["metaData"]["id"]
            for c in sb.company.calls(start_instant(start), start_instant(end))
            if not c["metaData"]["isPrivate"]
        ]
        assert ids(p, "calls") == sorted(expected)
        assert p.state["sources"]["gong"].get("calls_started", {}) == {}


def test_the_same_source_run_twice_passes_every_call_both_times(
    make_sandbox: Callable[..., Any], tmp_path: Path
) -> None:
    """A run passes each call's transcript on once (`Table.once_per_run`, its repeats
    dropped by the source, not the destination's merge); the same source object run again
    passes every call again, each once."""
    sb = make_sandbox(calls=60, days=4)
    start = days_before(NOW, 4)
    source = gong_source(credentials=credentials(sb), base_url=sb.url, now=sb.clock.now(),
                         start_date=start.isoformat(), requests_per_second=None,
                         resources=["calls", "call_transcripts", "call_transcript_sentences"])  # fmt: skip
    transcripts = Truth(sb, start).transcripts()
    expected = sorted(t["callId"] for t in transcripts)
    sentences = sentence_count(transcripts)
    assert expected
    for name in ("first", "second"):
        p = pipeline(tmp_path, name)
        run(p, source)
        assert ids(p, "call_transcripts", "call_id") == expected, name
        assert count(p, "call_transcript_sentences") == sentences, name


def test_daily_quota_spent_mid_run_stops_cleanly_and_the_next_day_completes(
    tmp_path: Path,
) -> None:
    config = SandboxConfig(seed=13, users=10, calls=150, days=5, now=NOW, freeze_clock=True,
                           future_days=0, late_call_rate=0.0, page_size=20,
                           rate_limit_per_second=None, daily_quota=12)  # fmt: skip
    start = days_before(NOW, 5).isoformat()
    tables = ["calls", "call_transcripts"]
    with run_sandbox(config) as sb:
        p = pipeline(tmp_path)
        kw: dict[str, Any] = {
            "resources": tables,
            "max_retry_after_seconds": 60,
            "lookback_days": 0,  # no call is processed late here; a lookback would only spend quota
        }
        source = load(p, sb, start_date=start, **kw)
        stopped = client_of(source).quota_exhausted
        assert stopped is not None and stopped.retry_after_seconds > 60
        assert sb.stats()["by_status"] == {"200": 12, "429": 1}  # one refusal, then silence
        truth = Truth(sb, days_before(NOW, 5))
        # calls pages run ahead of their transcripts (the next page is prefetched), so the
        # quota may stop the load after the calls and before the last transcripts
        partial = (count(p, "calls"), count(p, "call_transcripts"))
        assert partial[0] > 0
        assert partial[1] < len(truth.transcripts())
        loaded_so_far = [partial]
        for _day in range(12):  # each following day spends that day's quota, then stops
            sb.clock.advance(stopped.retry_after_seconds + 1)  # past UTC midnight
            source = load(p, sb, start_date=start, **kw)
            loaded_so_far.append((count(p, "calls"), count(p, "call_transcripts")))
            stopped = client_of(source).quota_exhausted
            if stopped is None:
                break
        assert stopped is None, loaded_so_far
        assert loaded_so_far == sorted(loaded_so_far)  # every day kept the days before
        expected = truth.public_calls()
        assert ids(p, "calls") == sorted(c["metaData"]["id"] for c in expected)
        assert count(p, "calls") == len(expected)
        assert ids(p, "call_transcripts", "call_id") == sorted(
            t["callId"] for t in truth.transcripts()
        )


@pytest.mark.slow  # 5,200 calls: make test-slow (CI)
def test_request_counts_hold_on_5000_calls(tmp_path: Path) -> None:
    """More calls than one pagination sequence may hold: the first page's totalRecords
    splits the window into contiguous sub-windows (that page is the only one dropped), and
    each sub-window costs its own pages; the extra requests stay under 2% of the floor."""
    config = SandboxConfig(seed=4, users=120, calls=5200, days=60, now=NOW, freeze_clock=True,
                           rate_limit_per_second=None, daily_quota=None)  # fmt: skip
    start = days_before(NOW, 60)
    with run_sandbox(config) as sb:
        recorder = Recorder()
        sb.on_exchange.append(recorder)
        p = pipeline(tmp_path)
        source = gong_source(credentials=credentials(sb), base_url=sb.url,
                             start_date=start.isoformat(), requests_per_second=None,
                             now=NOW)  # fmt: skip
        p.extract(source)  # the requests are all spent in extract
        truth = Truth(sb, start)
        calls = len(truth.metadata())
        assert calls >= 5000
        counts = Counts(
            users=len(sb.company.users()),
            calls=calls,
            call_pages_with_public_calls=truth.call_pages_with_public_calls(),
            answered_scorecards=len(truth.answered_scorecards()),
            **truth.stats_counts(),
            **more_counts(sb, start_instant(start), sb.clock.now()),
        )
        defaults = [t.name for t in TABLES if t.default]
        floor = requests_per_table(counts, defaults)
        firsts = [b["filter"] for b in recorder.bodies(ENDPOINT_OF_TABLE["calls"])
                  if "cursor" not in b]  # fmt: skip
        pieces = firsts[1:]
        private = [  # per sub-window, in Gong's order: is each call private
            [c["isPrivate"] for c in sb.company.calls_basic(f["fromDateTime"], f.get("toDateTime"))]
            for f in pieces
        ]
        stats = sb.stats()
    whole = f"{start.isoformat()}T00:00:00Z"
    assert firsts[0] == {"fromDateTime": whole}  # counted, then split
    assert pieces[0]["fromDateTime"] == whole and "toDateTime" not in pieces[-1]
    assert all(a["toDateTime"] == b["fromDateTime"] for a, b in itertools.pairwise(pieces))
    assert len(pieces) > 1 and all(len(c) <= 50 * 100 for c in private)
    assert sum(len(c) for c in private) == calls
    transcripts = sum(1 for c in private for i in range(0, len(c), 100) if not all(c[i : i + 100]))
    expected = {
        **floor,
        "calls": 1 + sum(pages(len(c)) for c in private),
        "call_transcripts": transcripts,
    }
    assert served_by_endpoint(stats, expected) == by_endpoint(expected)
    assert stats["requests"] == sum(expected.values())
    extra = stats["requests"] - sum(floor.values())
    assert 0 < extra < 0.02 * sum(floor.values()), (extra, sum(floor.values()))


def test_a_table_read_whole_again_after_a_refused_cursor_holds_each_row_once(
    tmp_path: Path,
) -> None:
    """Gong refuses the users' second cursor (the clock moved past the cursor's life as
    the first page was served): the sequence starts again from its first page, and the
    users, loaded with `replace`, are each there once: 12 users, 5 a page, so 3 pages, 1
    refused, 3 again (17 rows when the first read was kept)."""
    config = SandboxConfig(seed=5, users=12, calls=0, days=5, now=NOW, freeze_clock=True,
                           page_size=5, rate_limit_per_second=None, daily_quota=None,
                           cursor_ttl_seconds=60)  # fmt: skip
    with run_sandbox(config) as sb:
        served: list[int] = []

        def expire_after_the_first_page(e: Any) -> None:
            if e.endpoint == "GET /v2/users":
                served.append(e.status)
                if len(served) == 1:
                    sb.clock.advance(61)

        sb.on_exchange.append(expire_after_the_first_page)
        p = pipeline(tmp_path)
        load(p, sb, start_date=days_before(NOW, 5).isoformat(), resources=["users"])
        expected = sorted(u["id"] for u in sb.company.users())
    assert served == [200, 400, 200, 200, 200]
    assert ids(p, "users") == expected
    assert count(p, "users") == 12
