"""Forward compatibility: Gong starts sending fields its spec does not know.

A destination first loaded from a sandbox that answers exactly what the spec describes is
loaded again, over the same range, from the same company whose API now also sends the
fields of ``dlt_gong.sandbox.unknown``: new scalars in calls' metaData, a new nested
object (with an object and a list of objects inside it), a new field in an object that
already exists (each party of a call) and new fields on users. The second run must
succeed with no failed job, and:

* every new field is a new column with dlt's snake_case name and the right type, its
  new list a new child table; every row carries the value the sandbox sent;
* the data is exactly the sandbox's, child tables included (the new one too);
* Gong's contract still holds for those responses (its spec allows properties it does not
  list), so a validator is no reason to refuse them, and none of the new names is in the
  spec, so the scenario is really about fields nobody told us about.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from proof import exact_proof
from report import Outcome

from contract import ContractValidator
from dlt_gong import gong_source
from dlt_gong.sandbox import RunningSandbox, SandboxConfig, run_sandbox
from dlt_gong.source import client_of
from e2e_helpers import Recorder, Truth, credentials, pipeline, rows, run
from instants import NOW, days_before

DAYS = 5
START = days_before(NOW, DAYS)
TABLES = ["users", "calls", "call_transcripts", "call_transcript_sentences"]
SPEC = Path(__file__).resolve().parents[2] / "spec" / "gong-openapi.json"
NEW_NAMES = ("recordingRegion", "talkRatioScore", "aiInsights", "modelVersion", "engagement",
             "signals", "strength", "joinedVia", "preferredLanguage", "seatType")  # fmt: skip
# column -> dlt data type, per table
NEW_COLUMNS = {
    "calls": {
        "recording_region": "text",
        "talk_ratio_score": "double",
        "ai_insights__model_version": "text",
        "ai_insights__engagement__level": "text",
        "ai_insights__engagement__score": "bigint",
    },
    "calls__parties": {"joined_via": "text"},
    "calls__ai_insights__signals": {"name": "text", "strength": "double"},
    "users": {"preferred_language": "text", "seat_type": "text"},
}


def _config(unknown_fields: bool, now: datetime) -> SandboxConfig:
    return SandboxConfig(
        seed=23, users=8, calls=40, days=DAYS, page_size=20, now=now, freeze_clock=True,
        rate_limit_per_second=None, daily_quota=None, late_call_rate=0.0,
        unknown_fields=unknown_fields,
    )  # fmt: skip


def _run(p: Any, sb: RunningSandbox, **kw: Any) -> Any:
    source = gong_source(
        credentials=credentials(sb), base_url=sb.url, start_date=START.isoformat(),
        resources=TABLES, requests_per_second=None, now=sb.clock.now(), **kw,
    )  # fmt: skip
    info = run(p, source)
    assert not info.has_failed_jobs
    return source


def _by_id(p: Any, sql: str) -> dict[str, tuple[Any, ...]]:
    return {str(r[0]): tuple(r[1:]) for r in rows(p, sql)}


@pytest.mark.contract_exempt("validated here, explicitly, against the new fields")
def test_fields_the_spec_does_not_know_become_new_columns(
    tmp_path: Path, report: Callable[[Outcome], None]
) -> None:
    """Gong adds fields between two runs: they land as new columns with the values sent,
    a new list becomes a new child table, and nothing fails or goes missing."""
    spec = SPEC.read_text()
    assert not [n for n in NEW_NAMES if f'"{n}"' in spec]  # unknown to the spec indeed
    now = NOW
    p = pipeline(tmp_path)
    with run_sandbox(_config(False, now)) as before:
        _run(p, before)
    assert "recording_region" not in p.default_schema.get_table_columns("calls")

    with run_sandbox(_config(True, now)) as sb:
        recorder = Recorder()
        sb.on_exchange.append(recorder)
        # the saved position minus the lookback reaches back before the start: every
        # call and user is read again, now with the new fields
        source = _run(p, sb, lookback_days=DAYS + 1)
        truth = Truth(sb, START)
        proof = exact_proof(p, truth, TABLES, all_children=True)
        calls = {c["metaData"]["id"]: c for c in truth.public_calls()}
        users = {u["id"]: u for u in sb.company.users()}
        served = sb.stats()["requests"]

    validator = ContractValidator.default()
    checked = [e for e in recorder.exchanges if e.path in ("/v2/users", "/v2/calls/extensive")]
    assert checked and not [x for e in checked for x in validator.check(e)]
    sent = b"".join(e.response_body for e in checked)
    assert all(name.encode() in sent for name in NEW_NAMES)

    schema = p.default_schema
    for table, columns in NEW_COLUMNS.items():
        found = schema.get_table_columns(table)
        assert {c: found[c].get("data_type") for c in columns if c in found} == columns, table

    meta = {i: c["metaData"] for i, c in calls.items()}
    assert _by_id(
        p,
        "select id, recording_region, talk_ratio_score, ai_insights__model_version, "
        "ai_insights__engagement__level, ai_insights__engagement__score from calls",
    ) == {
        i: (m["recordingRegion"], m["talkRatioScore"], m["aiInsights"]["modelVersion"],
            m["aiInsights"]["engagement"]["level"], m["aiInsights"]["engagement"]["score"])
        for i, m in meta.items()
    }  # fmt: skip
    signals = sorted(
        rows(
            p,
            "select c.id, s.name, s.strength from calls__ai_insights__signals s "
            "join calls c on s._dlt_parent_id = c._dlt_id",
        )
    )
    assert signals == sorted(
        (i, s["name"], s["strength"]) for i, m in meta.items() for s in m["aiInsights"]["signals"]
    )
    assert signals  # the new child table is not empty
    parties = sorted(
        rows(
            p,
            "select c.id, pa.id, pa.joined_via from calls__parties pa "
            "join calls c on pa._dlt_parent_id = c._dlt_id",
        )
    )
    assert parties == sorted(
        (i, party["id"], party["joinedVia"]) for i, c in calls.items() for party in c["parties"]
    )
    assert _by_id(p, "select id, preferred_language, seat_type from users") == {
        i: (u["preferredLanguage"], u["seatType"]) for i, u in users.items()
    }
    client = client_of(source)
    new = sum(len(c) for c in NEW_COLUMNS.values())
    report(
        Outcome(
            group="forward compatibility",
            scenario="fields the spec does not know",
            injected="a second run over the same range after Gong starts sending 10 undocumented"
            " fields: scalars and a nested object (holding an object and a list) in calls' "
            "metaData, a field in each call party, two on users",
            behaviour=f"loaded them as {new - 2} new columns and a new child table "
            "(calls__ai_insights__signals), every row with the value sent; no job failed, "
            f"the contract check passed ({len(checked)} responses validated)",
            expected_rows=proof.expected_rows,
            loaded_rows=proof.loaded_rows,
            duplicates=proof.duplicates,
            retries=client.retries,
            requests=served,
            exit_code=None,
        )
    )
