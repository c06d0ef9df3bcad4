"""Counts of the ``/v2`` requests a sandbox served, for tests and benchmarks.

A pipeline's efficiency is its request count; these are the numbers the tests assert
("loading 1,000 calls took 10 extensive requests") and ``GET /_sandbox/stats`` reports.
Every ``/v2`` request counts, including 401s, 429s and injected faults; a dropped
connection counts under status "reset".
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any


class RequestStats:
    """Thread-safe request counters by endpoint template and by status."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests = 0
        self._by_endpoint: Counter[str] = Counter()
        self._by_status: Counter[str] = Counter()

    def record(self, endpoint: str, status: str) -> None:
        """Count one request to ``endpoint`` ("POST /v2/calls/extensive") answered ``status``."""
        with self._lock:
            self._requests += 1
            self._by_endpoint[endpoint] += 1
            self._by_status[status] += 1

    def snapshot(self) -> dict[str, Any]:
        """``{"requests": n, "by_endpoint": {...}, "by_status": {...}}``."""
        with self._lock:
            return {
                "requests": self._requests,
                "by_endpoint": dict(sorted(self._by_endpoint.items())),
                "by_status": dict(sorted(self._by_status.items())),
            }

    def reset(self) -> None:
        """Zero every counter."""
        with self._lock:
            self._requests = 0
            self._by_endpoint.clear()
            self._by_status.clear()
