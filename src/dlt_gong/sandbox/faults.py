"""Injected failures, drawn per ``/v2`` request from a seeded RNG.

A client that survives Gong must survive its 5xx, 429 bursts, dropped connections, slow
and cut-off responses and expired cursors; this decides, per request, which (if any) it
meets. At most one response-replacing fault per request; ``slow``, ``expired_cursor`` and
``late_count`` combine with anything.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

from dlt_gong.sandbox.config import EXCLUSIVE_FAULTS, FaultConfig


@dataclass(frozen=True)
class FaultPlan:
    """What happens to one request."""

    kind: str | None = None  # one of config.EXCLUSIVE_FAULTS, or None
    slow: bool = False
    expire_cursor: bool = False
    late_count: bool = False


NO_FAULT = FaultPlan()


class FaultInjector:
    """Draws a :class:`FaultPlan` per request (thread-safe, deterministic in request order)."""

    def __init__(self, config: FaultConfig) -> None:
        self.config = config
        self._rng = random.Random(config.seed)
        self._lock = threading.Lock()
        self._burst_left = 0

    def plan(self) -> FaultPlan:
        """The faults of the next request."""
        cfg = self.config
        if not cfg.enabled:
            return NO_FAULT
        with self._lock:
            roll, slow_roll, cursor_roll = (self._rng.random() for _ in range(3))
            kind: str | None = None
            if self._burst_left > 0:
                self._burst_left -= 1
                kind = "burst_429"
            else:
                edge = 0.0
                for name in EXCLUSIVE_FAULTS:
                    edge += getattr(cfg, name)
                    if roll < edge:
                        kind = name
                        break
                if kind == "burst_429":
                    self._burst_left = cfg.burst_length - 1
            # drawn only when asked for, so the other faults' sequence of a seed stays put
            late = cfg.late_count > 0 and self._rng.random() < cfg.late_count
            return FaultPlan(kind, slow_roll < cfg.slow, cursor_roll < cfg.expired_cursor, late)
