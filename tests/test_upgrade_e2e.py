"""A dataset loaded before transcript sentences had a table of their own
(`call_transcripts__sentences`, dlt's child table of `call_transcripts`), loaded again by
this version (README, "Upgrading"): the new table has no position yet, so the calls family
is read again from `start_date`; every call's sentences move to
`call_transcript_sentences`, and dlt's merge of `call_transcripts` empties the old table."""

from __future__ import annotations

from typing import Any

import pytest

from dlt_gong.sandbox import SandboxConfig, run_sandbox
from dlt_gong.tables import BY_NAME
from e2e_helpers import load, pipeline, rows
from instants import NOW, days_before

DAYS = 8
OLD_TABLE = "call_transcripts__sentences"


def _sentences(transcript: dict[str, Any]) -> int:
    return sum(len(m["sentences"]) for m in transcript["transcript"])


def test_an_older_datasets_sentences_move_to_the_new_table_on_the_next_run(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = SandboxConfig(
        seed=9, users=6, calls=60, days=DAYS, now=NOW, freeze_clock=True,
        rate_limit_per_second=None, daily_quota=None, late_call_rate=0.0,
    )  # fmt: skip
    start = days_before(NOW, DAYS).isoformat()
    p = pipeline(tmp_path)
    with run_sandbox(config) as sb:
        # the version before: `call_transcripts` rows keep their sentences, a child table
        with monkeypatch.context() as old:
            old.setitem(vars(BY_NAME["call_transcripts"]), "sets_aside", None)
            load(p, sb, start_date=start, resources=["calls", "call_transcripts"])
        transcripts = {t["callId"]: t for t in sb.company.transcripts(call_ids=None)}
        said = {call: _sentences(t) for call, t in transcripts.items() if _sentences(t)}
        assert rows(p, f"select count(*) from {OLD_TABLE}") == [(sum(said.values()),)]

        sb.clock.advance(86400)
        sb.reset_stats()
        load(p, sb, start_date=start,
             resources=["calls", "call_transcripts", "call_transcript_sentences"])  # fmt: skip
        asked = sb.stats()["by_endpoint"]
        sb.reset_stats()  # a first run of the same window, for its requests
        load(pipeline(tmp_path / "first"), sb, start_date=start,
             resources=["calls", "call_transcripts", "call_transcript_sentences"])  # fmt: skip
        first = sb.stats()["by_endpoint"]
        transcripts = {t["callId"]: t for t in sb.company.transcripts(call_ids=None)}
        said = {call: _sentences(t) for call, t in transcripts.items() if _sentences(t)}

    old_rows = rows(p, f"""select t.call_id, count(*) from {OLD_TABLE} s
        join call_transcripts t on s._dlt_parent_id = t._dlt_id group by t.call_id""")  # fmt: skip
    new_rows = rows(p, "select call_id, count(*) from call_transcript_sentences group by call_id")
    assert old_rows == [] and dict(new_rows) == said
    assert rows(p, f"select count(*) from {OLD_TABLE}") == [(0,)]
    # every transcript again, as a first run asks for them: no more (the calls' pages may
    # split differently: a later run reads in the sub-windows the first one learned)
    transcript = "POST /v2/calls/transcript"
    assert asked[transcript] == first[transcript] > 0
