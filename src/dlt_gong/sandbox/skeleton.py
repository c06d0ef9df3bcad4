"""The compact, eager part of the call history: who, when, how long, and what happened after.

100,000 calls must be servable without gigabytes, so every call is a row in a handful of
typed arrays (a few dozen bytes each); its heavy parts (parties' details, content,
transcript) are derived later from a per-call RNG. Everything that decides *which* call a
filter or a statistic returns lives here: start, duration, host, workspace, privacy,
internal participants, when Gong finishes processing it, and the timestamped activity that
follows (comments, scorecards, listens, shares, feedback) that the stats endpoints count.

Calls are ordered by start time, strictly increasing, so "by start time, then id" is just
index order and a time window is two bisections.
"""

from __future__ import annotations

import bisect
import math
import random
from array import array
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from dlt_gong.sandbox.roster import Roster
from dlt_gong.sandbox.timeutil import local_date, local_midnight

# call flags
PRIVATE = 1
VIDEO = 2  # a web conference (else a phone call)
INTERNAL = 4  # no external participants
LATE = 8  # processed hours after it ended

# activity event kinds
COMMENT = 1
SCORECARD_MANUAL = 2
SCORECARD_AUTOMATIC = 3
LISTEN = 4
SHARE_INTERNAL = 5
SHARE_EXTERNAL = 6
FEEDBACK_REQUESTED = 7
FEEDBACK_GIVEN = 8
MARKED_REVIEWED = 9

NO_USER = 0xFFFF
DURING_CALL = 1  # COMMENT aux bit: posted while the call was live
REPLY = 2  # COMMENT aux bit: a reply to the call's previous comment

_DAY = 86400.0


@dataclass(frozen=True)
class SkeletonParams:
    """What the skeleton needs from the config, resolved."""

    seed: int
    history_calls: int
    future_calls: int
    history_start: float
    anchor: float
    future_end: float
    tz: ZoneInfo
    private_rate: float
    processing_delay_seconds: float
    late_rate: float
    late_delay_seconds: float
    n_accounts: int
    scorecard_workspaces: frozenset[tuple[int, str]]  # (workspace, method) with scorecards


class CallSkeleton:
    """All calls as parallel arrays, in start order; see the module docstring."""

    def __init__(self, params: SkeletonParams, roster: Roster) -> None:
        self.params = params
        rng = random.Random(f"{params.seed}:skeleton")
        starts = _start_times(rng, params.history_start, params.anchor, params.history_calls,
                              params.tz)  # fmt: skip
        starts += _start_times(rng, params.anchor, params.future_end, params.future_calls,
                               params.tz)  # fmt: skip
        for i in range(1, len(starts)):  # strictly increasing: ties would blur the order
            if starts[i] <= starts[i - 1]:
                starts[i] = starts[i - 1] + 1
        self.n = n = len(starts)
        self.n_history = params.history_calls
        self.start = array("q", starts)
        self.duration = array("i", bytes(4 * n))
        self.host = array("H", bytes(2 * n))
        self.workspace = array("B", bytes(n))
        self.account = array("I", bytes(4 * n))
        self.flags = array("B", bytes(n))
        self.visible = array("q", bytes(8 * n))
        self.ext_count = array("B", bytes(n))
        self.part_off = array("I", [0])
        self.part_user = array("H")
        self.ev_off = array("I", [0])
        self.ev_time = array("q")
        self.ev_user = array("H")
        self.ev_kind = array("B")
        self.ev_aux = array("B")
        self._fill(rng, roster)
        self._event_order: list[int] | None = None
        self._event_order_times: list[int] | None = None

    def _fill(self, rng: random.Random, roster: Roster) -> None:
        p = self.params
        hosts, weights = roster.host_pool()
        people = roster.people
        if not hosts:
            hosts, weights = [0], [1.0]
        chosen_hosts = rng.choices(hosts, weights, k=self.n) if self.n else []
        colleagues = {h: roster.colleagues(h) for h in hosts}
        reviewer = {h: roster.reviewer(h) for h in hosts}
        manual = p.scorecard_workspaces
        rand, uniform, expo = rng.random, rng.uniform, rng.expovariate
        ev_time, ev_user, ev_kind, ev_aux = self.ev_time, self.ev_user, self.ev_kind, self.ev_aux
        part_user, part_off, ev_off = self.part_user, self.part_off, self.ev_off
        log_mean = math.log(1800.0)

        def event(kind: int, user: int, when: float, aux: int = 0) -> None:
            ev_time.append(int(when))
            ev_user.append(user)
            ev_kind.append(kind)
            ev_aux.append(aux)

        for i in range(self.n):
            start = self.start[i]
            host = chosen_hosts[i]
            person = people[host]
            ws = person.workspace
            video = rand() < (0.3 if person.role == "sdr" else 0.9)
            internal = video and rand() < 0.08
            if video:
                duration = int(min(5400.0, max(300.0, rng.lognormvariate(log_mean, 0.45))))
            else:
                duration = int(min(1800.0, max(20.0, expo(1 / 240.0))))
            flags = (VIDEO if video else 0) | (INTERNAL if internal else 0)
            if rand() < p.private_rate:
                flags |= PRIVATE
            if rand() < p.late_rate:
                flags |= LATE
                delay = p.late_delay_seconds * uniform(0.8, 1.2)
            else:
                delay = p.processing_delay_seconds * uniform(0.6, 1.6)
            visible = start + duration + int(delay)
            self.duration[i] = duration
            self.host[i] = host
            self.workspace[i] = ws
            self.flags[i] = flags
            self.visible[i] = visible
            self.account[i] = int(rand() * p.n_accounts) if p.n_accounts else 0

            pool = colleagues[host]
            if video and pool:
                k = 1 if internal else 0
                r = rand()
                k = max(k, 0 if r < 0.45 else 1 if r < 0.8 else 2 if r < 0.95 else 3)
                participants = rng.sample(pool, min(k, len(pool)))
            else:
                participants = []
            part_user.extend(participants)
            part_off.append(len(part_user))
            if internal:
                self.ext_count[i] = 0
            elif video:
                self.ext_count[i] = 1 + min(3, int(expo(1.0)))
            else:
                self.ext_count[i] = 1

            # what happens after the call: each at its own time, counted by the stats
            manager = reviewer[host]
            if rand() < 0.18 and pool:
                for c in range(1 + int(rand() * 3)):
                    commenter = rng.choice(pool) if rand() < 0.7 else host
                    if rand() < 0.25:
                        event(COMMENT, commenter, start + uniform(0, duration),
                              DURING_CALL | (REPLY if c else 0))  # fmt: skip
                    else:
                        event(COMMENT, commenter, visible + expo(1 / (1.5 * _DAY)) + 60,
                              REPLY if c else 0)  # fmt: skip
            if not internal and manager is not None and (ws, "MANUAL") in manual \
                    and rand() < 0.12:  # fmt: skip
                event(SCORECARD_MANUAL, manager, visible + 600 + expo(1 / (3 * _DAY)),
                      int(rand() * 255))  # fmt: skip
            if video and not internal and (ws, "AUTOMATIC") in manual and rand() < 0.35:
                event(SCORECARD_AUTOMATIC, NO_USER, visible + uniform(300, 3600),
                      int(rand() * 255))  # fmt: skip
            if rand() < 0.3:
                event(LISTEN, host, visible + expo(1 / _DAY) + 60)
            if pool and rand() < 0.25:
                event(LISTEN, rng.choice(pool), visible + expo(1 / (2 * _DAY)) + 60)
            if rand() < 0.08:
                event(SHARE_INTERNAL, host, visible + expo(1 / _DAY) + 60)
            if not internal and rand() < 0.04:
                event(SHARE_EXTERNAL, host, visible + expo(1 / _DAY) + 60)
            if manager is not None and rand() < 0.06:
                asked = visible + expo(1 / _DAY) + 60
                event(FEEDBACK_REQUESTED, host, asked)
                if rand() < 0.7:
                    event(FEEDBACK_GIVEN, manager, asked + expo(1 / _DAY) + 60)
            if manager is not None and rand() < 0.06:
                event(MARKED_REVIEWED, manager, visible + expo(1 / (2 * _DAY)) + 60)
            ev_off.append(len(ev_time))

    # -- queries ------------------------------------------------------------------------

    def window(self, start: float | None, end: float | None) -> range:
        """Indices of calls started in ``[start, end)`` (either bound optional)."""
        lo = 0 if start is None else bisect.bisect_left(self.start, math.ceil(start))
        hi = self.n if end is None else bisect.bisect_left(self.start, math.ceil(end))
        return range(lo, max(lo, hi))

    def participants(self, i: int) -> array[int]:
        """Internal participants of call ``i`` other than its host."""
        return self.part_user[self.part_off[i] : self.part_off[i + 1]]

    def events(self, i: int) -> range:
        """Indices of call ``i``'s activity events."""
        return range(self.ev_off[i], self.ev_off[i + 1])

    def event_call(self, e: int) -> int:
        """The call an event belongs to."""
        return bisect.bisect_right(self.ev_off, e) - 1

    def events_between(self, start: float, end: float) -> list[int]:
        """Event indices with ``start <= time < end``, in time order (then index)."""
        if self._event_order is None:
            order = sorted(range(len(self.ev_time)), key=self.ev_time.__getitem__)
            self._event_order_times = [self.ev_time[e] for e in order]
            self._event_order = order
        times = self._event_order_times
        assert times is not None
        lo = bisect.bisect_left(times, math.ceil(start))
        hi = bisect.bisect_left(times, math.ceil(end))
        return self._event_order[lo:hi]

    def memory_bytes(self) -> int:
        """Approximate size of the arrays (for the scale check)."""
        arrays = (self.start, self.duration, self.host, self.workspace, self.account,
                  self.flags, self.visible, self.ext_count, self.part_off, self.part_user,
                  self.ev_off, self.ev_time, self.ev_user, self.ev_kind, self.ev_aux)  # fmt: skip
        return sum(a.itemsize * len(a) for a in arrays)


def _start_times(rng: random.Random, start: float, end: float, count: int,
                 tz: ZoneInfo) -> list[int]:  # fmt: skip
    """``count`` sorted call start times in ``[start, end)``, mostly weekday business hours."""
    if count <= 0 or end <= start:
        return []
    first = local_date(start, tz)
    days: list[float] = []
    weights: list[float] = []
    day = first
    while True:
        midnight = local_midnight(day, tz).timestamp()
        if midnight >= end:
            break
        days.append(midnight)
        weights.append(1.0 if day.weekday() < 5 else 0.08)
        day += timedelta(days=1)
    out: list[int] = []
    lo, hi = math.ceil(start), math.ceil(end)
    while len(out) < count:
        picks = rng.choices(days, weights, k=count - len(out))
        for midnight in picks:
            ts = int(midnight + rng.uniform(7.5, 18.5) * 3600.0)
            if lo <= ts < hi:
                out.append(ts)
    out.sort()
    return out
