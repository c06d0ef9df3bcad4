"""Privacy a legal team signs off, end to end against the sandbox: calls left out by title
and by a party's domain (before their transcripts are asked for), a rule added later,
retention, and personal data hashed before anything is written.

The sandbox company has internal meetings titled ``Interview: ...`` and ``1:1 ...``,
parties who joined from personal mail domains, and email addresses and phone numbers said
in transcripts (`dlt_gong.sandbox.sensitive`); every count is held to its ground truth.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import dlt
import pytest

from contract_watch import TEST_NOW
from dlt_gong import reconcile
from dlt_gong.options import ALL_CONTENT
from dlt_gong.planning import make_plan
from dlt_gong.runner import _previous_positions
from dlt_gong.sandbox import RunningSandbox, SandboxConfig, run_sandbox
from dlt_gong.sandbox.sensitive import PERSONAL_DOMAINS
from dlt_gong.source import client_of, gong_source, left_out_of, options_of
from e2e_helpers import Recorder, by_endpoint, credentials, ids, load, pipeline, rows

DSN = os.environ.get("DLT_GONG_TEST_POSTGRES")
DAYS = 30
START = (TEST_NOW - timedelta(days=DAYS)).replace(hour=0, minute=0, second=0, microsecond=0)
TITLES = ["^interview", "1:1"]
DOMAIN = PERSONAL_DOMAINS[0]
RULES: dict[str, Any] = {"exclude_titles": TITLES, "exclude_domains": [DOMAIN]}
CALL_TABLES = [
    "calls", "call_transcripts", "call_transcript_sentences", "call_transcript_text",
    "call_transcript_turns", "call_user_access", "answered_scorecards", "call_transcript_chunks",
]  # fmt: skip
"""Every table of a call's rows that a removal reaches."""
TRANSCRIPTS = "POST /v2/calls/transcript"
KEY = "a-long-random-key-for-tests-0f3c9a"


COMPANY: dict[str, Any] = {"seed": 11, "users": 20, "calls": 150, "days": DAYS}


@pytest.fixture(scope="module")
def sb() -> Iterator[RunningSandbox]:
    config = SandboxConfig(**COMPANY, now=TEST_NOW, freeze_clock=True,
                           rate_limit_per_second=None, daily_quota=None)  # fmt: skip
    with run_sandbox(config) as running:
        yield running


def left_out(call: dict[str, Any]) -> bool:
    """The rules, applied to one of Gong's call items (metaData and parties)."""
    title = call["metaData"]["title"] or ""
    if any(re.search(p, title, re.IGNORECASE) for p in TITLES):
        return True
    emails = [(p.get("emailAddress") or "").lower() for p in call.get("parties") or []]
    return any(e.endswith("@" + DOMAIN) for e in emails)


@dataclass
class Truth:
    """The sandbox's answer, with and without the rules and a retention."""

    sb: RunningSandbox
    rules: bool = True
    since: datetime | None = None

    def calls(self) -> list[dict[str, Any]]:
        found = self.sb.company.calls(START, None, content_selector=ALL_CONTENT)
        return [
            c
            for c in found
            if not c["metaData"]["isPrivate"]
            and not (self.rules and left_out(c))
            and (self.since is None or started(c) >= self.since)
        ]

    def call_ids(self) -> list[str]:
        return sorted(c["metaData"]["id"] for c in self.calls())

    def transcribed(self) -> list[str]:
        found = self.sb.company.transcripts(call_ids=self.call_ids())
        return sorted(t["callId"] for t in found if t["transcript"])

    def scorecards(self) -> list[str]:
        found = list(
            self.sb.company.answered_scorecards(review_from_date=START.date(), review_method="BOTH")
        )
        if self.since is not None:
            found = [s for s in found if parse(s["callStartTime"]) >= self.since]
        if self.rules:
            calls = {s["callId"] for s in found}
            items = self.sb.company.calls(call_ids=calls, content_selector=ALL_CONTENT)
            gone = {c["metaData"]["id"] for c in items if left_out(c)}
            found = [s for s in found if s["callId"] not in gone]
        return sorted(s["answeredScorecardId"] for s in found)


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value)


def started(call: dict[str, Any]) -> datetime:
    return parse(call["metaData"]["started"])


def assert_only(p: dlt.Pipeline, truth: Truth) -> None:
    """Every call table holds exactly the calls of `truth`, child rows included."""
    kept = truth.call_ids()
    assert ids(p, "calls") == kept
    parties = sum(len(c["parties"]) for c in truth.calls())
    assert rows(p, "select count(*) from calls__parties")[0][0] == parties
    assert ids(p, "call_transcripts", "call_id") == kept
    assert ids(p, "call_user_access", "call_id") == kept
    transcribed = truth.transcribed()
    assert ids(p, "call_transcript_text", "call_id") == transcribed
    chunks = rows(p, "select distinct call_id from call_transcript_chunks")
    assert sorted(str(r[0]) for r in chunks) == transcribed
    turns = rows(p, "select distinct call_id from call_transcript_turns")
    assert sorted(str(r[0]) for r in turns) == transcribed
    said = rows(p, "select distinct call_id from call_transcript_sentences")
    assert sorted(str(r[0]) for r in said) == transcribed
    assert ids(p, "answered_scorecards", "answered_scorecard_id") == truth.scorecards()


def asked_for_transcripts(recorder: Recorder) -> list[list[str]]:
    return [b["filter"]["callIds"] for b in recorder.bodies(TRANSCRIPTS)]


def test_calls_left_out_by_title_and_domain_are_in_no_table_and_never_asked_for(
    make_sandbox: Callable[..., RunningSandbox], tmp_path: Path
) -> None:
    # a call a page (Gong's is 100): every call left out is a transcript request saved
    sb = make_sandbox(**{**COMPANY, "calls": 120}, page_size=1)
    recorder = Recorder()
    sb.on_exchange.append(recorder)
    try:
        everything = load(pipeline(tmp_path, "all"), sb, start_date=START.isoformat(),
                          resources=CALL_TABLES)  # fmt: skip
        asked_all = asked_for_transcripts(recorder)
        recorder.exchanges.clear()
        p = pipeline(tmp_path, "ruled")
        source = load(p, sb, start_date=START.isoformat(), resources=CALL_TABLES, **RULES)
        asked = asked_for_transcripts(recorder)
    finally:
        sb.on_exchange.remove(recorder)
    truth, whole = Truth(sb), Truth(sb, rules=False)
    assert_only(p, truth)

    # the company has every kind: interviews, one-to-ones, personal addresses
    out = [c for c in whole.calls() if left_out(c)]
    titles = [c["metaData"]["title"] for c in out]
    assert any(t.startswith("Interview") for t in titles) and any("1:1" in t for t in titles)
    assert any(not re.search("|".join(TITLES), t, re.IGNORECASE) for t in titles)  # domain
    # exactly their transcripts were not asked for: a request each, at a call a page
    assert sorted(i for ids_ in asked for i in ids_) == truth.call_ids()
    assert sorted(i for ids_ in asked_all for i in ids_) == whole.call_ids()
    saved = len(asked_all) - len(asked)
    assert saved == len(whole.call_ids()) - len(truth.call_ids()) > 0
    # the whole run: as many saved on call_user_access, less one request per page of
    # answered scorecards, whose calls are asked for (they name neither title nor parties)
    lookups = len(Truth(sb, rules=False).scorecards())
    fewer = client_of(everything).requests_sent - client_of(source).requests_sent
    assert fewer == 2 * saved - lookups
    tally = left_out_of(source)
    all_read = [c for c in sb.company.calls(START, None, content_selector=ALL_CONTENT)]
    assert tally.calls == sum(1 for c in all_read if left_out(c))
    assert tally.scorecards == len(Truth(sb, rules=False).scorecards()) - len(truth.scorecards())


def test_rules_from_the_first_run_leave_their_calls_out_of_every_table(
    sb: RunningSandbox, make_pipeline: Callable[..., dlt.Pipeline]
) -> None:
    p = make_pipeline()
    source = load(p, sb, start_date=START.isoformat(), resources=CALL_TABLES, **RULES)
    assert_only(p, Truth(sb))
    read = sb.company.calls(START, None, content_selector=ALL_CONTENT)
    assert left_out_of(source).calls == sum(1 for c in read if left_out(c)) > 10


def test_a_rule_added_later_removes_exactly_its_calls_rows(
    sb: RunningSandbox, make_pipeline: Callable[..., dlt.Pipeline]
) -> None:
    p = make_pipeline()
    load(p, sb, start_date=START.isoformat(), resources=CALL_TABLES)
    assert_only(p, Truth(sb, rules=False))
    source = load(p, sb, start_date=START.isoformat(), resources=CALL_TABLES, **RULES)
    assert_only(p, Truth(sb))
    tally = reconcile.tally_of(source)
    assert tally is not None
    assert tally.excluded == len(Truth(sb, rules=False).call_ids()) - len(Truth(sb).call_ids())


def test_retention_removes_exactly_the_old_calls_and_stats(
    sb: RunningSandbox, make_pipeline: Callable[..., dlt.Pipeline]
) -> None:
    p = make_pipeline()
    stats = ["aggregated_activity", "day_by_day_activity"]
    load(p, sb, start_date=START.isoformat(), resources=[*CALL_TABLES, *stats])
    assert_only(p, Truth(sb, rules=False))
    before = {t: set(rows(p, f"select user_id, from_date, to_date from {t}")) for t in stats}
    now = sb.clock.now()
    since = now - timedelta(days=12)
    source = load(p, sb, start_date=START.isoformat(), resources=[*CALL_TABLES, *stats],
                  retention_days=12)  # fmt: skip
    assert_only(p, Truth(sb, rules=False, since=since))
    tally = reconcile.tally_of(source)
    assert tally is not None and tally.expired == len(Truth(sb, rules=False).call_ids()) - len(
        Truth(sb, rules=False, since=since).call_ids()
    )
    for table in stats:  # the periods ended by the retention's first day go, the rest stay
        after = set(rows(p, f"select user_id, from_date, to_date from {table}"))
        kept = {r for r in before[table] if r[2] > since.date()}
        assert after == kept and len(kept) < len(before[table]), table
    # and a later run loads none of them again
    load(p, sb, start_date=START.isoformat(), resources=[*CALL_TABLES, *stats],
         retention_days=12)  # fmt: skip
    assert_only(p, Truth(sb, rules=False, since=since))


def test_the_plan_counts_what_the_rules_save(
    make_sandbox: Callable[..., RunningSandbox], make_pipeline: Callable[..., dlt.Pipeline]
) -> None:
    sb = make_sandbox(**COMPANY)
    p = make_pipeline()
    kw: dict[str, Any] = dict(start_date=START.isoformat(), resources=CALL_TABLES,
                              now=sb.clock.now(), requests_per_second=None, **RULES)  # fmt: skip
    for run in range(2):
        saved = _previous_positions(p) if run else {}
        source = gong_source(credentials=credentials(sb), base_url=sb.url, **kw)
        plan = make_plan(client_of(source), options_of(source), saved, p if saved else None)
        sb.reset_stats()
        load(p, sb, **kw)
        served = {k: v for k, v in sb.stats()["by_endpoint"].items() if v}
        assert served == {k: v for k, v in by_endpoint(plan.per_table).items() if v}, run
