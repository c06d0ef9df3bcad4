"""How a call was talked: per speaker and per call, from its transcript and its parties.

Gong computes talk ratio, monologues, patience and question rate for a call's host only
(`interaction.interactionStats`), and per user and period, never per call, in
`/v2/stats/interaction` (for users with Gong's analytics on). A transcript names every
sentence's speaker with its start and end, and the call's parties say who each speaker is
and on which side: enough to compute the same kind of numbers for every call and every
speaker, from rows a load already read (no request of their own).

* `call_speaker_stats`: one row per call and speaker (see `speaker_rows`).
* `call_interaction`: one row per call (see `interaction_rows`).

The definitions, and where they differ from Gong's metrics of similar names, are in
docs/analytics.md. In short: a *turn* is a run of consecutive sentences of one speaker
(in the transcript's order; unlike `call_transcript_turns`, a topic change does not end
it), spanning from its first sentence's start to its latest end; a speaker's *talk* is
the length of the union of their sentences' [start, end) intervals, so their own
overlapping sentences count once.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from dlt_gong.transcript_text import Speaker, Speakers

Row = dict[str, Any]

INTERNAL = "Internal"
EXTERNAL = "External"
MS_PER_MINUTE = 60_000


def merged(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """[start, end) intervals merged where they overlap or touch, in time order."""
    found: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if found and start <= found[-1][1]:
            if end > found[-1][1]:
                found[-1] = (found[-1][0], end)
        else:
            found.append((start, end))
    return found


def talk_ms(spans: Iterable[tuple[int, int]]) -> int:
    """The length of the union of [start, end) intervals: time covered at least once."""
    return sum(end - start for start, end in merged(spans))


def is_question(text: str) -> bool:
    """A sentence ending in "?"."""
    return text.rstrip().endswith("?")


@dataclass(frozen=True)
class _Turn:
    speaker: Speaker
    start: int
    end: int


@dataclass
class _Talker:
    """What one speaker said in one call."""

    speaker: Speaker
    spans: list[tuple[int, int]] = field(default_factory=list)
    turns: int = 0
    longest_turn: int = 0
    words: int = 0
    questions: int = 0
    talk: int = 0
    """The union of `spans`' lengths, set once every sentence is in."""


@dataclass(frozen=True)
class Conversation:
    """A call's transcript read as a conversation: its turns, per speaker (in the order
    they first speak) what they said, and when anyone was talking."""

    turns: tuple[_Turn, ...]
    talkers: tuple[_Talker, ...]
    spoken: tuple[tuple[int, int], ...]
    """The time anyone talks, as merged intervals."""

    @classmethod
    def of(cls, call: Mapping[str, Any] | None, transcript: Mapping[str, Any]) -> Conversation:
        """Every sentence is read once: a transcript has hundreds, a load many calls."""
        who = Speakers((call or {}).get("parties"))
        talkers: dict[Speaker, _Talker] = {}
        by_id: dict[Any, _Talker] = {}
        turns: list[_Turn] = []
        current: _Talker | None = None
        turn_start = turn_end = 0
        for sentence in transcript.get("sentences") or ():
            key = sentence.get("speakerId")
            talker = by_id.get(key)
            if talker is None:
                speaker = who[key]
                talker = by_id[key] = talkers.setdefault(speaker, _Talker(speaker))
            # a missing bound, or an end before the start, takes no time (the spec
            # requires neither bound)
            start = int(sentence.get("start") or 0)
            end = sentence.get("end")
            end = start if end is None or end < start else int(end)
            text = str(sentence.get("text") or "")
            talker.spans.append((start, end))
            talker.words += len(text.split())
            talker.questions += is_question(text)
            if talker is current:
                turn_end = max(turn_end, end)
                continue
            if current is not None:
                turns.append(_Turn(current.speaker, turn_start, turn_end))
            current, turn_start, turn_end = talker, start, end
        if current is not None:
            turns.append(_Turn(current.speaker, turn_start, turn_end))
        for talker in talkers.values():
            talker.talk = talk_ms(talker.spans)
        for turn in turns:
            talker = talkers[turn.speaker]
            talker.turns += 1
            talker.longest_turn = max(talker.longest_turn, turn.end - turn.start)
        spoken = merged(span for t in talkers.values() for span in t.spans)
        return cls(tuple(turns), tuple(talkers.values()), tuple(spoken))

    @property
    def talk(self) -> int:
        """Every speaker's talk, summed (two speakers at once count twice)."""
        return sum(t.talk for t in self.talkers)

    @property
    def anyone_talks(self) -> int:
        return sum(end - start for start, end in self.spoken)

    def talking_within(self, end_ms: int) -> int:
        """The time anyone talks between the call's start and `end_ms`."""
        return sum(max(0, min(end, end_ms) - max(start, 0)) for start, end in self.spoken)

    def side(self, affiliation: str) -> list[_Talker]:
        return [t for t in self.talkers if t.speaker.affiliation == affiliation]

    def longest_turn(self, affiliation: str) -> int | None:
        found = [t.end - t.start for t in self.turns if t.speaker.affiliation == affiliation]
        return max(found) if found else None

    def patience(self) -> float | None:
        """The median pause before an internal turn that follows an external one (an
        answer that starts before the external turn ends counts as no pause)."""
        gaps = [
            max(0, answer.start - asked.end)
            for asked, answer in pairwise(self.turns)
            if asked.speaker.affiliation == EXTERNAL and answer.speaker.affiliation == INTERNAL
        ]
        return float(statistics.median(gaps)) if gaps else None


class _Recent:
    """The conversations of the last calls read, by their transcript row: both tables
    are built from the same page of transcripts, one after the other, and reading a
    transcript twice cost as much as the rest of the two tables together."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self.found: dict[int, tuple[Mapping[str, Any], Mapping[str, Any] | None, Conversation]] = {}

    def __call__(
        self, call: Mapping[str, Any] | None, transcript: Mapping[str, Any]
    ) -> Conversation:
        got = self.found.get(id(transcript))
        if got is not None and got[0] is transcript and got[1] is call:
            return got[2]
        found = Conversation.of(call, transcript)
        if len(self.found) >= self.size:
            del self.found[next(iter(self.found))]
        self.found[id(transcript)] = (transcript, call, found)
        return found


conversation = _Recent()
"""`Conversation.of`, remembered for the last 256 transcripts (2.5 pages of calls)."""


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def speaker_rows(call: Mapping[str, Any] | None, transcript: Mapping[str, Any]) -> list[Row]:
    """`call_speaker_stats` rows of one call: one per speaker, in the order they first
    speak (`speaker_index`, the key: Gong's spec does not require a sentence's
    `speakerId`, and a key column may not be empty)."""
    talk = conversation(call, transcript)
    total = talk.talk
    found = []
    for index, talker in enumerate(talk.talkers):
        spoken = talker.talk
        found.append(
            {
                "call_id": transcript["callId"],
                "speaker_index": index,
                "speaker_id": talker.speaker.speaker_id,
                "user_id": talker.speaker.user_id,
                "speaker_name": talker.speaker.name,
                "affiliation": talker.speaker.affiliation,
                "talk_ms": spoken,
                "talk_share": _ratio(spoken, total),
                "turns": talker.turns,
                "longest_turn_ms": talker.longest_turn,
                "words": talker.words,
                "words_per_minute": _ratio(talker.words * MS_PER_MINUTE, spoken),
                "questions": talker.questions,
            }
        )
    return found


def _questions(talkers: Sequence[_Talker]) -> int:
    return sum(t.questions for t in talkers)


def interaction_rows(call: Mapping[str, Any] | None, transcript: Mapping[str, Any]) -> list[Row]:
    """The one `call_interaction` row of a call (an empty transcript too: its talk is 0
    and its silence the whole call)."""
    talk = conversation(call, transcript)
    call = call or {}
    internal, external = talk.side(INTERNAL), talk.side(EXTERNAL)
    total = talk.talk
    duration = call.get("duration")
    duration_ms = None if duration is None else round(float(duration) * 1000)
    silence = None if duration_ms is None else duration_ms - talk.talking_within(duration_ms)
    switches = max(0, len(talk.turns) - 1)
    return [
        {
            "call_id": transcript["callId"],
            "started": call.get("started") or transcript.get("started"),
            "primary_user_id": call.get("primaryUserId"),
            "workspace_id": call.get("workspaceId"),
            "duration_ms": duration_ms,
            "talk_ms_internal": sum(t.talk for t in internal),
            "talk_ms_external": sum(t.talk for t in external),
            "talk_ratio": _ratio(sum(t.talk for t in internal), total),
            "longest_monologue_ms": talk.longest_turn(INTERNAL),
            "longest_customer_story_ms": talk.longest_turn(EXTERNAL),
            "interactivity": _ratio(switches * MS_PER_MINUTE, talk.anyone_talks),
            "patience_ms": talk.patience(),
            "questions_internal": _questions(internal),
            "questions_external": _questions(external),
            "silence_ms": silence,
        }
    ]
