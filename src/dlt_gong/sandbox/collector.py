"""The sandbox's own pauses kept out of the dates its rate limiter counts requests at.

Gong counts a request when it reaches Gong's front end; the sandbox dates it when its event
loop gets to it (``limits.RateLimiter.acquire``). Anything that holds the interpreter in
between dates the request late. Python's collection of its oldest generation walks every
live object, and the sandbox holds many (the company and the caches of its calls'
parties, transcripts and filters): in a paced run of 10,000 calls it ran 40 times and held
the interpreter up to 326 ms, so requests were counted up to that late. The client assumes
Gong counts a request within 0.1 s of its write, so such a pause made two requests 1.01 s
apart on the wire look 0.7 s apart: 1 to 4 requests a run met a 429 that Gong would not
have sent (22 in the bench's paced run of 28,568 calls).

So a process that only serves the sandbox (``dlt-gong sandbox``) freezes what is alive
once the company is built, turns the automatic full collection off, and runs it itself
when the sandbox is idle: no request in flight and none answered for `QUIET_SECONDS`.
The young generations are still collected as usual (their pauses stayed under 40 ms).
Measured on that run: no pause over 100 ms (35 before), no 429, and the sandbox's peak
RSS 172 MB. The sandbox started inside another program (`run_sandbox`: the tests, the
demo) leaves that program's collector alone.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

QUIET_SECONDS = 2.0
"""How long the sandbox must have been idle before it collects its oldest generation."""

NEVER = 2**31 - 1
"""A threshold the count of the oldest generation's pending collections never reaches."""


class IdleCollector:
    """Runs `collect` once per idle spell: when `tick` finds that no request is in flight
    and the count of requests answered has not moved for `quiet` seconds.

    ``activity`` is the sandbox's ``stats()`` (``requests``, and ``concurrency`` with
    ``in_flight``); ``clock`` is monotonic seconds."""

    def __init__(
        self,
        activity: Callable[[], Mapping[str, Any]],
        quiet: float = QUIET_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        collect: Callable[[], object] = gc.collect,
    ) -> None:
        self.activity = activity
        self.quiet = quiet
        self.clock = clock
        self.collect = collect
        self.collections = 0
        self._seen: int | None = None
        self._since = 0.0  # set by the first tick, which always finds the count new
        self._collected = False

    def tick(self) -> bool:
        """Collect if the sandbox has been idle for `quiet` seconds and nothing was
        collected since it last served a request; True when it collected."""
        stats = self.activity()
        seen = int(stats["requests"])
        now = self.clock()
        if seen != self._seen or stats["concurrency"]["in_flight"]:
            self._seen, self._since, self._collected = seen, now, False
            return False
        if self._collected or now - self._since < self.quiet:
            return False
        self.collect()
        self._collected = True
        self.collections += 1
        return True


@contextmanager
def collecting_when_idle(activity: Callable[[], Mapping[str, Any]],
                         quiet: float = QUIET_SECONDS) -> Iterator[IdleCollector]:  # fmt: skip
    """Within: what is alive now is frozen, the oldest generation is collected only by an
    :class:`IdleCollector` ticking every half `quiet` seconds on a thread of its own. On
    leaving, the thresholds and the frozen objects are as they were."""
    gc.collect()
    gc.freeze()
    thresholds = gc.get_threshold()
    gc.set_threshold(thresholds[0], thresholds[1], NEVER)
    collector = IdleCollector(activity, quiet)
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(quiet / 2):
            collector.tick()

    thread = threading.Thread(target=run, name="gong-sandbox-collector", daemon=True)
    thread.start()
    try:
        yield collector
    finally:
        stop.set()
        thread.join()
        gc.set_threshold(*thresholds)
        gc.unfreeze()
