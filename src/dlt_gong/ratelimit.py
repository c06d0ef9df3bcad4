"""Client-side pacing that keeps a whole load under Gong's per-second limit.

Gong allows 3 requests per second per company and answers the 4th inside any second with
429. A fixed 0.3 s sleep (3.33/s) is too fast, and a token bucket allows a burst of 3
right after a 4th, so we keep a sliding window instead: a request may go only when fewer
than `per_second` requests went in the last second plus a small margin for clock jitter.
One limiter is shared by every resource of a source, so their requests add up correctly.

A slot is dated when it is granted, but the request may leave later: the thread that holds
it can wait for the interpreter while another thread (dlt writing files, a prefetched page)
runs. If the third request back left late, the window would let this one go too soon, and
Gong would see 4 in a second. So the client re-dates the slot to when the request really
went out (`sent`), and the window counts from that.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class SlidingWindowLimiter:
    """At most `per_second` requests in any window of ``1 + margin`` seconds."""

    def __init__(
        self,
        per_second: int | None,
        *,
        margin_seconds: float = 0.05,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_second is not None and per_second < 1:
            raise ValueError("per_second must be a positive whole number, or None for no limit")
        self.per_second = per_second
        self.window = 1.0 + margin_seconds
        self._sent: list[list[float]] = []  # one [moment] per slot, re-datable
        self._lock = threading.Lock()
        self._clock = clock
        self._sleep = sleep

    def acquire(self) -> list[float] | None:
        """Blocks until a request may go; returns its slot (for `sent`), None without limit."""
        if self.per_second is None:
            return None
        with self._lock:
            while True:
                now = self._clock()
                self._sent = [s for s in self._sent if now - s[0] < self.window - 1e-6]
                if len(self._sent) < self.per_second:
                    slot = [now]
                    self._sent.append(slot)
                    return slot
                oldest = min(s[0] for s in self._sent)
                self._sleep(max(1e-3, self.window - (now - oldest)))

    def sent(self, slot: list[float] | None, at: float) -> None:
        """Re-dates ``slot`` to ``at`` (this limiter's clock), if the request left later."""
        if slot is None:
            return
        with self._lock:
            slot[0] = max(slot[0], at)
