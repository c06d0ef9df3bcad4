"""Counts of the ``/v2`` requests a sandbox served, for tests and benchmarks.

A pipeline's efficiency is its request count; these are the numbers the tests assert
("loading 1,000 calls took 10 extensive requests") and ``GET /_sandbox/stats`` reports.
Every ``/v2`` request counts, including 401s, 429s and injected faults; a dropped
connection counts under status "reset". Beside them: the requests in flight, the most at
once and those refused for concurrency (:class:`~dlt_gong.sandbox.concurrency.InFlight`),
and the seconds the answers were held by the latency options, so a benchmark can state the
mean latency its client met.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from dlt_gong.sandbox.concurrency import InFlight


class RequestStats:
    """Thread-safe request counters by endpoint template and by status."""

    def __init__(self, in_flight: InFlight | None = None) -> None:
        self._lock = threading.Lock()
        self.in_flight = in_flight or InFlight(None)
        self._delayed = 0.0
        self._requests = 0
        self._by_endpoint: Counter[str] = Counter()
        self._by_status: Counter[str] = Counter()

    def record(self, endpoint: str, status: str, delayed: float = 0.0) -> None:
        """Count one request to ``endpoint`` ("POST /v2/calls/extensive") answered ``status``
        after ``delayed`` seconds of latency."""
        with self._lock:
            self._delayed += delayed
            self._requests += 1
            self._by_endpoint[endpoint] += 1
            self._by_status[status] += 1

    def snapshot(self) -> dict[str, Any]:
        """``{"requests": n, "by_endpoint": {...}, "by_status": {...}, "concurrency": {...},
        "delayed_seconds": s}`` (``concurrency``: :meth:`InFlight.snapshot`)."""
        concurrency = self.in_flight.snapshot()
        with self._lock:
            return {
                "requests": self._requests,
                "by_endpoint": dict(sorted(self._by_endpoint.items())),
                "by_status": dict(sorted(self._by_status.items())),
                "concurrency": concurrency,
                "delayed_seconds": round(self._delayed, 3),
            }

    def reset(self) -> None:
        """Zero every counter (the requests in flight stay counted)."""
        self.in_flight.reset()
        with self._lock:
            self._delayed = 0.0
            self._requests = 0
            self._by_endpoint.clear()
            self._by_status.clear()
