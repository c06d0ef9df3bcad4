"""Client-side pacing that keeps a whole load under Gong's per-second limit.

Gong allows 3 requests per second per company and answers the 4th inside any second with
429. A fixed 0.3 s sleep (3.33/s) is too fast, and a token bucket allows a burst of 3
right after a 4th, so we keep a sliding window instead: a request may go only when fewer
than `per_second` requests were counted by Gong in the last second (plus a small margin).
One limiter is shared by every resource of a source, so their requests add up correctly.

When Gong counts a request it does not say (guess: as it arrives, before the work). So
each request is dated at the latest moment Gong can have counted it, the earliest of:

* when its answer came back (Gong had counted it by then);
* `reached_within` after its last byte was written (`wire.forget`'s hook tells it the
  moment the write ends, while the answer is still on its way): the network and Gong's
  front end (guess: 0.1 s), which the sandbox's ``late_count`` fault stands for;
* `counted_within` after it was granted or left, until its write is timed (a request not
  yet written, a session without `wire.TimedAdapter`); a write timed later than that
  replaces it, since its bytes cannot have been counted before they left.

Several requests may be in flight at once (`GongClient.max_in_flight`): behind a far Gong
each answer takes most of a second, and one request at a time would run at one a second.
Dating each request at its write, not its answer, keeps the window as short as when Gong
answers at once; a request still in flight is dated at its write plus `reached_within`.

Dated when `requests` started its timer, with a 0.05 s margin (what this module did
first), requests met a 429 in two of three benchmark runs. Traced against the sandbox on
a paced run of 10,000 calls, the sandbox counted requests up to 173 ms after that timer
started (a thread waiting for the interpreter while dlt normalised in the main thread),
but never more than 49 ms after the write (median 2 ms): the wait is ours, before the
bytes leave, so `reached_within` is 0.1 s. Dated at the answer alone, our waits on the
way back lengthened every window (that benchmark's paced run of 10,000 calls: 1.26 times
its floor time).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

NOT_WRITTEN = float("-inf")
"""A slot's write time before its write is timed."""


class SlidingWindowLimiter:
    """At most `per_second` requests in any window of ``1 + margin`` seconds, each dated at
    the latest moment Gong can have counted it."""

    def __init__(
        self,
        per_second: int | None,
        *,
        reached_within: float = 0.1,
        counted_within: float = 0.25,
        margin_seconds: float = 0.01,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_second is not None and per_second < 1:
            raise ValueError("per_second must be a positive whole number, or None for no limit")
        self.per_second = per_second
        self.reached_within = reached_within
        self.counted_within = counted_within
        self.window = 1.0 + margin_seconds
        self._slots: list[list[float]] = []
        """Per request in the window: [when Gong counted it at the latest, when it left,
        when it was written (`NOT_WRITTEN` until `written`)]."""
        self._lock = threading.Lock()
        self._moved = threading.Condition(self._lock)
        """Notified when a slot is dated earlier (its write or answer): a thread waiting
        for the window recomputes its wait instead of sleeping out a stale one."""
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
                    slot = [now + self.counted_within, now, NOT_WRITTEN]
                    self._slots.append(slot)
                    return slot
                oldest = min(s[0] for s in self._slots)
                self._wait(max(1e-3, self.window - (now - oldest)))

    def _wait(self, seconds: float) -> None:
        """Waits with the lock released, so requests in flight can date their slots."""
        if self._sleep is time.sleep:
            self._moved.wait(seconds)
            return
        self._lock.release()  # an injected sleep (tests' clock): no notification needed
        try:
            self._sleep(seconds)
        finally:
            self._lock.acquire()

    def sent(self, slot: list[float] | None, at: float) -> None:
        """The request of ``slot`` left at ``at`` (this limiter's clock): later than granted
        when its thread waited, so Gong may count it later too.

        ``at`` is when `requests` started its timer, told after the answer: a request whose
        write was timed keeps the date its write gave it. The write can come well after the
        timer started (its thread waited for the interpreter in between): traced on a paced
        run of 10,000 calls at 0.8 s of latency, a request was written (and counted by the
        sandbox) 0.285 s after it was granted; dated again from its timer when its answer
        came, it left the window 0.98 s after that count, and the request let go then met
        a 429."""
        if slot is None:
            return
        with self._lock:
            if at > slot[1]:
                slot[1] = at
                if slot[2] == NOT_WRITTEN:
                    slot[0] = at + self.counted_within

    def written(self, slot: list[float] | None, at: float) -> None:
        """The request of ``slot`` was written at ``at``: Gong counts it within
        `reached_within` of that, so the window need not wait for its answer (with a far
        Gong, several requests are in flight and each answer takes most of a second).

        The write dates the slot even when it is later than `counted_within` after the
        request left: its thread waited for the interpreter in between (dlt normalising,
        a page pickled), and Gong can only count bytes that reached it."""
        if slot is None:
            return
        with self._lock:
            slot[2] = at
            slot[0] = max(at, slot[1]) + self.reached_within
            self._moved.notify_all()

    def answered(self, slot: list[float] | None, at: float, written: float | None = None) -> None:
        """The answer to ``slot`` came back at ``at``, its request written at ``written`` (if
        timed): Gong counted the request by the answer, and within `reached_within` of the
        write."""
        if slot is None:
            return
        with self._lock:
            latest = min(slot[0], max(at, slot[1]))
            if written is not None:
                latest = min(latest, max(written, slot[1]) + self.reached_within)
            slot[0] = latest
            self._moved.notify_all()
