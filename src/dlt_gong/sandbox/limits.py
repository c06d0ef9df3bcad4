"""Gong's rate limits: 3 requests in any second and 10,000 per day, per company.

The daily quota is counted on the sandbox clock (so tests can jump to tomorrow); the
per-second window on real monotonic time, because it is about how fast a client really
sends, and a frozen or jumped sandbox clock must not turn it into a wall. Both count
for all credentials of the company together, and
only for requests that pass authentication (rejected requests do not consume quota).
The answer to an over-limit request is 429 with ``Retry-After`` in whole seconds: the time
until a slot in the 1-second window frees up, or until the next UTC midnight once the
day's quota is spent (Gong documents neither precisely; UTC days are our assumption).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from dlt_gong.sandbox.clock import SandboxClock


@dataclass(frozen=True)
class Rejection:
    """Why a request was refused and how long to wait."""

    reason: str  # "per_second" or "daily_quota"
    retry_after: int  # whole seconds, >= 1


class RateLimiter:
    """A sliding 1-second window plus a per-UTC-day counter; None disables either."""

    def __init__(
        self,
        clock: SandboxClock,
        per_second: int | None,
        daily_quota: int | None,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self.clock = clock
        self.monotonic = monotonic
        self.per_second = per_second
        self.daily_quota = daily_quota
        self._lock = threading.Lock()
        self._recent: deque[float] = deque()
        self._day: date | None = None
        self._used = 0

    def _roll_day(self, now: float) -> date:
        today = datetime.fromtimestamp(now, timezone.utc).date()
        if today != self._day:
            self._day, self._used = today, 0
        return today

    def acquire(self, arrived: float | None = None) -> Rejection | None:
        """Count one request, or say why it may not run (then nothing is counted).

        ``arrived`` is when the request reached the front end (``monotonic``); the
        per-second window counts it then, not when a worker thread got round to it: on a
        loaded machine that hop took over 0.1 s, and a Gong that counted a request that late
        would be one no client can keep to."""
        with self._lock:
            now = self.clock.timestamp()
            today = self._roll_day(now)
            if self.daily_quota is not None and self._used >= self.daily_quota:
                midnight = datetime.combine(today + timedelta(days=1), datetime.min.time(),
                                            timezone.utc).timestamp()  # fmt: skip
                return Rejection("daily_quota", max(1, math.ceil(midnight - now)))
            if self.per_second is not None:
                at = self.monotonic() if arrived is None else arrived
                rejection = self._count(at)
                if rejection is not None:
                    return rejection
            self._used += 1
            return None

    def _count(self, at: float) -> Rejection | None:
        """Counts ``at`` in the per-second window unless some 1-second window holding it
        would then hold more than ``per_second``. Requests may be counted out of the order
        they arrived in (each is dated at its own arrival), so the window is kept sorted."""
        assert self.per_second is not None
        recent = self._recent
        while recent and recent[0] <= at - 2.0:
            recent.popleft()  # too old to share a second with any request still to come
        times = sorted([*recent, at])
        n, i = self.per_second, times.index(at)
        for lo in range(max(0, i - n), min(i, len(times) - n - 1) + 1):
            if times[lo + n] - times[lo] < 1.0:
                return Rejection("per_second", max(1, math.ceil(times[lo] + 1.0 - at)))
        self._recent = deque(times)
        return None

    def used_today(self) -> int:
        """Requests counted against today's quota (UTC, sandbox clock)."""
        with self._lock:
            self._roll_day(self.clock.timestamp())
            return self._used

    def set_used_today(self, used: int) -> None:
        """Pretend ``used`` requests were already made today (to test quota exhaustion)."""
        with self._lock:
            self._roll_day(self.clock.timestamp())
            self._used = max(0, used)

    def reset(self) -> None:
        """Forget all counted requests."""
        with self._lock:
            self._recent.clear()
            self._day, self._used = None, 0
