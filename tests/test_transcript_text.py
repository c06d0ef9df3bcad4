"""The tables built from a call and its transcript: turns, the call's text, chunks.

Unit tests pin the reshapes (names from parties, unknown speakers, the text's lines, the
chunk bound); the end-to-end tests load them from the sandbox and hold them to its
ground truth, then show that a re-read call replaces all its rows and only its rows."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from dlt_gong.errors import GongConfigError
from dlt_gong.options import ALL_CONTENT
from dlt_gong.sandbox import RunningSandbox
from dlt_gong.transcript_text import chunk_rows, text_rows, tokens, turn_rows
from e2e_helpers import Recorder, credentials, load, pipeline, rows, start_instant
from instants import NOW

DERIVED = ["call_transcript_turns", "call_transcript_text", "call_transcript_chunks"]

CALL = {
    "id": "7",
    "title": "Acme <> Us | Demo",
    "url": "https://x.app.gong.io/call?id=7",
    "started": "2026-06-15T10:00:00-07:00",
    "primaryUserId": "u1",
    "workspaceId": "w1",
    "duration": 3700,
    "parties": [
        {"speakerId": "s1", "name": "Ann Lee", "userId": "u1", "affiliation": "Internal"},
        {"speakerId": "s2", "name": "Bo Diaz", "userId": None, "affiliation": "External"},
        {"speakerId": None, "name": "Silent Sam", "affiliation": "External"},
    ],
}


def _sentence(speaker: str | None, topic: str | None, start: int, text: str) -> dict[str, Any]:
    return {"speakerId": speaker, "topic": topic, "start": start, "end": start + 900,
            "text": text}  # fmt: skip


TRANSCRIPT = {
    "callId": "7",
    "started": CALL["started"],
    "sentences": [
        _sentence("s1", None, 1000, "Hello there."),
        _sentence("s1", None, 2000, "Welcome."),
        _sentence("s2", "Pricing", 3_661_000, "What does it cost?"),
        _sentence("s9", "Pricing", 3_662_000, "Sorry, joining late."),
        _sentence("s1", "Pricing", 3_663_000, "It depends."),
        _sentence("s1", "Next steps", 3_664_000, "Let us meet again."),
        _sentence("s8", "Next steps", 3_665_000, "Bye."),
        _sentence("s9", "Next steps", 3_666_000, "Bye now."),
    ],
}


def test_turns_group_one_speakers_sentences_on_one_topic_and_name_them() -> None:
    found = turn_rows(CALL, TRANSCRIPT)
    assert [
        (
            r["turn_index"],
            r["speaker_name"],
            r["affiliation"],
            r["topic"],
            r["sentence_count"],
            r["text"],
        )
        for r in found
    ] == [
        (0, "Ann Lee", "Internal", None, 2, "Hello there. Welcome."),
        (1, "Bo Diaz", "External", "Pricing", 1, "What does it cost?"),
        (2, "Unknown speaker 1", "Unknown", "Pricing", 1, "Sorry, joining late."),
        (3, "Ann Lee", "Internal", "Pricing", 1, "It depends."),
        (4, "Ann Lee", "Internal", "Next steps", 1, "Let us meet again."),
        (5, "Unknown speaker 2", "Unknown", "Next steps", 1, "Bye."),
        (6, "Unknown speaker 1", "Unknown", "Next steps", 1, "Bye now."),
    ]
    assert found[0] | {"text": None} == {
        "call_id": "7", "turn_index": 0, "speaker_id": "s1", "user_id": "u1",
        "speaker_name": "Ann Lee", "affiliation": "Internal", "topic": None,
        "start_ms": 1000, "end_ms": 2900, "sentence_count": 2, "text": None,
    }  # fmt: skip
    assert found[2]["speaker_id"] == "s9" and found[2]["user_id"] is None


def test_the_text_is_lines_under_topic_headers_with_its_hash() -> None:
    (row,) = text_rows(CALL, TRANSCRIPT)
    text = (
        "[00:00:01] Ann Lee (Internal): Hello there. Welcome.\n"
        "Topic: Pricing\n"
        "[01:01:01] Bo Diaz (External): What does it cost?\n"
        "[01:01:02] Unknown speaker 1 (Unknown): Sorry, joining late.\n"
        "[01:01:03] Ann Lee (Internal): It depends.\n"
        "Topic: Next steps\n"
        "[01:01:04] Ann Lee (Internal): Let us meet again.\n"
        "[01:01:05] Unknown speaker 2 (Unknown): Bye.\n"
        "[01:01:06] Unknown speaker 1 (Unknown): Bye now."
    )
    assert row == {
        "call_id": "7", "started": CALL["started"], "title": CALL["title"], "url": CALL["url"],
        "primary_user_id": "u1", "workspace_id": "w1", "duration": 3700,
        "participants": "Ann Lee (Internal), Bo Diaz (External), Unknown speaker 1 (Unknown), "
                        "Unknown speaker 2 (Unknown)",
        "turn_count": 7, "word_count": 19,
        "text_sha256": hashlib.sha256(text.encode()).hexdigest(), "text": text,
    }  # fmt: skip


def test_no_sentences_no_rows() -> None:
    empty = {"callId": "7", "started": None, "sentences": []}
    assert turn_rows(CALL, empty) == text_rows(CALL, empty) == chunk_rows(CALL, empty, 512) == []


def test_chunks_pack_whole_turns_under_the_title_within_the_bound() -> None:
    # 64 tokens = 48 words: the title takes 5, each line "[..] Ann Lee (Internal):" 4 + text
    long = [_sentence("s1", None, 1000 * i, " ".join(["word"] * 15)) for i in range(6)]
    transcript = {"callId": "7", "started": None, "sentences": [
        _sentence("s2", None, 0, "Short question here?"), *long,
        _sentence("s2", None, 9000, "Thanks.")]}  # fmt: skip
    chunks = chunk_rows(CALL, transcript, 64)
    assert all(tokens(c["text"]) <= 64 for c in chunks)
    assert all(c["text"].startswith("Acme <> Us | Demo\n") for c in chunks)
    # the 90-word turn is cut between sentences: two sentences (30 words) per piece
    assert [(c["chunk_index"], c["speakers"], c["start_ms"], c["end_ms"]) for c in chunks] == [
        (0, "Bo Diaz, Ann Lee", 0, 1900),
        (1, "Ann Lee", 2000, 3900),
        (2, "Ann Lee, Bo Diaz", 4000, 9900),
    ]
    assert chunks[2]["text"].splitlines()[1:] == [
        "[00:00:04] Ann Lee (Internal): " + " ".join(["word"] * 30),
        "[00:00:09] Bo Diaz (External): Thanks.",
    ]
    said = [w for c in chunks for line in c["text"].splitlines()[1:] for w in _said(line)]
    assert said == ["Short", "question", "here?", *["word"] * 90, "Thanks."]


def _said(line: str) -> list[str]:
    return line.split(": ", 1)[1].split()


def test_a_sentence_longer_than_a_chunk_is_cut_between_words() -> None:
    transcript = {"callId": "7", "started": None,
                  "sentences": [_sentence("s1", None, 0, " ".join(["w"] * 100))]}  # fmt: skip
    chunks = chunk_rows(CALL, transcript, 64)
    assert [c["text"].count(" w") for c in chunks] == [39, 39, 22]
    assert all(tokens(c["text"]) <= 64 for c in chunks)


def test_chunk_tokens_too_small_is_a_config_error(sandbox: RunningSandbox) -> None:
    from dlt_gong import gong_source

    with pytest.raises(
        GongConfigError, match="chunk_tokens 10 is not a whole number of tokens from 64"
    ):
        gong_source(credentials=credentials(sandbox), base_url=sandbox.url, chunk_tokens=10)


# -- end to end ----------------------------------------------------------------------------


def _table(p: Any, name: str, order: str) -> list[tuple[Any, ...]]:
    columns = {
        "call_transcript_turns": "call_id, turn_index, speaker_id, user_id, speaker_name, "
        "affiliation, topic, start_ms, end_ms, sentence_count, text",
        "call_transcript_text": "call_id, title, participants, turn_count, word_count, "
        "text_sha256, text",
        "call_transcript_chunks": "call_id, chunk_index, start_ms, end_ms, speakers, text",
    }[name]
    return rows(p, f"select {columns} from {name} order by {order}")


def _snapshot(p: Any) -> dict[str, list[tuple[Any, ...]]]:
    return {
        "call_transcript_turns": _table(p, "call_transcript_turns", "call_id, turn_index"),
        "call_transcript_text": _table(p, "call_transcript_text", "call_id"),
        "call_transcript_chunks": _table(p, "call_transcript_chunks", "call_id, chunk_index"),
    }


def test_a_load_builds_turns_text_and_chunks_and_a_reread_call_replaces_its_rows(
    make_sandbox: Callable[..., RunningSandbox], tmp_path: Path
) -> None:
    """One load checked against the ground truth, then a second run after Gong transcribed
    one call again, with bigger chunks."""
    sb = make_sandbox(calls=24, days=3, private_call_rate=0.2)
    recorder = Recorder()
    sb.on_exchange.append(recorder)
    start = (NOW - timedelta(days=4)).date().isoformat()
    p = pipeline(tmp_path)
    load(p, sb, now=NOW, start_date=start, resources=DERIVED, chunk_tokens=96)
    # no request of their own: one page of calls, one of transcripts
    assert [e.endpoint for e in recorder.exchanges] == [
        "POST /v2/calls/extensive",
        "POST /v2/calls/transcript",
    ]
    since = start_instant(date.fromisoformat(start))
    calls = {c["metaData"]["id"]: c for c in sb.company.calls(since, content_selector=ALL_CONTENT)}
    public = [i for i, c in calls.items() if not c["metaData"]["isPrivate"]]
    private = set(calls) - set(public)
    assert private, "the company has a private call"
    truth = {t["callId"]: t["transcript"] for t in sb.company.transcripts(call_ids=public)}
    spoken = {i for i, t in truth.items() if t}
    got = _snapshot(p)
    assert {r[0] for r in got["call_transcript_text"]} == spoken
    assert {r[0] for r in got["call_transcript_turns"]} == spoken
    assert {r[0] for r in got["call_transcript_chunks"]} == spoken

    for call_id, monologues in truth.items():
        sentences = [(m["speakerId"], s["text"]) for m in monologues for s in m["sentences"]]
        turns = [r for r in got["call_transcript_turns"] if r[0] == call_id]
        assert [r[1] for r in turns] == list(range(len(turns)))
        assert sum(r[9] for r in turns) == len(sentences)
        assert " ".join(r[10] for r in turns) == " ".join(text for _, text in sentences)
        names = {p["speakerId"]: p["name"] for p in calls[call_id]["parties"] if p["speakerId"]}
        assert [r[4] for r in turns] == [names[r[2]] for r in turns]
        (text_row,) = [r for r in got["call_transcript_text"] if r[0] == call_id]
        assert text_row[1] == calls[call_id]["metaData"]["title"]
        for speaker in {s for s, _ in sentences}:
            assert f"] {names[speaker]} (" in text_row[6], (call_id, speaker)
        assert text_row[3] == len(turns)
        assert text_row[5] == hashlib.sha256(text_row[6].encode()).hexdigest()
        chunks = [r for r in got["call_transcript_chunks"] if r[0] == call_id]
        assert [r[1] for r in chunks] == list(range(len(chunks)))
        assert all(tokens(r[5]) <= 96 for r in chunks)
        assert all(r[5].startswith(text_row[1] + "\n") for r in chunks)
        said = [w for r in chunks for line in r[5].splitlines()[1:] for w in _said(line)]
        assert said == " ".join(text for _, text in sentences).split()

    before = got
    changed = before["call_transcript_text"][0][0]
    again = make_sandbox(calls=24, days=3, private_call_rate=0.2, retranscribed_calls=(changed,))
    load(p, again, now=NOW, start_date=start, resources=DERIVED, chunk_tokens=512,
         lookback_days=10)  # fmt: skip
    after = _snapshot(p)
    for name in ("call_transcript_turns", "call_transcript_text"):
        assert [r for r in after[name] if r[0] != changed] == [
            r for r in before[name] if r[0] != changed
        ], name
        new = [r for r in after[name] if r[0] == changed]
        assert new and new != [r for r in before[name] if r[0] == changed], name
    old_hash = [r[5] for r in before["call_transcript_text"] if r[0] == changed]
    assert [r[5] for r in after["call_transcript_text"] if r[0] == changed] != old_hash
    # every call re-chunked: no stale higher chunk index is left, of any call
    for call_id in spoken:
        old = [r[1] for r in before["call_transcript_chunks"] if r[0] == call_id]
        new = [r[1] for r in after["call_transcript_chunks"] if r[0] == call_id]
        assert new == list(range(len(new))) and len(new) <= len(old), call_id
        assert len(new) < len(old) or len(old) == 1, call_id
    assert len(after["call_transcript_chunks"]) < len(before["call_transcript_chunks"])
    assert all(tokens(r[5]) <= 512 for r in after["call_transcript_chunks"])
    counts = rows(p, "select count(*), count(distinct call_id) from call_transcript_text")
    assert counts == [(len(spoken),) * 2]
