"""`call_transcript_sentences`: a page of transcripts as one Arrow table, keyed by Gong's
call id and each sentence's place in its transcript."""

from __future__ import annotations

import subprocess
import sys

from dlt_gong import rows, sentences


def _transcript(call_id: str, *monologues: tuple[str | None, str | None, list[dict]]) -> dict:
    item = {
        "callId": call_id,
        "transcript": [
            {"speakerId": speaker, "topic": topic, "sentences": said}
            for speaker, topic, said in monologues
        ],
    }
    return rows.transcript_row(item, None)


def test_a_page_of_transcripts_is_one_row_per_sentence_in_speaking_order() -> None:
    page = [
        _transcript(
            "7",
            ("s1", "Intro", [{"start": 0, "end": 900, "text": "Hi."},
                             {"start": 900, "end": 2000, "text": "Shall we?"}]),
            ("s2", None, [{"start": 2100, "text": "Yes."}]),
        ),
        _transcript("8"),  # transcribed, nothing said: no rows
        _transcript("9", (None, "Pricing", [{"start": 5, "end": 6, "text": None}])),
    ]  # fmt: skip
    table = sentences.table(page)
    assert table.column_names == list(sentences.COLUMNS)
    assert table.to_pylist() == [
        {"call_id": "7", "sentence_index": 0, "speaker_id": "s1", "topic": "Intro",
         "start": 0, "end": 900, "text": "Hi."},
        {"call_id": "7", "sentence_index": 1, "speaker_id": "s1", "topic": "Intro",
         "start": 900, "end": 2000, "text": "Shall we?"},
        {"call_id": "7", "sentence_index": 2, "speaker_id": "s2", "topic": None,
         "start": 2100, "end": None, "text": "Yes."},
        {"call_id": "9", "sentence_index": 0, "speaker_id": None, "topic": "Pricing",
         "start": 5, "end": 6, "text": None},
    ]  # fmt: skip


def test_a_page_without_sentences_is_an_empty_table_of_the_same_columns() -> None:
    table = sentences.table([_transcript("8")])
    assert table.num_rows == 0 and table.column_names == list(sentences.COLUMNS)
    assert sentences.table([]).num_rows == 0


def test_pyarrow_is_imported_by_the_source_that_loads_sentences_not_by_the_package() -> None:
    """Imported while the source is built, in the caller's thread: first imported by a
    run's feed thread while dlt imported it in another, a thread got the module
    half-initialised. `import dlt_gong` (every command) does not pay for it."""
    script = (
        "import sys\n"
        "import dlt_gong\n"
        "from dlt_gong import GongApiKeyCredentials, gong_source\n"
        "keys = GongApiKeyCredentials(access_key='k', access_key_secret='s')\n"
        "print('pyarrow' in sys.modules)\n"
        "gong_source(credentials=keys, resources=['users'], requests_per_second=None)\n"
        "print('pyarrow' in sys.modules)\n"
        "gong_source(credentials=keys, requests_per_second=None)\n"
        "print('pyarrow' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False", "True"]
