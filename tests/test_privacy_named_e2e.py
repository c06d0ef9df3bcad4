"""Rows that name a call without being read by call, end to end against the sandbox:
`library_folder_calls` (a folder's calls) and `audit_logs` (plays and external views of a
call) hold no row of a call the rules leave out, and `library_folder_calls` none of a call
older than the retention; audit events of older calls stay (an event is not the call's
content).

Every count is held to the sandbox's ground truth: which calls each folder holds, which
audit entries exist, and which calls the rules match; so are the requests the rules cost
(the calls asked for, 100 a request, one request per page of entries naming calls), the
run's tally of what it left out, and the plan's count of those requests.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import dlt
import pytest

from contract_watch import TEST_NOW
from dlt_gong.options import ALL_CONTENT
from dlt_gong.planning import make_plan
from dlt_gong.rows import entry_key
from dlt_gong.sandbox import RunningSandbox, SandboxConfig, run_sandbox
from dlt_gong.source import client_of, gong_source, left_out_of, options_of
from dlt_gong.tables import CALL_LOG_TYPES, LOG_TYPES
from e2e_helpers import Recorder, by_endpoint, credentials, load, pipeline, rows
from test_privacy_e2e import DAYS, DOMAIN, RULES, START, TITLES

RETENTION_DAYS = 12
TABLES = ["library_folder_calls", "audit_logs"]
LOOKUP = "POST /v2/calls/extensive"
# seed 3: its folders hold a call titled "Interview ..." and one with a gmail.com party,
# and its calls' plays name both kinds (asserted below, so a change of the sandbox shows)
COMPANY: dict[str, Any] = {"seed": 3, "users": 10, "calls": 100, "days": DAYS}


@pytest.fixture(scope="module")
def sb() -> Iterator[RunningSandbox]:
    config = SandboxConfig(**COMPANY, now=TEST_NOW, freeze_clock=True,
                           rate_limit_per_second=None, daily_quota=None)  # fmt: skip
    with run_sandbox(config) as running:
        yield running


def ruled_out(call: dict[str, Any], titles: list[str], domains: list[str]) -> str | None:
    """Which rule leaves one of Gong's call items out (metaData and parties), if any."""
    title = call["metaData"]["title"] or ""
    if any(re.search(p, title, re.IGNORECASE) for p in titles):
        return "title"
    emails = [(p.get("emailAddress") or "").lower() for p in call.get("parties") or []]
    if any(e.endswith("@" + d) for e in emails for d in domains):
        return "domain"
    return None


@dataclass
class Truth:
    """The sandbox's answer for a load of both tables from `START`."""

    sb: RunningSandbox
    titles: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    retention_days: float | None = None

    @property
    def since(self) -> datetime | None:
        return None if self.retention_days is None else TEST_NOW - timedelta(self.retention_days)

    def calls(self, ids: set[str]) -> dict[str, dict[str, Any]]:
        found = self.sb.company.calls(call_ids=ids, content_selector=ALL_CONTENT)
        return {c["metaData"]["id"]: c for c in found}

    def why_out(self, call: dict[str, Any], retained: bool) -> str | None:
        found = ruled_out(call, list(self.titles), list(self.domains))
        started = datetime.fromisoformat(call["metaData"]["started"])
        if found is None and retained and self.since is not None and started < self.since:
            return "retention"
        return found

    def folder_calls(self) -> list[tuple[str, str]]:
        """(folder id, call id) of every call in every folder, as Gong lists them."""
        company = self.sb.company
        return [
            (folder["id"], call["id"])
            for folder in company.library_folders()
            for call in company.library_folder_content(folder["id"])["calls"]
        ]

    def folder_calls_out(self) -> list[tuple[tuple[str, str], str]]:
        """Each (folder id, call id) Gong lists that is left out, with why (a folder may
        list a call twice: a row each, as the table loads them)."""
        listed = self.folder_calls()
        calls = self.calls({c for _, c in listed})
        why = [(pair, self.why_out(calls[pair[1]], retained=True)) for pair in listed]
        return [(pair, reason) for pair, reason in why if reason]

    def kept_folder_calls(self) -> list[tuple[str, str]]:
        out = {pair for pair, _ in self.folder_calls_out()}
        return sorted(pair for pair in self.folder_calls() if pair not in out)

    def entries(self) -> dict[str, list[dict[str, Any]]]:
        """Every entry in the window, by log type (the retention moves its start up)."""
        start = START if self.since is None else max(START, self.since)
        return {t: list(self.sb.company.audit_logs(t, start)) for t in LOG_TYPES}

    def entries_out(self) -> dict[str, str]:
        """entryKey -> the rule that leaves the entry out (never the retention)."""
        named = [e for t in CALL_LOG_TYPES for e in self.entries()[t]]
        calls = self.calls({e["logRecord"]["callId"] for e in named})
        why = {entry_key(e): self.why_out(calls[e["logRecord"]["callId"]], False) for e in named}
        return {key: reason for key, reason in why.items() if reason}

    def kept_entries(self) -> list[str]:
        out = self.entries_out()
        every = [entry_key(e) for found in self.entries().values() for e in found]
        return sorted(k for k in every if k not in out)

    def lookups(self) -> list[list[str]]:
        """The call ids the run asks Gong for, a request each: the folders' distinct
        calls 100 a request, when a rule reads the parties or a retention is set; with a
        rule, each page of entries that name calls, its distinct calls."""
        asked: list[list[str]] = []
        if self.domains or self.since is not None:
            calls = list(dict.fromkeys(c for _, c in self.folder_calls()))
            asked += [sorted(calls[i : i + 100]) for i in range(0, len(calls), 100)]
        if self.titles or self.domains:
            for log_type in CALL_LOG_TYPES:
                found = self.entries()[log_type]
                for i in range(0, len(found), 100):
                    page = {e["logRecord"]["callId"] for e in found[i : i + 100]}
                    asked.append(sorted(page))
        return sorted(asked)


def loaded_folder_calls(p: dlt.Pipeline) -> list[tuple[str, str]]:
    return sorted((str(f), str(c)) for f, c in rows(p, "select folder_id, id from "
                                                       "library_folder_calls"))  # fmt: skip


def loaded_entries(p: dlt.Pipeline) -> list[str]:
    return sorted(str(r[0]) for r in rows(p, "select entry_key from audit_logs"))


def run(sb: RunningSandbox, p: dlt.Pipeline, **kw: Any) -> tuple[Any, list[list[str]]]:
    """One load of both tables from `START`; its source and the calls each request for
    calls asked for (only the lookups: the calls table is not loaded)."""
    recorder = Recorder()
    sb.on_exchange.append(recorder)
    try:
        source = load(p, sb, start_date=START.isoformat(), resources=TABLES, **kw)
    finally:
        sb.on_exchange.remove(recorder)
    asked = sorted(sorted(b["filter"]["callIds"]) for b in recorder.bodies(LOOKUP))
    return source, asked


def test_the_sandbox_has_what_the_rules_leave_out(sb: RunningSandbox) -> None:
    """Folders holding an interview and a call with a personal address, and audit events
    naming both kinds: what the tests below would pass vacuously without."""
    truth = Truth(sb, tuple(TITLES), (DOMAIN,))
    in_folders = {reason for _, reason in truth.folder_calls_out()}
    in_entries = set(truth.entries_out().values())
    assert in_folders == in_entries == {"title", "domain"}
    named = [e["logRecord"]["callId"] for t in CALL_LOG_TYPES for e in truth.entries()[t]]
    titles = [c["metaData"]["title"] for c in truth.calls(set(named)).values()]
    assert any(t.startswith("Interview") for t in titles) and any("1:1" in t for t in titles)
    retained = Truth(sb, retention_days=RETENTION_DAYS)
    assert {reason for _, reason in retained.folder_calls_out()} == {"retention"}
    assert len(retained.kept_folder_calls()) > 0


def test_rules_leave_their_calls_out_of_folder_calls_and_audit_logs(
    sb: RunningSandbox, make_pipeline: Callable[..., dlt.Pipeline]
) -> None:
    truth, whole = Truth(sb, tuple(TITLES), (DOMAIN,)), Truth(sb)
    p = make_pipeline("ruled")
    source, asked = run(sb, p, **RULES)
    assert loaded_folder_calls(p) == truth.kept_folder_calls()
    assert set(truth.kept_folder_calls()) < set(whole.kept_folder_calls())
    assert loaded_entries(p) == truth.kept_entries()
    assert set(truth.kept_entries()) < set(whole.kept_entries())
    # every entry of a log type that names no call is kept
    plain = {entry_key(e) for t in LOG_TYPES if t not in CALL_LOG_TYPES for e in whole.entries()[t]}
    assert plain and plain <= set(loaded_entries(p))
    # one request for the folders' calls, one per page of plays and views: nothing more
    assert asked == truth.lookups() and len(asked) == 1 + len(CALL_LOG_TYPES)
    tally = left_out_of(source)
    assert tally.calls == 0  # the calls table was not read
    assert tally.rows == {
        "library_folder_calls": len(truth.folder_calls_out()),
        "audit_logs": len(truth.entries_out()),
    }


def test_without_rules_nothing_more_is_asked(
    sb: RunningSandbox, make_pipeline: Callable[..., dlt.Pipeline]
) -> None:
    whole = Truth(sb)
    p = make_pipeline("whole")
    source, asked = run(sb, p)
    assert loaded_folder_calls(p) == whole.kept_folder_calls() == sorted(whole.folder_calls())
    assert loaded_entries(p) == whole.kept_entries()
    assert asked == [] and left_out_of(source).rows == {}


def test_title_rules_read_the_folder_calls_own_titles(sb: RunningSandbox, tmp_path: Path) -> None:
    """A folder's calls carry their title: `exclude_titles` alone asks only for the calls
    of the audit entries, which carry none."""
    truth = Truth(sb, titles=tuple(TITLES))
    p = pipeline(tmp_path, "titles")
    source, asked = run(sb, p, exclude_titles=TITLES)
    assert loaded_folder_calls(p) == truth.kept_folder_calls()
    assert loaded_entries(p) == truth.kept_entries()
    assert asked == truth.lookups() and len(asked) == len(CALL_LOG_TYPES)
    assert left_out_of(source).rows == {
        "library_folder_calls": len(truth.folder_calls_out()),
        "audit_logs": len(truth.entries_out()),
    }


def test_retention_leaves_older_calls_out_of_folders_but_not_their_audit_events(
    sb: RunningSandbox, make_pipeline: Callable[..., dlt.Pipeline]
) -> None:
    truth = Truth(sb, retention_days=RETENTION_DAYS)
    p = make_pipeline("retained")
    source, asked = run(sb, p, retention_days=RETENTION_DAYS)
    assert loaded_folder_calls(p) == truth.kept_folder_calls()
    assert set(truth.kept_folder_calls()) < set(truth.folder_calls())
    # the entries of the retention's window, those of older calls' plays included
    assert loaded_entries(p) == truth.kept_entries()
    since = truth.since
    assert since is not None
    plays = truth.entries()["UserCallPlay"]
    older = truth.calls({e["logRecord"]["callId"] for e in plays})
    assert any(datetime.fromisoformat(c["metaData"]["started"]) < since for c in older.values())
    # the folders' calls asked for once, for their start; no parties (no rule reads them)
    assert asked == truth.lookups() and len(asked) == 1
    assert left_out_of(source).rows == {"library_folder_calls": len(truth.folder_calls_out())}


def test_a_rule_added_later_empties_the_folder_calls_of_its_calls(
    sb: RunningSandbox, make_pipeline: Callable[..., dlt.Pipeline]
) -> None:
    """`library_folder_calls` is replaced whole each run: the run with the rule drops the
    rows the run before it loaded."""
    p = make_pipeline("later")
    load(p, sb, start_date=START.isoformat(), resources=["library_folder_calls"])
    assert loaded_folder_calls(p) == sorted(Truth(sb).folder_calls())
    load(p, sb, start_date=START.isoformat(), resources=["library_folder_calls"], **RULES)
    assert loaded_folder_calls(p) == Truth(sb, tuple(TITLES), (DOMAIN,)).kept_folder_calls()


@pytest.mark.parametrize(
    "options",
    [RULES, {"exclude_titles": TITLES}, {"retention_days": RETENTION_DAYS}, {}],
    ids=["rules", "titles", "retention", "none"],
)
def test_the_plan_counts_the_calls_asked_for(
    sb: RunningSandbox, tmp_path: Path, options: dict[str, Any]
) -> None:
    kw: dict[str, Any] = dict(start_date=START.isoformat(), resources=TABLES,
                              now=sb.clock.now(), requests_per_second=None, **options)  # fmt: skip
    source = gong_source(credentials=credentials(sb), base_url=sb.url, **kw)
    plan = make_plan(client_of(source), options_of(source), {}, None)
    sb.reset_stats()
    load(pipeline(tmp_path), sb, **kw)
    served = {k: v for k, v in sb.stats()["by_endpoint"].items() if v}
    assert served == {k: v for k, v in by_endpoint(plan.per_table).items() if v}
    truth = Truth(sb, tuple(options.get("exclude_titles", ())),
                  tuple(options.get("exclude_domains", ())),
                  options.get("retention_days"))  # fmt: skip
    lookups = {k: v for k, v in plan.per_table.items() if k.startswith("(calls of")}
    assert sum(lookups.values()) == len(truth.lookups()) == served.get(LOOKUP, 0)
