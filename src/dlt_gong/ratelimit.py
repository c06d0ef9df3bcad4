"""Client-side pacing that keeps a whole load under Gong's per-second limit.

Gong allows 3 requests per second per company and answers the 4th inside any second with
429. A fixed 0.3 s sleep (3.33/s) is too fast, and a token bucket allows a burst of 3
right after a 4th, so we keep a sliding window instead: a request may go only when fewer
than `per_second` requests went in the last second plus a small margin for clock jitter.
One limiter is shared by every resource of a source, so their requests add up correctly.
"""

from __future__ import annotations

import threading
import time
from collections import deque
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
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()
        self._clock = clock
        self._sleep = sleep

    def acquire(self) -> float:
        """Blocks until a request may go; returns the seconds it waited."""
        if self.per_second is None:
            return 0.0
        waited = 0.0
        with self._lock:
            while True:
                now = self._clock()
                while self._sent and now - self._sent[0] >= self.window - 1e-6:
                    self._sent.popleft()
                if len(self._sent) < self.per_second:
                    self._sent.append(now)
                    return waited
                pause = max(1e-3, self.window - (now - self._sent[0]))
                self._sleep(pause)
                waited += pause
