"""The sandbox's notion of "now", which tests can move.

Everything time-dependent in the sandbox (which calls are processed yet, which comments are
posted, cursor expiry, rate-limit windows, the daily quota) reads this clock, so a test can
jump an hour ahead instead of waiting an hour. It runs at real speed from its start value
unless frozen.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone


def utc_now_seconds() -> datetime:
    """The real UTC time truncated to the second (the default start of a sandbox clock)."""
    return datetime.now(timezone.utc).replace(microsecond=0)


class SandboxClock:
    """A thread-safe clock: ``start`` plus elapsed real time (unless frozen) plus jumps."""

    def __init__(self, start: datetime | None = None, *, frozen: bool = False) -> None:
        start = start or utc_now_seconds()
        if start.tzinfo is None:
            raise ValueError("the sandbox clock needs an aware datetime")
        self._lock = threading.Lock()
        self._base = start.timestamp()
        self._mono = time.monotonic()
        self._frozen = frozen

    def timestamp(self) -> float:
        """Seconds since the epoch, on the sandbox clock."""
        with self._lock:
            if self._frozen:
                return self._base
            return self._base + (time.monotonic() - self._mono)

    def now(self) -> datetime:
        """The sandbox time as an aware UTC datetime."""
        return datetime.fromtimestamp(self.timestamp(), timezone.utc)

    def advance(self, seconds: float) -> datetime:
        """Jump ``seconds`` ahead (negative goes back) and return the new time."""
        with self._lock:
            self._base += seconds
        return self.now()

    def set(self, when: datetime) -> None:
        """Jump to ``when`` (an aware datetime); the clock keeps running from there."""
        if when.tzinfo is None:
            raise ValueError("the sandbox clock needs an aware datetime")
        with self._lock:
            self._base = when.timestamp()
            self._mono = time.monotonic()

    @property
    def frozen(self) -> bool:
        """Whether the clock stands still between explicit jumps."""
        return self._frozen

    def freeze(self, frozen: bool = True) -> None:
        """Stop (or restart) the clock at its current reading."""
        with self._lock:
            if self._frozen == frozen:
                return
            if frozen:
                self._base += time.monotonic() - self._mono
            else:
                self._mono = time.monotonic()
            self._frozen = frozen

    def __repr__(self) -> str:
        return f"SandboxClock({self.now().isoformat()}, frozen={self._frozen})"


__all__ = ["SandboxClock", "utc_now_seconds"]
