"""Rows that name a call (`tables.NamesCall`), piece by piece: where a row names its call,
when its calls are asked of Gong and how many at a time, what is counted as left out, what
the plan adds for it and what the run's summary says."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from dlt_gong.counts import Counts
from dlt_gong.options import build_options
from dlt_gong.plan import CALL_LOOKUPS, requests_per_table
from dlt_gong.privacy import LeftOut, call_rules
from dlt_gong.runner import _left_out_calls
from dlt_gong.source import _named_kept
from dlt_gong.tables import BY_NAME, CALL_LOG_TYPES, LOG_TYPES
from test_privacy import BASE

NOW = "2026-06-15T17:30:00+00:00"
FOLDERS = BY_NAME["library_folder_calls"]
LOGS = BY_NAME["audit_logs"]
SCORECARDS = BY_NAME["answered_scorecards"]


@dataclass
class FakeGong:
    """Answers `POST /v2/calls/extensive` by call id from `calls`, recording each body."""

    calls: Mapping[str, dict[str, Any]]
    bodies: list[dict[str, Any]] = field(default_factory=list)

    def items(self, endpoint: Any, *, body: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
        self.bodies.append(body)
        yield [self.calls[i] for i in body["filter"]["callIds"] if i in self.calls]


def call(i: int, title: str = "Demo", started: str = NOW, email: str = "a@acme.com") -> Any:
    return {
        "metaData": {"id": str(i), "title": title, "started": started},
        "parties": [{"emailAddress": email}],
    }


def options(**kw: Any) -> Any:
    return build_options(**BASE, **kw)


def test_a_row_names_its_call_where_its_catalogue_row_says() -> None:
    assert FOLDERS.names_call is not None and LOGS.names_call is not None
    assert FOLDERS.names_call.of({"id": "7", "title": "x"}) == "7"
    assert LOGS.names_call.of({"logRecord": {"callId": "7"}}) == "7"
    assert LOGS.names_call.of({"logRecord": {"auditId": "1"}}) is None  # a sign-in
    assert LOGS.names_call.of({"logRecord": None}) is None


def test_calls_are_asked_for_only_what_the_rows_do_not_say() -> None:
    folders, logs, cards = FOLDERS.names_call, LOGS.names_call, SCORECARDS.names_call
    assert folders is not None and logs is not None and cards is not None
    titles, domains = call_rules(["^interview"], []), call_rules([], ["gmail.com"])
    nothing = call_rules([], [])
    assert not folders.asks(titles, retention=False)  # a folder's call carries its title
    assert folders.asks(domains, retention=False) and folders.asks(nothing, retention=True)
    assert logs.asks(titles, retention=False) and not logs.asks(nothing, retention=True)
    assert cards.asks(titles, retention=False) and not cards.asks(nothing, retention=True)


def test_a_libraries_calls_are_asked_100_a_request_with_their_parties() -> None:
    gong = FakeGong({str(i): call(i, email="x@gmail.com" if i % 50 == 0 else "a@acme.com")
                     for i in range(250)})  # fmt: skip
    rows = [{"folderId": f, "id": str(i), "title": "Demo"} for f in "ab" for i in range(250)]
    left = LeftOut()
    kept = _named_kept(gong, FOLDERS, rows, options(exclude_domains="gmail.com"), left)
    assert [len(b["filter"]["callIds"]) for b in gong.bodies] == [100, 100, 50]
    assert all(b["contentSelector"] == {"exposedFields": {"parties": True}} for b in gong.bodies)
    assert {r["id"] for r in kept} == {str(i) for i in range(250) if i % 50}
    assert left.rows == {"library_folder_calls": 2 * 5}


def test_title_rules_alone_read_a_folder_calls_title_and_ask_nothing() -> None:
    gong = FakeGong({})
    rows = [{"id": "1", "title": "Interview: Ann"}, {"id": "2", "title": "Demo"}]
    left = LeftOut()
    kept = _named_kept(gong, FOLDERS, rows, options(exclude_titles="^interview"), left)
    assert kept == [rows[1]] and gong.bodies == [] and left.rows == {"library_folder_calls": 1}


def test_the_retention_asks_a_folder_calls_start_without_the_parties() -> None:
    old = "2026-05-01T10:00:00+00:00"
    gong = FakeGong({"1": call(1, started=old), "2": call(2)})
    rows = [{"id": "1", "title": "Demo"}, {"id": "2", "title": "Demo"}]
    kept = _named_kept(gong, FOLDERS, rows, options(retention_days=30), LeftOut())
    assert kept == [rows[1]]
    assert gong.bodies == [{"filter": {"callIds": ["1", "2"]}}]


def test_audit_entries_go_by_rule_not_by_retention_and_sign_ins_ask_nothing() -> None:
    old = "2026-05-01T10:00:00+00:00"
    gong = FakeGong({"1": call(1, title="1:1 Ann / Bob", started=old), "2": call(2, started=old)})
    plays = [{"logRecord": {"callId": c}} for c in ("1", "2", "1")]
    left = LeftOut()
    kept = _named_kept(gong, LOGS, plays, options(exclude_titles="1:1", retention_days=90), left)
    assert kept == [plays[1]] and left.rows == {"audit_logs": 2}
    assert gong.bodies == [{"filter": {"callIds": ["1", "2"]}}]  # each call once
    sign_ins = [{"logRecord": {"action": "LOGIN"}}]
    assert _named_kept(gong, LOGS, sign_ins, options(exclude_titles="1:1"), left) == sign_ins
    assert len(gong.bodies) == 1


def test_the_plan_has_a_line_for_each_tables_calls_asked_for() -> None:
    folders, logs, cards = (t.names_call for t in (FOLDERS, LOGS, SCORECARDS))
    assert folders is not None and logs is not None and cards is not None
    assert set(CALL_LOOKUPS) == {folders.line, logs.line, cards.line}
    entries = tuple(250 if t in CALL_LOG_TYPES else 1000 for t in LOG_TYPES)
    counts = Counts(users=1, calls=0, library_folders=4, library_calls=201, log_entries=entries,
                    answered_scorecards=150, excluding=True)  # fmt: skip
    found = requests_per_table(counts, ["library_folder_calls", "audit_logs",
                                        "answered_scorecards"])  # fmt: skip
    assert found[folders.line] == 3 and found[logs.line] == 3 * 3 and found[cards.line] == 2
    quiet = Counts(users=1, calls=0, library_folders=4, log_entries=entries)
    found = requests_per_table(quiet, ["library_folder_calls", "audit_logs"])
    assert not set(found) & set(CALL_LOOKUPS)


def test_the_summary_says_what_each_table_left_out() -> None:
    left = LeftOut(calls=3)
    left.count("audit_logs", 4)
    left.count("library_folder_calls", 2)
    (line,) = _left_out_calls(options(exclude_titles="1:1"), left)
    assert line.endswith(", and rows naming such calls: 2 in library_folder_calls, 4 in audit_logs")
    assert line.startswith("left out: 3 calls matching exclude_titles or exclude_domains")
    (line,) = _left_out_calls(options(exclude_titles="1:1", retention_days=30), left)
    assert "such calls or calls started before the retention: 2 in" in line
    only = LeftOut()
    only.count("library_folder_calls", 5)
    assert _left_out_calls(options(retention_days=30), only) == [
        "left out: rows naming calls started before the retention, as they were read: "
        "5 in library_folder_calls"
    ]
    assert _left_out_calls(options(), LeftOut()) == []
