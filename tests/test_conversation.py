"""Conversation metrics per call and per speaker: `call_interaction`, `call_speaker_stats`.

Hand-made transcripts pin each definition at its edges (one speaker, no customer,
overlapping sentences, a speaker no party claims, nobody speaking); a sandbox load is
then held, call by call, to a second computation written here from the loaded
`call_transcript_sentences` and `calls__parties` alone; a call transcribed again
replaces its rows and only its rows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from itertools import groupby, pairwise
from pathlib import Path
from typing import Any

import pytest

from dlt_gong.conversation import interaction_rows, speaker_rows, talk_ms
from dlt_gong.sandbox import RunningSandbox
from e2e_helpers import load, pipeline, rows, start_instant
from instants import NOW

TABLES = ["call_speaker_stats", "call_interaction"]

PARTIES = [
    {"speakerId": "rep", "name": "Ann Lee", "userId": "u1", "affiliation": "Internal"},
    {"speakerId": "se", "name": "Raj Rao", "userId": "u2", "affiliation": "Internal"},
    {"speakerId": "buyer", "name": "Bo Diaz", "userId": None, "affiliation": "External"},
]


def _call(parties: list[dict[str, Any]], duration: int = 60) -> dict[str, Any]:
    return {"id": "7", "started": "2026-06-15T10:00:00-07:00", "primaryUserId": "u1",
            "workspaceId": "w1", "duration": duration, "parties": parties}  # fmt: skip


def _said(speaker: str | None, start: int, end: int, text: str = "Words here.") -> dict[str, Any]:
    return {"speakerId": speaker, "topic": None, "start": start, "end": end, "text": text}


def _transcript(*sentences: dict[str, Any]) -> dict[str, Any]:
    return {"callId": "7", "started": None, "sentences": list(sentences)}


def _by(found: list[dict[str, Any]], *columns: str) -> list[tuple[Any, ...]]:
    return [tuple(r[c] for c in columns) for r in found]


def test_a_conversation_gives_each_speaker_and_the_call_its_numbers() -> None:
    """Ann pitches in two sentences on two topics (one turn: a topic change ends no turn),
    Bo answers a question after 1.5 s, then interrupts Ann 0.5 s before she ends."""
    transcript = _transcript(
        _said("rep", 1_000, 5_000, "Let me walk you through it."),
        {**_said("rep", 5_400, 9_000, "Does that fit your team?"), "topic": "Pricing"},
        _said("buyer", 11_000, 20_000, "It might, we have forty reps in two regions."),
        _said("rep", 21_000, 23_000, "How do you forecast today?"),
        _said("buyer", 25_000, 33_000, "Spreadsheets, mostly, and a lot of hope."),
        _said("rep", 34_000, 38_000, "Right."),
        _said("buyer", 37_500, 40_000, "Sorry, go on?"),
    )
    speakers = speaker_rows(_call(PARTIES), transcript)
    assert _by(speakers, "speaker_index", "speaker_id", "user_id", "speaker_name",
               "affiliation", "talk_ms", "turns", "longest_turn_ms", "words",
               "questions") == [
        (0, "rep", "u1", "Ann Lee", "Internal", 13_600, 3, 8_000, 17, 2),
        (1, "buyer", None, "Bo Diaz", "External", 19_500, 3, 9_000, 19, 1),
    ]  # fmt: skip
    assert [r["talk_share"] for r in speakers] == pytest.approx([13_600 / 33_100, 19_500 / 33_100])
    assert [r["words_per_minute"] for r in speakers] == pytest.approx(
        [17 * 60_000 / 13_600, 19 * 60_000 / 19_500]
    )
    (call,) = interaction_rows(_call(PARTIES), transcript)
    assert call == {
        "call_id": "7",
        "started": "2026-06-15T10:00:00-07:00",
        "primary_user_id": "u1",
        "workspace_id": "w1",
        "duration_ms": 60_000,
        "talk_ms_internal": 13_600,
        "talk_ms_external": 19_500,
        "talk_ratio": pytest.approx(13_600 / 33_100),
        "longest_monologue_ms": 8_000,
        "longest_customer_story_ms": 9_000,
        "interactivity": pytest.approx(5 / (32_600 / 60_000)),  # 5 switches, 32.6 s of talk
        "patience_ms": 1_000.0,  # Ann answered Bo after 1.0 s, twice
        "questions_internal": 2,
        "questions_external": 1,
        "silence_ms": 60_000 - 32_600,
    }


def test_one_speaker_holds_the_whole_call() -> None:
    transcript = _transcript(_said("rep", 0, 4_000), _said("rep", 4_500, 9_000, "Any questions?"))
    (speaker,) = speaker_rows(_call(PARTIES, duration=10), transcript)
    assert (speaker["talk_ms"], speaker["talk_share"], speaker["turns"]) == (8_500, 1.0, 1)
    assert speaker["longest_turn_ms"] == 9_000  # a turn spans its pauses
    (call,) = interaction_rows(_call(PARTIES, duration=10), transcript)
    assert (call["talk_ratio"], call["interactivity"], call["silence_ms"]) == (1.0, 0.0, 1_500)
    assert (call["longest_monologue_ms"], call["longest_customer_story_ms"]) == (9_000, None)
    assert (call["patience_ms"], call["questions_internal"], call["talk_ms_external"]) == (
        None,
        1,
        0,
    )


def test_an_internal_meeting_has_no_customer_side() -> None:
    transcript = _transcript(
        _said("rep", 0, 3_000), _said("se", 3_200, 8_000), _said("rep", 9_000, 10_000)
    )
    (call,) = interaction_rows(_call(PARTIES[:2]), transcript)
    assert call["talk_ratio"] == 1.0 and call["talk_ms_external"] == 0
    assert call["longest_customer_story_ms"] is None and call["patience_ms"] is None
    assert call["longest_monologue_ms"] == 4_800
    assert call["interactivity"] == pytest.approx(2 / (8_800 / 60_000))


def test_overlapping_sentences_count_once_per_speaker_and_twice_in_the_call() -> None:
    """Ann's own sentences overlap (Gong cut one utterance in two): her talk is their union.
    Bo talks over her: both talk, so the shares sum to one but the silence counts once."""
    transcript = _transcript(
        _said("rep", 0, 6_000),
        _said("rep", 4_000, 8_000),
        _said("buyer", 7_000, 12_000),
        _said("rep", 11_000, 13_000),
    )
    speakers = speaker_rows(_call(PARTIES, duration=20), transcript)
    assert _by(speakers, "speaker_id", "talk_ms", "turns", "longest_turn_ms") == [
        ("rep", 10_000, 2, 8_000),
        ("buyer", 5_000, 1, 5_000),
    ]
    assert [r["talk_share"] for r in speakers] == pytest.approx([10 / 15, 5 / 15])
    (call,) = interaction_rows(_call(PARTIES, duration=20), transcript)
    assert call["silence_ms"] == 20_000 - 13_000
    assert call["patience_ms"] == 0.0  # Ann answered before Bo had finished
    assert talk_ms([(0, 6_000), (4_000, 8_000), (7_000, 12_000), (11_000, 13_000)]) == 13_000


def test_a_speaker_no_party_claims_is_unknown_and_only_in_the_totals() -> None:
    transcript = _transcript(
        _said("rep", 0, 2_000),
        _said("s9", 2_500, 6_500, "Who is this?"),
        _said(None, 7_000, 8_000),
        _said("buyer", 9_000, 11_000),
    )
    speakers = speaker_rows(_call(PARTIES), transcript)
    assert _by(speakers, "speaker_index", "speaker_id", "speaker_name", "affiliation",
               "talk_ms") == [
        (0, "rep", "Ann Lee", "Internal", 2_000),
        (1, "s9", "Unknown speaker 1", "Unknown", 4_000),
        (2, None, "Unknown speaker 2", "Unknown", 1_000),
        (3, "buyer", "Bo Diaz", "External", 2_000),
    ]  # fmt: skip
    (call,) = interaction_rows(_call(PARTIES), transcript)
    assert (call["talk_ms_internal"], call["talk_ms_external"]) == (2_000, 2_000)
    assert call["talk_ratio"] == pytest.approx(2 / 9)
    assert (call["questions_internal"], call["questions_external"]) == (0, 0)
    assert call["patience_ms"] is None  # no internal turn follows an external one


def test_an_empty_transcript_is_a_silent_call() -> None:
    assert speaker_rows(_call(PARTIES), _transcript()) == []
    (call,) = interaction_rows(_call(PARTIES, duration=90), _transcript())
    assert (call["talk_ms_internal"], call["talk_ms_external"], call["silence_ms"]) == (
        0,
        0,
        90_000,
    )
    assert [call[k] for k in ("talk_ratio", "longest_monologue_ms", "interactivity",
                              "patience_ms")] == [None] * 4  # fmt: skip


def test_patience_is_the_median_pause_and_an_even_count_takes_the_middle_two() -> None:
    transcript = _transcript(
        _said("buyer", 0, 1_000), _said("rep", 1_100, 2_000),  # 100
        _said("buyer", 2_000, 3_000), _said("rep", 3_400, 4_000),  # 400
        _said("buyer", 4_000, 5_000), _said("se", 5_900, 6_000),  # 900
        _said("buyer", 6_000, 7_000), _said("rep", 9_000, 10_000),  # 2000
    )  # fmt: skip
    (call,) = interaction_rows(_call(PARTIES), transcript)
    assert call["patience_ms"] == 650.0


# -- end to end: every sandbox call against a computation of its own ------------------------


def _independent(p: Any) -> tuple[dict[tuple[str, int], tuple[Any, ...]], dict[str, Any]]:
    """Both tables recomputed from the loaded sentences, parties and calls, another way:
    talk by a sweep over start and end events, turns by `groupby`."""
    sentences = rows(p, """select call_id, speaker_id, start, "end", text
        from call_transcript_sentences order by call_id, sentence_index""")  # fmt: skip
    parties: dict[tuple[str, str], tuple[Any, ...]] = {}
    for call_id, speaker, user, name, side in rows(p, """select c.id, p.speaker_id, p.user_id,
            p.name, p.affiliation from calls__parties p join calls c on p._dlt_parent_id = c._dlt_id
            where p.speaker_id is not null order by p._dlt_list_idx"""):  # fmt: skip
        parties.setdefault((call_id, speaker), (user, name, side or "Unknown"))
    calls = {r[0]: r[1:] for r in rows(p, "select id, duration from calls")}
    speakers: dict[tuple[str, int], tuple[Any, ...]] = {}
    interaction: dict[str, Any] = {}
    for call_id, said in groupby(sentences, key=lambda r: r[0]):
        said = list(said)
        who: dict[Any, tuple[Any, ...]] = {}
        for _, speaker, *_rest in said:
            if speaker not in who:
                unknown = sum(1 for w in who.values() if w[1].startswith("Unknown speaker"))
                who[speaker] = parties.get(
                    (call_id, speaker), (None, f"Unknown speaker {unknown + 1}", "Unknown")
                )
        turns = []
        for speaker, run in groupby(said, key=lambda r: r[1]):
            run = list(run)
            turns.append((who[speaker][2], run[0][2], max(r[3] for r in run)))
        talk = {s: _swept([(r[2], r[3]) for r in said if r[1] == s]) for s in who}
        total = sum(talk.values())
        anyone = _swept([(r[2], r[3]) for r in said])
        for index, speaker in enumerate(who):
            mine = [r for r in said if r[1] == speaker]
            words = sum(len(r[4].split()) for r in mine)
            own_turns = [
                max(r[3] for r in run) - run[0][2]
                for s, run in ((s, list(g)) for s, g in groupby(said, key=lambda r: r[1]))
                if s == speaker
            ]
            speakers[(call_id, index)] = (
                speaker, *who[speaker], talk[speaker], talk[speaker] / total, len(own_turns),
                max(own_turns), words, words * 60_000 / talk[speaker],
                sum(1 for r in mine if r[4].strip().endswith("?")),
            )  # fmt: skip
        side = {s: who[s][2] for s in who}
        pauses = sorted(
            max(0, b[1] - a[2])
            for a, b in pairwise(turns)
            if a[0] == "External" and b[0] == "Internal"
        )
        middle = len(pauses) // 2
        patience = (
            None
            if not pauses
            else float(pauses[middle])
            if len(pauses) % 2
            else (pauses[middle - 1] + pauses[middle]) / 2
        )
        internal = sum(t for s, t in talk.items() if side[s] == "Internal")
        monologues = [b - a for s, a, b in turns if s == "Internal"]
        stories = [b - a for s, a, b in turns if s == "External"]
        duration_ms = calls[call_id][0] * 1000
        interaction[call_id] = (
            duration_ms, internal, sum(t for s, t in talk.items() if side[s] == "External"),
            internal / total, max(monologues, default=None), max(stories, default=None),
            (len(turns) - 1) * 60_000 / anyone, patience,
            sum(1 for r in said if side[r[1]] == "Internal" and r[4].strip().endswith("?")),
            sum(1 for r in said if side[r[1]] == "External" and r[4].strip().endswith("?")),
            duration_ms - anyone,
        )  # fmt: skip
    return speakers, interaction


def _swept(spans: list[tuple[int, int]]) -> int:
    """Time covered by at least one span: walk the starts and ends in time order."""
    events = sorted([(a, 1) for a, b in spans if b > a] + [(b, -1) for a, b in spans if b > a])
    covered, depth, since = 0, 0, 0
    for at, step in events:
        if depth > 0:
            covered += at - since
        depth += step
        since = at
    return covered


SPEAKER_COLUMNS = ("speaker_id, user_id, speaker_name, affiliation, talk_ms, talk_share, turns, "
                   "longest_turn_ms, words, words_per_minute, questions")  # fmt: skip
CALL_COLUMNS = ("duration_ms, talk_ms_internal, talk_ms_external, talk_ratio, "
                "longest_monologue_ms, longest_customer_story_ms, interactivity, patience_ms, "
                "questions_internal, questions_external, silence_ms")  # fmt: skip


def _loaded(p: Any) -> tuple[dict[tuple[str, int], tuple[Any, ...]], dict[str, Any]]:
    query = f"select call_id, speaker_index, {SPEAKER_COLUMNS} from call_speaker_stats"
    speakers = {(r[0], r[1]): r[2:] for r in rows(p, query)}
    calls = {r[0]: r[1:] for r in rows(p, f"select call_id, {CALL_COLUMNS} from call_interaction")}
    return speakers, calls


def _same(got: dict[Any, tuple[Any, ...]], want: dict[Any, tuple[Any, ...]]) -> None:
    assert set(got) == set(want)
    for key, expected in want.items():
        assert len(got[key]) == len(expected), key
        for loaded, computed in zip(got[key], expected, strict=True):
            if isinstance(computed, float):
                assert loaded == pytest.approx(computed, rel=1e-9), key
            else:
                assert loaded == computed, key


def test_every_sandbox_call_equals_an_independent_computation_and_a_retranscription_replaces_it(
    make_sandbox: Callable[..., RunningSandbox], tmp_path: Path
) -> None:
    sb = make_sandbox(calls=120, days=5, private_call_rate=0.1)
    start = (NOW - timedelta(days=6)).date().isoformat()
    p = pipeline(tmp_path)
    load(
        p,
        sb,
        now=NOW,
        start_date=start,
        resources=["calls", "call_transcripts", "call_transcript_sentences", *TABLES],
    )
    since = start_instant(date.fromisoformat(start))
    public = [c["id"] for c in sb.company.calls_basic() if not c["isPrivate"]
              and c["started"] >= since.isoformat()]  # fmt: skip
    truth = {t["callId"]: t["transcript"] for t in sb.company.transcripts(call_ids=public)}
    assert len(truth) > 80
    got_speakers, got_calls = _loaded(p)
    assert set(got_calls) == set(truth)  # every transcribed call, no private one
    want_speakers, want_calls = _independent(p)
    _same(got_speakers, want_speakers)
    _same(got_calls, want_calls)
    started = rows(p, """select count(*) from call_interaction i join calls c on c.id = i.call_id
        where i.started = c.started and i.primary_user_id = c.primary_user_id
        and i.workspace_id = c.workspace_id""")  # fmt: skip
    assert started == [(len(truth),)]
    # the metrics vary from call to call, as real ones do
    external = [v for v in got_calls.values() if v[2] > 0 and v[1] > 0]
    assert len({round(v[3], 2) for v in external}) > 30  # talk ratios
    assert len({v[7] for v in external if v[7] is not None}) > 30  # patience
    assert min(v[3] for v in external) < 0.3 < 0.7 < max(v[3] for v in external)
    assert any(v[4] is not None and v[4] > 60_000 for v in external)  # minute-long pitches
    assert sum(v[8] for v in got_calls.values()) > 0 < sum(v[9] for v in got_calls.values())

    changed = sorted(got_calls)[0]
    again = make_sandbox(calls=120, days=5, private_call_rate=0.1, retranscribed_calls=(changed,))
    load(p, again, now=NOW, start_date=start, resources=["calls", "call_transcripts", "call_transcript_sentences", *TABLES],
         lookback_days=10)  # fmt: skip
    after_speakers, after_calls = _loaded(p)
    assert {k: v for k, v in after_calls.items() if k != changed} == {
        k: v for k, v in got_calls.items() if k != changed
    }
    assert {k: v for k, v in after_speakers.items() if k[0] != changed} == {
        k: v for k, v in got_speakers.items() if k[0] != changed
    }
    assert after_calls[changed] != got_calls[changed]
    want_speakers, want_calls = _independent(p)
    _same(after_speakers, want_speakers)
    _same(after_calls, want_calls)
    counts = rows(p, "select count(*), count(distinct call_id) from call_interaction")
    assert counts == [(len(truth), len(truth))]
