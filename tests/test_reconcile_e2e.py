"""Rows gone from Gong are gone from the destination after the next run, end to end.

The sandbox deletes calls, makes calls private and removes users, trackers, scorecards,
library folders and folder entries as its (frozen, hand-moved) clock passes; a load before
and one after are compared, table by table and id by id, with the sandbox's ground truth
at the second load's instant.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import dlt
import pytest

import dlt_gong
from contract_watch import TEST_NOW
from dlt_gong import GongQuotaExhausted, gong_source
from dlt_gong.options import ALL_CONTENT
from dlt_gong.sandbox.errors import NotFoundError
from dlt_gong.source import client_of
from dlt_gong.windows import gong_datetime
from e2e_helpers import Recorder, count, credentials, ids, load, pipeline, rows, sentence_count

DAYS = 40
START = (TEST_NOW - timedelta(days=DAYS)).replace(hour=0, minute=0)
CALL_TABLES = ["calls", "call_transcripts", "call_transcript_sentences", "call_transcript_text",
               "call_speaker_stats", "call_interaction", "answered_scorecards",
               "call_transcript_chunks"]  # fmt: skip
SETTINGS = ["users", "scorecards", "trackers", "library_folders", "library_folder_calls",
            "user_settings_history"]  # fmt: skip
REMOVING: dict[str, Any] = {
    "freeze_clock": True, "days": 45, "deleted_call_rate": 0.1, "privatized_call_rate": 0.1,
    "removed_settings_rate": 0.3, "removals_within_days": 4,
}  # fmt: skip


class Truth:
    """The sandbox's answer for every reconciled table at one instant."""

    def __init__(self, company: Any, as_of: datetime) -> None:
        self.company, self.as_of = company, as_of

    @functools.cached_property
    def public_calls(self) -> list[dict[str, Any]]:
        found = self.company.calls(START, None, content_selector=ALL_CONTENT, as_of=self.as_of)
        return [c for c in found if not c["metaData"]["isPrivate"]]

    def calls(self) -> list[dict[str, Any]]:
        return self.public_calls

    def call_ids(self) -> list[str]:
        return sorted(c["metaData"]["id"] for c in self.calls())

    def parties(self) -> int:
        return sum(len(c.get("parties") or []) for c in self.calls())

    @functools.cached_property
    def _transcripts(self) -> list[dict[str, Any]]:
        public = self.call_ids()
        return list(self.company.transcripts(call_ids=public, as_of=self.as_of))

    def transcripts(self) -> list[dict[str, Any]]:
        return self._transcripts

    def sentences(self) -> int:
        return sentence_count(self.transcripts())

    def answered_scorecards(self) -> list[str]:
        found = self.company.answered_scorecards(review_from_date=START.date(),
                                                 review_method="BOTH", as_of=self.as_of)  # fmt: skip
        return sorted(found.ids())

    def settings(self) -> dict[str, list[str]]:
        c, moment = self.company, self.as_of
        users = c.users(as_of=moment)
        folders = c.library_folders(as_of=moment)
        entries = []
        for folder in folders:
            try:
                content = c.library_folder_content(folder["id"], as_of=moment)
            except NotFoundError:
                continue
            entries += [f"{folder['id']}/{call['id']}" for call in content["calls"]]
        history = [f"{u['id']}/{h['setting']}/{epoch_ms(h['time'])}" for u in users
                   for h in c.user_settings_history(u["id"])]  # fmt: skip
        return {
            "users": sorted(u["id"] for u in users),
            "scorecards": sorted(s["scorecardId"] for s in c.scorecards(as_of=moment)),
            "trackers": sorted(t["trackerId"] for t in c.trackers(as_of=moment)),
            "library_folders": sorted(f["id"] for f in folders),
            "library_folder_calls": sorted(entries),
            "user_settings_history": sorted(history),
        }


def loaded_settings(p: dlt.Pipeline, tables: list[str] = SETTINGS) -> dict[str, list[str]]:
    queries = {
        "users": "select id from users",
        "scorecards": "select scorecard_id from scorecards",
        "trackers": "select tracker_id from trackers",
        "library_folders": "select id from library_folders",
        "library_folder_calls": "select folder_id || '/' || id from library_folder_calls",
        "user_settings_history": "select user_id || '/' || setting || '/' || epoch_ms(time) "
        "from user_settings_history",
    }
    return {t: sorted(str(r[0]) for r in rows(p, queries[t])) for t in tables}


def listings(recorder: Recorder) -> list[dict[str, Any]]:
    """The reconcile pass's requests: calls/extensive without a contentSelector (and
    without the cursor of a next page)."""
    bodies = recorder.bodies("POST /v2/calls/extensive")
    return [{k: v for k, v in b.items() if k != "cursor"} for b in bodies
            if "contentSelector" not in b]  # fmt: skip


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value)


def epoch_ms(value: str) -> int:
    return round(datetime.fromisoformat(value).timestamp() * 1000)


def orphans(p: dlt.Pipeline, child: str, root: str) -> int:
    return int(rows(p, f"select count(*) from {child} c left join {root} r "
                       "on c._dlt_root_id = r._dlt_id where r._dlt_id is null")[0][0])  # fmt: skip


def test_deleted_and_private_calls_and_removed_settings_are_gone_after_the_next_run(
    make_sandbox: Callable[..., Any], tmp_path: Path
) -> None:
    sb = make_sandbox(**REMOVING)
    recorder = Recorder()
    sb.on_exchange.append(recorder)
    p = pipeline(tmp_path)
    tables = [*CALL_TABLES, *SETTINGS]
    first = load(p, sb, start_date=START.isoformat(), resources=tables, now=sb.company.now())
    assert client_of(first).quota_exhausted is None
    before = Truth(sb.company, sb.company.now())
    assert ids(p, "calls") == before.call_ids()
    settings_before = before.settings()
    assert loaded_settings(p) == settings_before
    assert listings(recorder) == []  # nothing loaded yet: nothing to compare

    # the next run, after every removal the sandbox draws: the last 30 days reconciled
    sb.clock.advance(5 * 86400)
    recorder.exchanges.clear()
    now = sb.company.now()
    load(p, sb, start_date=START.isoformat(), resources=tables, now=now)
    after = Truth(sb.company, now)
    settings_after = after.settings()
    for table in SETTINGS[:-1]:  # (settings history rows go with their user)
        assert set(settings_before[table]) - set(settings_after[table]), table
    assert loaded_settings(p) == settings_after
    recent = now - timedelta(days=30)
    started = dict(rows(p, "select id, started from calls"))
    assert sorted(c for c in started if started[c] >= recent) == sorted(
        c["metaData"]["id"] for c in after.calls() if parse(c["metaData"]["started"]) >= recent
    )
    stale = set(started) - set(after.call_ids())
    assert stale and all(started[c] < recent for c in stale)  # older: left to a full reconcile
    # its cost: one request (metaData only) per 100 calls of the 30 days
    listed = sb.company.calls_basic(recent, now, as_of=now)
    assert listings(recorder) == [{"filter": {"fromDateTime": gong_datetime(recent),
                                              "toDateTime": gong_datetime(now)}}] * math.ceil(
        len(listed) / 100)  # fmt: skip

    # an explicit range reconciles every loaded call, with its transcript and child rows
    gone = set(before.call_ids()) - set(after.call_ids())
    assert len(gone) >= 10
    load(p, sb, start_date=START.isoformat(), resources=CALL_TABLES, now=now,
         reconcile_from=START.isoformat())  # fmt: skip
    assert ids(p, "calls") == after.call_ids()
    assert count(p, "calls__parties") == after.parties()
    assert orphans(p, "calls__parties", "calls") == 0
    assert ids(p, "call_transcripts", "call_id") == sorted(t["callId"] for t in after.transcripts())
    assert count(p, "call_transcript_sentences") == after.sentences()
    said = sorted(
        t["callId"] for t in after.transcripts() if any(m["sentences"] for m in t["transcript"])
    )
    assert [
        r[0]
        for r in rows(p, "select distinct call_id from call_transcript_sentences order by call_id")
    ] == said
    assert ids(p, "call_transcript_text", "call_id") == sorted(
        t["callId"] for t in after.transcripts() if t["transcript"]
    )
    assert ids(p, "call_interaction", "call_id") == ids(p, "call_transcripts", "call_id")
    chunked = rows(p, "select distinct call_id from call_transcript_chunks order by call_id")
    assert [r[0] for r in chunked] == ids(p, "call_transcript_text", "call_id")
    spoken = rows(p, "select distinct call_id from call_speaker_stats order by call_id")
    assert [r[0] for r in spoken] == ids(p, "call_transcript_text", "call_id")
    assert ids(p, "answered_scorecards", "answered_scorecard_id") == after.answered_scorecards()


def test_a_read_cut_short_by_the_quota_never_replaces_a_table(
    make_sandbox: Callable[..., Any], tmp_path: Path
) -> None:
    sb = make_sandbox(**REMOVING, page_size=5, daily_quota=1000)
    p = pipeline(tmp_path)
    tables = ["users", "user_settings_history"]

    def run() -> None:
        source = gong_source(credentials=credentials(sb), base_url=sb.url, resources=tables,
                             now=sb.company.now(), requests_per_second=None,
                             max_retry_after_seconds=60)  # fmt: skip
        dlt_gong.run(p, source)

    run()
    first = loaded_settings(p, tables)
    assert len(first["users"]) == 20
    sb.clock.advance(5 * 86400)
    sb.limits.set_used_today(1000 - 2)  # two pages of five users, then the quota is spent
    with pytest.raises(GongQuotaExhausted):
        run()
    cut = loaded_settings(p, tables)
    truth = Truth(sb.company, sb.company.now()).settings()
    assert set(first["users"]) - set(truth["users"])  # users were removed in Gong ...
    assert cut["users"] == first["users"]  # ... but a partial read removes nothing
    assert cut["user_settings_history"] == first["user_settings_history"]
    sb.clock.advance(86400)  # the quota resets: read whole, both tables are replaced
    run()
    truth = Truth(sb.company, sb.company.now()).settings()
    assert loaded_settings(p, tables) == {t: truth[t] for t in tables}


def test_a_workspace_scoped_load_keeps_other_workspaces_rows(
    make_sandbox: Callable[..., Any], tmp_path: Path
) -> None:
    sb = make_sandbox(**REMOVING)
    p = pipeline(tmp_path)
    load(p, sb, resources=["trackers"], now=sb.company.now())
    first = {t["trackerId"]: t["workspaceId"] for t in sb.company.trackers()}
    assert ids(p, "trackers", "tracker_id") == sorted(first)
    sb.clock.advance(5 * 86400)
    scope = sb.company.workspaces()[0]["id"]
    load(p, sb, resources=["trackers"], now=sb.company.now(), workspace_id=scope)
    now = {t["trackerId"] for t in sb.company.trackers()}
    assert set(first) - now  # trackers were removed in Gong
    # merged, not replaced: every row of the other workspace, and the scope's removed rows,
    # stay (documented: a scoped load does not reconcile the scoped settings tables)
    assert ids(p, "trackers", "tracker_id") == sorted(first)
