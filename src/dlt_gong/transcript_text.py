"""A call's transcript read as people read it: turns with names, the whole call as text,
and chunks for vector stores.

Gong's transcript names speakers by `speakerId` only; the call's `parties` say who each
speaker is (a party's `speakerId`, spec `Party`). These rows are built from a call and its
transcript that a load has already read, so they cost no request:

* `call_transcript_turns`: one row per turn, a run of consecutive sentences of one speaker
  on one topic (a topic change starts a new turn, so each turn has one topic).
* `call_transcript_text`: one row per call, the transcript as `[hh:mm:ss] Name
  (Affiliation): words` lines under `Topic:` headers, ready for a prompt or a full-text
  index, and its SHA-256, which says which calls changed since the last load.
* `call_transcript_chunks`: whole turns packed into chunks of at most `chunk_tokens`
  tokens, each headed by the call's title, never crossing calls. A turn longer than the
  bound is cut between sentences (a sentence longer than it, between words).

Tokens are counted by words, not by a model's tokenizer: a tokenizer that runs offline
and fits every embedding model does not exist (tiktoken downloads its vocabularies at run
time), and the rule of thumb for English text, 100 tokens for 75 words, bounds a chunk
closely enough for embedding models' input limits. `tokens(text)` is that count.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Row = dict[str, Any]

WORDS_PER_100_TOKENS = 75
"""English text runs about 75 words per 100 tokens (OpenAI's rule of thumb)."""
UNKNOWN = "Unknown"


def tokens_for_words(words: int) -> int:
    """The approximate token count of `words` words of English."""
    return math.ceil(words * 100 / WORDS_PER_100_TOKENS)


def tokens(text: str) -> int:
    """The approximate token count of a text (see the module's docstring)."""
    return tokens_for_words(len(text.split()))


@dataclass(frozen=True)
class Speaker:
    speaker_id: str | None
    user_id: str | None
    name: str
    affiliation: str


@dataclass(frozen=True)
class Turn:
    speaker: Speaker
    topic: str | None
    sentences: tuple[Mapping[str, Any], ...]
    text: str
    """The turn's sentences, whitespace made single; computed once, as the turn is made
    (a lazily cached property costs a lock per read on Python 3.11)."""
    words: int
    """The words of `text`, counted as it is made (splitting the text again to count them
    was a fifth of `text_rows`' samples in a sampled profile of a load)."""

    @property
    def start_ms(self) -> int | None:
        return self.sentences[0].get("start")

    @property
    def end_ms(self) -> int | None:
        return self.sentences[-1].get("end")


def _words(sentence: Mapping[str, Any]) -> str:
    return " ".join(str(sentence.get("text") or "").split())


def clock(ms: int | None) -> str:
    """`hh:mm:ss` from the call's start."""
    seconds = (ms or 0) // 1000
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def line(speaker: Speaker, start_ms: int | None, text: str) -> str:
    return f"[{clock(start_ms)}] {speaker.name} ({speaker.affiliation}): {text}"


class Speakers:
    """Speaker id -> who: the call's party with that `speakerId`, else "Unknown speaker N",
    numbered in the order such speakers first speak."""

    def __init__(self, parties: Sequence[Mapping[str, Any]] | None) -> None:
        self._known: dict[str, Speaker] = {}
        for party in parties or ():
            speaker_id = party.get("speakerId")
            if speaker_id is None or str(speaker_id) in self._known:
                continue
            name = party.get("name") or party.get("emailAddress") or party.get("phoneNumber")
            if name:
                self._known[str(speaker_id)] = Speaker(
                    str(speaker_id),
                    party.get("userId"),
                    str(name),
                    party.get("affiliation") or UNKNOWN,
                )
        self._unknown: dict[str | None, Speaker] = {}

    def __getitem__(self, speaker_id: str | None) -> Speaker:
        key = None if speaker_id is None else str(speaker_id)
        if key is not None and key in self._known:
            return self._known[key]
        if key not in self._unknown:
            number = len(self._unknown) + 1
            self._unknown[key] = Speaker(key, None, f"Unknown speaker {number}", UNKNOWN)
        return self._unknown[key]


def turns(call: Mapping[str, Any] | None, transcript: Mapping[str, Any]) -> list[Turn]:
    """The transcript's sentences (a `call_transcripts` row) grouped into turns."""
    who = Speakers((call or {}).get("parties"))
    runs: list[tuple[Speaker, str | None, list[Mapping[str, Any]]]] = []
    for sentence in transcript.get("sentences") or ():
        speaker = who[sentence.get("speakerId")]
        topic = sentence.get("topic")
        if runs and runs[-1][0] is speaker and runs[-1][1] == topic:
            runs[-1][2].append(sentence)
        else:
            runs.append((speaker, topic, [sentence]))
    return [_turn(speaker, topic, said) for speaker, topic, said in runs]


def _turn(speaker: Speaker, topic: str | None, said: list[Mapping[str, Any]]) -> Turn:
    """The turn's text and word count from one split of its sentences joined: the same
    words, single-spaced, as each sentence's own (`_words`) joined, without a split per
    sentence and another to count them."""
    words = " ".join([str(s.get("text") or "") for s in said]).split()
    return Turn(speaker, topic, tuple(said), " ".join(words), len(words))


def turn_rows(call: Mapping[str, Any] | None, transcript: Mapping[str, Any]) -> list[Row]:
    """`call_transcript_turns` rows of one call."""
    call_id = transcript["callId"]
    return [
        {
            "call_id": call_id,
            "turn_index": index,
            "speaker_id": turn.speaker.speaker_id,
            "user_id": turn.speaker.user_id,
            "speaker_name": turn.speaker.name,
            "affiliation": turn.speaker.affiliation,
            "topic": turn.topic,
            "start_ms": turn.start_ms,
            "end_ms": turn.end_ms,
            "sentence_count": len(turn.sentences),
            "text": turn.text,
        }
        for index, turn in enumerate(turns(call, transcript))
    ]


def as_text(found: Sequence[Turn]) -> str:
    """The turns as lines, a `Topic:` header wherever the topic changes to a named one."""
    out: list[str] = []
    topic: str | None = None
    for turn in found:
        if turn.topic != topic and turn.topic:
            out.append(f"Topic: {turn.topic}")
        topic = turn.topic
        out.append(line(turn.speaker, turn.start_ms, turn.text))
    return "\n".join(out)


def _names(found: Sequence[Turn]) -> str:
    speakers = dict.fromkeys(t.speaker for t in found)
    return ", ".join(f"{s.name} ({s.affiliation})" for s in speakers)


def text_rows(call: Mapping[str, Any] | None, transcript: Mapping[str, Any]) -> list[Row]:
    """The one `call_transcript_text` row of a call (none when nobody spoke)."""
    found = turns(call, transcript)
    if not found:
        return []
    call = call or {}
    text = as_text(found)
    return [
        {
            "call_id": transcript["callId"],
            "started": call.get("started") or transcript.get("started"),
            "title": call.get("title"),
            "url": call.get("url"),
            "primary_user_id": call.get("primaryUserId"),
            "workspace_id": call.get("workspaceId"),
            "duration": call.get("duration"),
            "participants": _names(found),
            "turn_count": len(found),
            "word_count": sum(t.words for t in found),
            "text_sha256": hashlib.sha256(text.encode()).hexdigest(),
            "text": text,
        }
    ]


@dataclass(frozen=True)
class _Piece:
    """A turn, or the part of one that fits a chunk: its speaker, sentences and line."""

    speaker: Speaker
    start_ms: int | None
    end_ms: int | None
    text: str

    @property
    def line(self) -> str:
        return line(self.speaker, self.start_ms, self.text)

    @property
    def words(self) -> int:
        return len(self.line.split())


def _pieces(turn: Turn, room: int) -> Iterator[_Piece]:
    """The turn whole when its line has at most `room` words, else cut between sentences,
    and a sentence too long alone between words."""
    whole = _Piece(turn.speaker, turn.start_ms, turn.end_ms, turn.text)
    if whole.words <= room:
        yield whole
        return
    prefix = len(line(turn.speaker, 0, "").split())
    budget = max(1, room - prefix)
    current: list[str] = []
    start = end = None
    for sentence in turn.sentences:
        words = _words(sentence).split()
        while words:
            if current and len(current) + len(words) > budget:
                yield _Piece(turn.speaker, start, end, " ".join(current))
                current = []
            if not current:
                start = sentence.get("start")
            take = words[: budget - len(current)]
            current.extend(take)
            words = words[len(take) :]
            end = sentence.get("end")
            if words:
                yield _Piece(turn.speaker, start, end, " ".join(current))
                current = []
    if current:
        yield _Piece(turn.speaker, start, end, " ".join(current))


def chunk_rows(
    call: Mapping[str, Any] | None, transcript: Mapping[str, Any], chunk_tokens: int
) -> list[Row]:
    """`call_transcript_chunks` rows of one call: at most `chunk_tokens` tokens each."""
    found = turns(call, transcript)
    if not found:
        return []
    header = str((call or {}).get("title") or f"Call {transcript['callId']}")
    words_allowed = chunk_tokens * WORDS_PER_100_TOKENS // 100
    room = words_allowed - len(header.split())
    if room < 1:
        raise ValueError(f"chunk_tokens {chunk_tokens} leaves no room beside the call's title")
    chunks: list[list[_Piece]] = [[]]
    used = 0
    for turn in found:
        for piece in _pieces(turn, room):
            if chunks[-1] and used + piece.words > room:
                chunks.append([])
                used = 0
            chunks[-1].append(piece)
            used += piece.words
    return [
        {
            "call_id": transcript["callId"],
            "chunk_index": index,
            "start_ms": chunk[0].start_ms,
            "end_ms": chunk[-1].end_ms,
            "speakers": ", ".join(dict.fromkeys(p.speaker.name for p in chunk)),
            "text": "\n".join([header, *(p.line for p in chunk)]),
        }
        for index, chunk in enumerate(chunks)
    ]
