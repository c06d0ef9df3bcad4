"""Answered scorecards: the skeleton's scorecard events, as Gong's AnsweredScorecard items.

A manual review is written by the host's manager days after the call; an automatic one by
Gong's AI minutes after processing. Both appear once their ``reviewTime`` has passed on the
sandbox clock, and both count in the reviewed user's ``callsScorecardsReceived``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from dlt_gong.sandbox import vocabulary as vocab
from dlt_gong.sandbox.catalog import Catalog, Scorecard
from dlt_gong.sandbox.ids import IdCodec
from dlt_gong.sandbox.roster import Roster
from dlt_gong.sandbox.skeleton import (
    NO_USER,
    SCORECARD_AUTOMATIC,
    SCORECARD_MANUAL,
    CallSkeleton,
)
from dlt_gong.sandbox.timeutil import iso

REVIEW_METHODS = ("AUTOMATIC", "MANUAL", "BOTH")
_VISIBILITY = ("PUBLIC", "PUBLIC", "PUBLIC", "MANAGERS_AND_REVIEWEE", "MANAGERS", "PRIVATE")


@dataclass(frozen=True)
class ReviewFilter:
    """The answered-scorecards filter, resolved to epoch bounds and index sets."""

    call_start: float | None = None
    call_end: float | None = None
    review_start: float | None = None
    review_end: float | None = None
    methods: frozenset[int] = frozenset({SCORECARD_MANUAL})
    reviewed_users: frozenset[int] | None = None
    scorecards: frozenset[str] | None = None


class Reviews:
    """Finds and renders answered scorecards."""

    def __init__(self, seed: int, tz: ZoneInfo, skeleton: CallSkeleton, roster: Roster,
                 catalog: Catalog, ids: IdCodec) -> None:  # fmt: skip
        self.seed = seed
        self.tz = tz
        self.sk = skeleton
        self.roster = roster
        self.catalog = catalog
        self.ids = ids

    def scorecard_of(self, e: int) -> Scorecard:
        """Which scorecard an event filled."""
        sk = self.sk
        c = sk.event_call(e)
        method = "MANUAL" if sk.ev_kind[e] == SCORECARD_MANUAL else "AUTOMATIC"
        cards = self.catalog.scorecards_for[(sk.workspace[c], method)]
        return cards[sk.ev_aux[e] % len(cards)]

    def find(self, flt: ReviewFilter, as_of: float) -> list[int]:
        """Scorecard events matching ``flt`` reviewed by ``as_of``, by review time."""
        sk = self.sk
        lo = flt.review_start if flt.review_start is not None else 0.0
        hi = as_of + 1 if flt.review_end is None else min(flt.review_end, as_of + 1)
        out = []
        for e in sk.events_between(lo, hi):
            if sk.ev_kind[e] not in flt.methods or sk.ev_time[e] > as_of:
                continue
            c = sk.event_call(e)
            start = sk.start[c]
            if sk.visible[c] > as_of:
                continue
            if flt.call_start is not None and start < flt.call_start:
                continue
            if flt.call_end is not None and start >= flt.call_end:
                continue
            if flt.reviewed_users is not None and sk.host[c] not in flt.reviewed_users:
                continue
            if flt.scorecards is not None and self.scorecard_of(e).id not in flt.scorecards:
                continue
            out.append(e)
        return out

    def item(self, e: int) -> dict[str, Any]:
        """One ``AnsweredScorecard`` (ids as strings, like every id Gong sends)."""
        sk = self.sk
        c = sk.event_call(e)
        card = self.scorecard_of(e)
        rng = random.Random(f"{self.seed}:answered:{e}")
        manual = sk.ev_kind[e] == SCORECARD_MANUAL
        reviewer = sk.ev_user[e]
        editor = None
        if manual and rng.random() < 0.1:
            editor = self.roster.people[rng.randrange(len(self.roster.people))].id
        answers = []
        for q in card.questions:
            not_applicable = not q.is_overall and rng.random() < 0.05
            answers.append(
                {
                    "questionId": q.id,
                    "questionRevisionId": q.revision_id,
                    "isOverall": q.is_overall,
                    "score": None if not_applicable else rng.randint(1, 5),
                    "answerText": rng.choice(vocab.ANSWER_TEXTS) if q.is_overall else None,
                    "notApplicable": not_applicable,
                    "selectedOptions": None,
                }
            )
        return {
            "answeredScorecardId": self.ids.encode("answered-scorecard", e),
            "scorecardId": card.id,
            "scorecardName": card.name,
            "callId": self.ids.encode("call", c),
            "callStartTime": iso(sk.start[c], self.tz),
            "reviewedUserId": self.roster.people[sk.host[c]].id,
            "reviewerUserId": self.roster.people[reviewer].id if reviewer != NO_USER else None,
            "reviewMethod": "MANUAL" if manual else "AUTOMATIC",
            "editorUserId": editor,
            "reviewTime": iso(sk.ev_time[e], self.tz),
            "visibilityType": rng.choice(_VISIBILITY),
            "answers": answers,
        }


def methods_for(review_method: str) -> frozenset[int]:
    """Event kinds for a ``reviewMethod`` value."""
    if review_method == "MANUAL":
        return frozenset({SCORECARD_MANUAL})
    if review_method == "AUTOMATIC":
        return frozenset({SCORECARD_AUTOMATIC})
    return frozenset({SCORECARD_MANUAL, SCORECARD_AUTOMATIC})
