"""docs/analytics.md's queries run as written on DuckDB and PostgreSQL, against a default
load of a sandbox company, and answer what the sandbox's ground truth says.

`make test` starts a throwaway PostgreSQL server and passes its DSN in
DLT_GONG_TEST_POSTGRES; without it the PostgreSQL half is skipped locally, and fails
under CI (as in test_postgres.py)."""

from __future__ import annotations

import os
import re
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import dlt
import pytest

from dlt_gong.options import ALL_CONTENT
from dlt_gong.sandbox import RunningSandbox, SandboxConfig, run_sandbox
from dlt_gong.tables import DEFAULT_TABLES
from e2e_helpers import load, pipeline, rows
from instants import NOW

ROOT = Path(__file__).resolve().parents[1]
DSN = os.environ.get("DLT_GONG_TEST_POSTGRES")
QUERIES = re.findall(r"```sql\n(.*?)```", (ROOT / "docs" / "analytics.md").read_text(), re.S)
(
    TALK_RATIO,
    LONGEST_MONOLOGUE,
    QUESTIONS,
    CALLS_PER_WEEK,
    SCORECARDS,
    TRACKERS,
    BESIDE_GONG,
) = range(7)


@pytest.fixture(scope="module")
def sb() -> Iterator[RunningSandbox]:
    config = SandboxConfig(seed=23, users=8, calls=160, days=21, now=NOW, freeze_clock=True,
                           rate_limit_per_second=None, daily_quota=None)  # fmt: skip
    with run_sandbox(config) as running:
        yield running


@pytest.fixture(scope="module")
def loaded(sb: RunningSandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A default load (every table on by default) into DuckDB, and into PostgreSQL."""
    tmp = tmp_path_factory.mktemp("analytics")
    found: dict[str, Any] = {"duckdb": pipeline(tmp, "gong_duck")}
    load(found["duckdb"], sb, now=NOW)
    if DSN:
        found["postgres"] = dlt.pipeline(
            pipeline_name="gong_pg",
            destination=dlt.destinations.postgres(DSN),
            dataset_name=f"gong_{uuid.uuid4().hex[:8]}",
            pipelines_dir=str(tmp / "pipelines"),
        )
        load(found["postgres"], sb, now=NOW)
    yield found
    if "postgres" in found:
        with found["postgres"].sql_client() as client:
            client.drop_dataset()


def run(loaded: dict[str, Any], destination: str, index: int) -> list[tuple[Any, ...]]:
    if destination not in loaded:
        if os.environ.get("CI"):
            pytest.fail("DLT_GONG_TEST_POSTGRES is not set: CI must run against PostgreSQL")
        pytest.skip("no PostgreSQL server (make test starts one)")
    with loaded[destination].sql_client() as client:
        client.execute_sql("SET TimeZone = 'UTC'")  # weeks cut in UTC, as computed here
        found = client.execute_sql(QUERIES[index]) or []
    # PostgreSQL's numeric (a division by 1000.0) comes back as Decimal, DuckDB's as float
    return [tuple(float(v) if isinstance(v, Decimal) else v for v in r) for r in found]


DESTINATIONS = ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]


def _week(started: str | datetime) -> date:
    """The Monday of a start time's UTC week."""
    at = datetime.fromisoformat(started) if isinstance(started, str) else started
    day = at.astimezone(timezone.utc).date()
    return day - timedelta(days=day.weekday())


def _calls(loaded: dict[str, Any], sb: RunningSandbox) -> list[dict[str, Any]]:
    """The sandbox's own calls (every section) of the calls the load holds."""
    ids = [r[0] for r in rows(loaded["duckdb"], "select id from calls")]
    return list(sb.company.calls(call_ids=ids, content_selector=ALL_CONTENT))


def test_the_page_holds_the_seven_queries_and_a_default_load_has_both_tables() -> None:
    assert len(QUERIES) == 7
    assert {"call_speaker_stats", "call_interaction"} <= set(DEFAULT_TABLES)


@pytest.mark.parametrize("destination", DESTINATIONS)
def test_calls_per_rep_per_week_are_the_sandboxs(
    loaded: dict[str, Any], sb: RunningSandbox, destination: str
) -> None:
    found = run(loaded, destination, CALLS_PER_WEEK)
    want: dict[tuple[str, date], list[int]] = defaultdict(lambda: [0, 0])
    for call in _calls(loaded, sb):
        meta = call["metaData"]
        key = (meta["primaryUserId"], _week(meta["started"]))
        want[key][0] += 1
        want[key][1] += meta["duration"]
    got = {(r[0], _week(r[2])): (r[3], float(r[4])) for r in found}
    assert len(found) == len(got) == len(want) > 10
    assert got == {k: (n, pytest.approx(s / 60)) for k, (n, s) in want.items()}


@pytest.mark.parametrize("destination", DESTINATIONS)
def test_questions_per_rep_are_the_question_marks_of_their_sentences(
    loaded: dict[str, Any], sb: RunningSandbox, destination: str
) -> None:
    calls = {c["metaData"]["id"]: c for c in _calls(loaded, sb)}
    public = [i for i, c in calls.items() if not c["metaData"]["isPrivate"]]
    asked: Counter[str] = Counter()
    spoke: Counter[str] = Counter()
    for item in sb.company.transcripts(call_ids=public):
        users = {p["speakerId"]: p["userId"] for p in calls[item["callId"]]["parties"]
                 if p["speakerId"] and p["affiliation"] == "Internal"}  # fmt: skip
        said = [(m["speakerId"], s["text"]) for m in item["transcript"] for s in m["sentences"]]
        for speaker in {s for s, _ in said if s in users}:
            spoke[users[speaker]] += 1
            asked[users[speaker]] += sum(1 for s, text in said if s == speaker and text[-1] == "?")
    found = run(loaded, destination, QUESTIONS)
    assert {r[0]: (r[2], r[3]) for r in found} == {u: (spoke[u], asked[u]) for u in spoke}
    assert [float(r[4]) for r in found] == pytest.approx([r[3] / r[2] for r in found])
    rates = [float(r[4]) for r in found]
    assert rates == sorted(rates, reverse=True) and rates[0] > rates[-1]


@pytest.mark.parametrize("destination", DESTINATIONS)
def test_tracker_hits_per_week_are_the_sandboxs(
    loaded: dict[str, Any], sb: RunningSandbox, destination: str
) -> None:
    hits: Counter[tuple[str, date]] = Counter()
    calls: dict[tuple[str, date], set[str]] = defaultdict(set)
    for call in _calls(loaded, sb):
        meta = call["metaData"]
        for tracker in (call.get("content") or {}).get("trackers") or ():
            key = (tracker["name"], _week(meta["started"]))
            hits[key] += tracker["count"]
            calls[key].add(meta["id"])
    found = run(loaded, destination, TRACKERS)
    assert {(r[0], _week(r[1])): (r[2], r[3]) for r in found} == {
        k: (hits[k], len(calls[k])) for k in hits
    }
    assert len(found) > 10


@pytest.mark.parametrize("destination", DESTINATIONS)
def test_scorecard_averages_are_the_sandboxs_answers(
    loaded: dict[str, Any], sb: RunningSandbox, destination: str
) -> None:
    questions = {
        (card["scorecardId"], q["questionId"]): q["questionText"]
        for card in sb.company.scorecards()
        for q in card["questions"]
    }
    scores: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for review in sb.company.answered_scorecards(review_method="BOTH"):
        for answer in review["answers"]:
            if answer.get("score") is not None and not answer.get("notApplicable"):
                text = questions[(review["scorecardId"], answer["questionId"])]
                key = (review["reviewedUserId"], review["scorecardName"], text)
                scores[key].append(answer["score"])
    found = run(loaded, destination, SCORECARDS)
    assert {(r[0], r[2], r[3]): (r[4], pytest.approx(float(r[5]))) for r in found} == {
        k: (len(v), sum(v) / len(v)) for k, v in scores.items()
    }
    assert len(found) > 10


@pytest.mark.parametrize("destination", DESTINATIONS)
def test_talk_ratio_and_monologues_per_rep_add_up_the_per_call_rows(
    loaded: dict[str, Any], destination: str
) -> None:
    """The per-call rows themselves are held to an independent computation in
    test_conversation.py; here, the queries' aggregation of them."""
    duck = loaded["duckdb"]
    calls = rows(duck, """select i.primary_user_id, i.started, i.talk_ms_internal,
        i.talk_ms_external, h.talk_share from call_interaction i left join call_speaker_stats h
        on h.call_id = i.call_id and h.user_id = i.primary_user_id""")  # fmt: skip
    weeks: dict[tuple[str, date], list[Any]] = defaultdict(list)
    for user, started, internal, external, share in calls:
        if internal + external:
            weeks[(user, _week(started))].append((internal, external, share))
    found = run(loaded, destination, TALK_RATIO)
    assert {(r[0], _week(r[2])) for r in found} == set(weeks)
    for r in found:
        mine = weeks[(r[0], _week(r[2]))]
        assert r[3] == len(mine)
        assert float(r[4]) == pytest.approx(
            sum(m[0] for m in mine) / sum(m[0] + m[1] for m in mine)
        )
        shares = [m[2] for m in mine if m[2] is not None]
        assert float(r[5]) == pytest.approx(sum(shares) / len(shares))
    assert len({round(float(r[4]), 3) for r in found}) > 5

    turns: dict[str, list[int]] = defaultdict(list)
    for user, longest in rows(duck, "select user_id, longest_turn_ms from call_speaker_stats "
                                    "where affiliation = 'Internal'"):  # fmt: skip
        turns[user].append(longest)
    found = run(loaded, destination, LONGEST_MONOLOGUE)
    assert {r[0]: (r[2], float(r[3]), pytest.approx(float(r[4]))) for r in found} == {
        u: (len(t), max(t) / 1000, sum(t) / len(t) / 1000) for u, t in turns.items()
    }
    assert [float(r[3]) for r in found] == sorted((float(r[3]) for r in found), reverse=True)


@pytest.mark.parametrize("destination", DESTINATIONS)
def test_gongs_host_stats_stand_beside_ours_for_the_same_calls(
    loaded: dict[str, Any], sb: RunningSandbox, destination: str
) -> None:
    calls = {c["metaData"]["id"]: c for c in _calls(loaded, sb)}
    ours = {r[0]: r[1:] for r in rows(loaded["duckdb"], """select call_id, talk_ratio,
        longest_monologue_ms, interactivity, patience_ms from call_interaction""")}  # fmt: skip
    found = run(loaded, destination, BESIDE_GONG)
    assert {r[0] for r in found} == set(ours)
    names = ("Talk Ratio", "Longest Monologue", "Longest Customer Story", "Interactivity",
             "Patience", "Question Rate")  # fmt: skip
    for r in found:
        gong = {s["name"]: s["value"] for s in calls[r[0]]["interaction"]["interactionStats"]}
        assert [r[2], r[5], r[7], r[9], r[11], r[13]] == [gong[n] for n in names], r[0]
        talk_ratio, monologue, interactivity, patience = ours[r[0]]
        assert (r[4], r[10]) == (pytest.approx(talk_ratio), pytest.approx(interactivity))
        assert r[6] == (None if monologue is None else pytest.approx(monologue / 1000))
        assert r[12] == (None if patience is None else pytest.approx(patience / 1000))
        assert r[1] == calls[r[0]]["metaData"]["primaryUserId"]
