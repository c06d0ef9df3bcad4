"""The requests a sandbox is serving at once, and the optional cap on them.

Gong may allow a company only so many requests at once (``max_concurrent_requests``). A
request is in flight from its arrival until just before the first byte of its answer is
sent: a client that sends its next request after reading an answer never finds its
previous one still counted. The most seen at once is recorded with or without a cap, so a
test can tell requests that overlapped from requests that queued, and the refusals are
counted, so a benchmark can show a client never met the cap.
"""

from __future__ import annotations

import threading
from typing import Any


class InFlight:
    """Thread-safe count of the requests being served, their high-water mark and the
    requests refused because ``cap`` were being served (None: no cap)."""

    def __init__(self, cap: int | None) -> None:
        self.cap = cap
        self._lock = threading.Lock()
        self._now = 0
        self._most = 0
        self._refused = 0

    def arrive(self) -> bool:
        """Count an arriving request in, or refuse it (False) when ``cap`` are in flight."""
        with self._lock:
            if self.cap is not None and self._now >= self.cap:
                self._refused += 1
                return False
            self._now += 1
            self._most = max(self._most, self._now)
            return True

    def leave(self) -> None:
        """Count a request out: its answer is about to be sent (or will never be)."""
        with self._lock:
            self._now -= 1

    def snapshot(self) -> dict[str, Any]:
        """``{"in_flight": now, "most_in_flight": high-water mark, "refused": n,
        "max_concurrent_requests": cap}``."""
        with self._lock:
            return {
                "in_flight": self._now,
                "most_in_flight": self._most,
                "refused": self._refused,
                "max_concurrent_requests": self.cap,
            }

    def reset(self) -> None:
        """Forget refusals and the high-water mark (the requests in flight stay counted)."""
        with self._lock:
            self._most = self._now
            self._refused = 0
