"""Client-side pacing that keeps a whole load under Gong's per-second limit.

Gong allows 3 requests per second per company and answers the 4th inside any second with
429. A fixed 0.3 s sleep (3.33/s) is too fast, and a token bucket allows a burst of 3
right after a 4th, so we keep a sliding window instead: a request may go only when fewer
than `per_second` requests were counted by Gong in the last second (plus a small margin).
One limiter is shared by every resource of a source, so their requests add up correctly.

When Gong counts a request is the question. It counts it somewhere between the moment
the request left and the moment its answer came back; where exactly it does not say
(guess: on arrival, before the work). Dating a request when it left (what this module
did first) is right only if it arrives at once: measured against the sandbox under load,
requests reached the limiter up to 90 ms after they left (a busy server, and our own
threads holding the interpreter between `requests` starting its timer and the bytes
leaving), and 1 run in 2 met a 429. So each request is dated at the latest moment Gong
can have counted it: when its answer came back, but no later than `counted_within` after
it left, because a slow answer (a page of 100 calls takes Gong seconds) is slow in the
work, after the count, and waiting out its whole latency would halve the rate. A request
still in flight is dated `counted_within` after it was granted. The cost against dating
at the send: the window is longer by the average latency of fast requests (milliseconds)
and by at most `counted_within` for slow ones; every late arrival within that bound is
absorbed (the sandbox's ``late_count`` fault serves them).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class SlidingWindowLimiter:
    """At most `per_second` requests in any window of ``1 + margin`` seconds, each dated at
    the latest moment Gong can have counted it."""

    def __init__(
        self,
        per_second: int | None,
        *,
        counted_within: float = 0.25,
        margin_seconds: float = 0.01,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_second is not None and per_second < 1:
            raise ValueError("per_second must be a positive whole number, or None for no limit")
        self.per_second = per_second
        self.counted_within = counted_within
        self.window = 1.0 + margin_seconds
        self._slots: list[list[float]] = []  # [when Gong counted it at the latest, when it left]
        self._lock = threading.Lock()
        self._clock = clock
        self._sleep = sleep

    def acquire(self) -> list[float] | None:
        """Blocks until a request may go; returns its slot (for `sent` and `answered`), None
        without limit."""
        if self.per_second is None:
            return None
        with self._lock:
            while True:
                now = self._clock()
                self._slots = [s for s in self._slots if now - s[0] < self.window - 1e-6]
                if len(self._slots) < self.per_second:
                    slot = [now + self.counted_within, now]
                    self._slots.append(slot)
                    return slot
                oldest = min(s[0] for s in self._slots)
                self._sleep(max(1e-3, self.window - (now - oldest)))

    def sent(self, slot: list[float] | None, at: float) -> None:
        """The request of ``slot`` left at ``at`` (this limiter's clock): later than granted
        when its thread waited, so Gong may count it later too."""
        if slot is None:
            return
        with self._lock:
            if at > slot[1]:
                slot[0], slot[1] = at + self.counted_within, at

    def answered(self, slot: list[float] | None, at: float) -> None:
        """The answer to ``slot`` came back at ``at``: Gong counted the request by then."""
        if slot is None:
            return
        with self._lock:
            slot[0] = min(slot[0], max(at, slot[1]))
