"""`call_transcript_sentences`: a transcript's sentences, one row each, built for a whole
page of transcripts at once as an Arrow table.

Sentences are most of what a company keeps in Gong: about 180 a call, 60% of every row a
load writes. Handed to dlt as rows, each was normalised one by one (a row key, its parent's
key, its list index), which took half the CPU of a whole run. An Arrow table is loaded as
it is (dlt writes it as Parquet and the destination reads that), so the sentences cost
what building their columns costs. The key is Gong's own: the call and the sentence's
place in its transcript, so the table joins `calls` on `call_id` and `calls__parties` on
`speaker_id`, and a re-read call's sentences replace its old ones (merge on `call_id`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

COLUMNS: dict[str, str] = {
    "call_id": "text",
    "sentence_index": "bigint",
    "speaker_id": "text",
    "topic": "text",
    "start": "bigint",
    "end": "bigint",
    "text": "text",
}
"""The table's columns, in dlt's data types (the catalogue's `Table.columns`)."""

KEY = ("call_id", "sentence_index")
"""The primary key (the catalogue's `Table.primary_key`): never empty."""


@functools.cache
def _schema() -> pa.Schema:
    """`COLUMNS` as Arrow's schema, made once."""
    import pyarrow as pa

    types = {"text": pa.string(), "bigint": pa.int64()}
    return pa.schema(
        [pa.field(name, types[kind], nullable=name not in KEY) for name, kind in COLUMNS.items()]
    )


def table(transcripts: Iterable[Mapping[str, Any]]) -> pa.Table:
    """The sentences of a page of `call_transcripts` rows (each with its `sentences` in
    speaking order, `rows.transcript_row`), column by column: no dict per sentence.
    pyarrow is imported here, by the run that loads sentences, not by every command."""
    import pyarrow as pa

    call_id: list[str] = []
    index: list[int] = []
    speaker: list[Any] = []
    topic: list[Any] = []
    start: list[Any] = []
    end: list[Any] = []
    text: list[Any] = []
    for transcript in transcripts:
        said = transcript.get("sentences") or ()
        call_id.extend([transcript["callId"]] * len(said))
        index.extend(range(len(said)))
        for sentence in said:
            speaker.append(sentence.get("speakerId"))
            topic.append(sentence.get("topic"))
            start.append(sentence.get("start"))
            end.append(sentence.get("end"))
            text.append(sentence.get("text"))
    schema = _schema()
    columns = (call_id, index, speaker, topic, start, end, text)
    return pa.Table.from_arrays(
        [pa.array(values, f.type) for values, f in zip(columns, schema, strict=True)], schema=schema
    )
