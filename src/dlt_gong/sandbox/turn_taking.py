"""A call's transcript as people talk: pitches and customer stories, questions and the
pause before their answer, quick exchanges, one-word replies, silences and the odd
overlap, all drawn from one seeded RNG.

Conversation metrics (talk ratio, longest monologue, patience, interactivity) are only
tested by transcripts whose turns vary as real ones do: a transcript of evenly sized
turns that alternate would give every call the same numbers. Sentences last as long as
their words take at 130 to 180 words a minute, so words per minute is realistic too.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from dlt_gong.sandbox import vocabulary as vocab

MS_PER_WORD = (330.0, 460.0)
"""130 to 180 words a minute, the pace of conversational English."""
QUESTIONS_COMPANY = tuple(s for s in vocab.SENTENCES_COMPANY if s.endswith("?"))
STATEMENTS_COMPANY = tuple(s for s in vocab.SENTENCES_COMPANY if not s.endswith("?"))
QUESTIONS_CUSTOMER = tuple(s for s in vocab.SENTENCES_CUSTOMER if s.endswith("?"))
STATEMENTS_CUSTOMER = tuple(s for s in vocab.SENTENCES_CUSTOMER if not s.endswith("?"))


class Speaker(Protocol):
    @property
    def speaker_id(self) -> str | None: ...

    @property
    def internal(self) -> bool: ...


@dataclass
class Script:
    """The transcript being written: monologues (a speaker's consecutive sentences on one
    topic, as Gong groups them) and the clock, in ms from the call's start."""

    rng: random.Random
    end_ms: int
    topic_at: Callable[[float], str | None]
    patience_ms: float
    """The company's usual pause before answering the customer."""
    t: float = 0.0
    monologues: list[dict[str, Any]] = field(default_factory=list)
    last: Speaker | None = None
    pace: dict[str | None, float] = field(default_factory=dict)
    """Each speaker's ms per word: people talk at their own speed."""

    def room(self, need: float = 400.0) -> bool:
        return self.end_ms - self.t >= need

    def say(self, who: Speaker, text: str, squeeze: bool = False) -> bool:
        """One sentence from now; `squeeze`: shortened to fit a short call (greetings).
        False when the call has no room left for it."""
        rng = self.rng
        remaining = self.end_ms - self.t
        if remaining < 400:
            return False
        pace = self.pace.setdefault(who.speaker_id, rng.uniform(*MS_PER_WORD))
        length = len(text.split()) * pace * rng.uniform(0.9, 1.1) + rng.uniform(100.0, 400.0)
        if squeeze:
            length = min(length, max(300.0, remaining / 4))
        start, end = int(self.t), int(min(self.t + length, self.end_ms))
        if end <= start:
            return False
        sentence = {"start": start, "end": end, "text": text}
        topic = self.topic_at(start)
        last = self.monologues[-1] if self.monologues else None
        if last and last["speakerId"] == who.speaker_id and last["topic"] == topic:
            last["sentences"].append(sentence)
        else:
            self.monologues.append(
                {"speakerId": who.speaker_id, "topic": topic, "sentences": [sentence]}
            )
        self.t = end + rng.uniform(120.0, 650.0)  # a breath between one's own sentences
        self.last = who
        return True

    def hand_over(self, to: Speaker, pause: tuple[float, float] = (150.0, 1200.0)) -> None:
        """The floor passes to `to`: after a pause (the company's own when it answers the
        customer), a long silence now and then, or, now and then, before the last sentence
        has ended (an overlap)."""
        rng = self.rng
        if self.last is None or self.last is to:
            return
        if to.internal and not self.last.internal:
            pause = (0.4 * self.patience_ms, 1.6 * self.patience_ms)
        r = rng.random()
        ended = self.monologues[-1]["sentences"][-1]
        if r < 0.08 and ended["end"] - ended["start"] > 1200:
            self.t = ended["end"] - rng.uniform(200.0, 900.0)  # cuts in
        elif r < 0.2:
            self.t = ended["end"] + rng.uniform(2500.0, 9000.0)  # a silence
        else:
            self.t = ended["end"] + rng.uniform(*pause)


def _long(rng: random.Random, who: Speaker) -> str:
    return rng.choice(vocab.LONG_COMPANY if who.internal else vocab.LONG_CUSTOMER)


def _short(rng: random.Random, who: Speaker) -> str:
    return rng.choice(STATEMENTS_COMPANY if who.internal else STATEMENTS_CUSTOMER)


def _question(rng: random.Random, who: Speaker) -> str:
    return rng.choice(QUESTIONS_COMPANY if who.internal else QUESTIONS_CUSTOMER)


def _pick(rng: random.Random, side: Sequence[Speaker]) -> Speaker:
    """The side's first speaker (the host, the main contact) most of the time."""
    return side[0] if len(side) == 1 or rng.random() < 0.65 else rng.choice(side)


def write(
    rng: random.Random,
    parties: Sequence[Speaker],
    end_ms: int,
    talk_ratio: float,
    patience_ms: float,
    topic_at: Callable[[float], str | None],
) -> list[dict[str, Any]]:
    """The monologues of a call whose speaking parties are `parties` (every one of them
    says hello first), the company holding the floor about `talk_ratio` of the time and
    pausing about `patience_ms` before it answers the customer."""
    script = Script(rng, end_ms, topic_at, patience_ms, t=rng.uniform(300.0, 2500.0))
    for party in parties:
        script.hand_over(party, (150.0, 900.0))
        if not script.say(party, rng.choice(vocab.GREETINGS), squeeze=True):
            break
    internal = [p for p in parties if p.internal]
    external = [p for p in parties if not p.internal]
    while parties and script.room(1500):
        block = rng.random()
        if internal and external and block < 0.22:
            _question_and_answer(script, _pick(rng, internal), _pick(rng, external))
        elif internal and external and block < 0.32:
            _question_and_answer(script, _pick(rng, external), _pick(rng, internal))
        elif len(parties) > 1 and block < 0.42:
            first = _pick(rng, internal or external)
            others = [p for p in parties if p is not first]
            _exchange(script, first, _pick(rng, [p for p in others if not p.internal] or others))
        else:
            side = internal if internal and (not external or rng.random() < talk_ratio) \
                else external  # fmt: skip
            _monologue(script, _pick(rng, side))
    return script.monologues


def _monologue(script: Script, who: Speaker) -> None:
    """A pitch or a customer story: several long sentences, now and then a question."""
    rng = script.rng
    script.hand_over(who)
    for _ in range(rng.choice((1, 2, 2, 3, 3, 4, 5, 7, 10))):
        if not script.say(who, _long(rng, who)):
            return
    if rng.random() < 0.3:
        script.say(who, _question(rng, who))


def _question_and_answer(script: Script, asks: Speaker, answers: Speaker) -> None:
    """A question, a pause while the other side thinks, an answer of some length, and
    sometimes a short acknowledgement."""
    rng = script.rng
    script.hand_over(asks)
    if rng.random() < 0.4 and not script.say(asks, _short(rng, asks)):
        return
    if not script.say(asks, _question(rng, asks)):
        return
    script.hand_over(answers, (300.0, 2500.0))
    for n in range(rng.choice((1, 1, 2, 3, 4, 6))):
        if not script.say(answers, _long(rng, answers) if n or rng.random() < 0.5
                          else _short(rng, answers)):  # fmt: skip
            return
    if rng.random() < 0.5:
        script.hand_over(asks, (100.0, 600.0))
        script.say(asks, rng.choice(vocab.SHORT_REPLIES))


def _exchange(script: Script, one: Speaker, other: Speaker) -> None:
    """Quick back and forth: short sentences and one-word replies, little pause."""
    rng = script.rng
    for n in range(rng.randint(3, 6)):
        who = one if n % 2 == 0 else other
        script.hand_over(who, (80.0, 600.0))
        r = rng.random()
        text = (
            rng.choice(vocab.SHORT_REPLIES)
            if r < 0.4
            else _question(rng, who)
            if r < 0.5
            else _short(rng, who)
        )
        if not script.say(who, text):
            return
