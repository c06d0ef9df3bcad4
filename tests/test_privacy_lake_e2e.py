"""The privacy rules and the retention on a data lake: dlt's filesystem destination in Delta
tables, read back with deltalake's own reader.

A first run loads every call; the next adds the exclude rules and a retention, and the
rows of exactly the calls they now leave out go from every Delta table (child rows and
transcript chunks included), and the stats periods the retention ended go too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import dlt_gong
from dlt_gong import gong_source, reconcile
from dlt_gong.sandbox import RunningSandbox
from e2e_helpers import credentials
from test_lake_e2e import lake_pipeline, read
from test_privacy_e2e import CALL_TABLES, COMPANY, RULES, START, Truth

STATS = ["aggregated_activity", "day_by_day_activity"]


def test_rules_and_retention_remove_exactly_their_rows_from_delta_tables(
    make_sandbox: Callable[..., RunningSandbox], tmp_path: Path
) -> None:
    sb = make_sandbox(**{**COMPANY, "calls": 150}, freeze_clock=True)
    p = lake_pipeline(tmp_path)
    tables = [t for t in CALL_TABLES if t != "call_user_access"] + STATS

    def run(**kw: Any) -> Any:
        source = gong_source(credentials=credentials(sb), base_url=sb.url,
                             start_date=START.isoformat(), resources=tables,
                             now=sb.company.now(), requests_per_second=None, **kw)  # fmt: skip
        dlt_gong.run(p, source)
        return source

    def call_ids(table: str, column: str = "call_id") -> list[str]:
        return sorted({str(r[column]) for r in read(tmp_path, table, column)})

    def periods(table: str) -> set[tuple[Any, ...]]:
        found = read(tmp_path, table, "user_id", "from_date", "to_date")
        return {(r["user_id"], r["from_date"], r["to_date"]) for r in found}

    run()
    assert call_ids("calls", "id") == Truth(sb, rules=False).call_ids()
    before = {t: periods(t) for t in STATS}
    since = sb.clock.now() - timedelta(days=12)
    source = run(retention_days=12, **RULES)

    truth = Truth(sb, since=since)
    kept = truth.call_ids()
    assert len(kept) < len(Truth(sb, rules=False).call_ids()) - 10
    loaded = read(tmp_path, "calls", "id", "_dlt_id")
    assert sorted(str(r["id"]) for r in loaded) == kept
    parties = read(tmp_path, "calls__parties", "_dlt_root_id")
    assert len(parties) == sum(len(c["parties"]) for c in truth.calls())
    assert {r["_dlt_root_id"] for r in parties} <= {r["_dlt_id"] for r in loaded}
    assert call_ids("call_transcripts") == kept
    transcribed = truth.transcribed()
    assert call_ids("call_transcript_text") == transcribed
    assert call_ids("call_transcript_turns") == transcribed
    assert call_ids("call_transcript_chunks") == transcribed
    scorecards = read(tmp_path, "answered_scorecards", "answered_scorecard_id")
    assert sorted(str(r["answered_scorecard_id"]) for r in scorecards) == truth.scorecards()
    for table in STATS:  # the periods ended by the retention's first day go, the rest stay
        kept_periods = {r for r in before[table] if r[2] > since.date()}
        assert periods(table) == kept_periods and len(kept_periods) < len(before[table]), table

    tally = reconcile.tally_of(source)
    assert tally is not None
    whole, old = Truth(sb, rules=False), Truth(sb, rules=False, since=since)
    assert tally.expired == len(whole.call_ids()) - len(old.call_ids())
    assert tally.removed["calls"] == len(whole.call_ids()) - len(kept)
