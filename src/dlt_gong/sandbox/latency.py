"""How long Gong takes to answer: a base latency, a cost per item answered, and jitter.

Against a sandbox that answers at once, a client that keeps one request on the wire looks
as fast as one that keeps three; over a real network the first runs at 1/latency requests
a second. The sandbox counts a request on arrival (as Gong's limiter would) and sends its
answer :meth:`Latency.delay` seconds later, awaited on the event loop so that requests
served side by side overlap instead of queueing.
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from dlt_gong.sandbox.config import SandboxConfig


def answer_delay(items: int, base: float, per_item: float, jitter: float = 0.0) -> float:
    """Seconds from a request's arrival to its answer: ``base + per_item * items + jitter``,
    never below 0 (a jitter larger than the base cannot make an answer arrive early)."""
    return max(0.0, base + per_item * items + jitter)


def items_in(payload: Mapping[str, Any]) -> int:
    """The items of an answer: the elements of its top-level lists (``calls``,
    ``callTranscripts``, ``users``, ...); an answer without a list has none."""
    return sum(len(value) for value in payload.values() if isinstance(value, list))


class Latency:
    """The latency options of a sandbox, with their jitter drawn in answer order from an
    RNG seeded by the config's ``seed`` (thread-safe), and the ``sleep`` that waits it out
    (``asyncio.sleep``; a test may hold answers with a sleep of its own)."""

    def __init__(self, config: SandboxConfig) -> None:
        self.base = config.latency_seconds
        self.per_item = config.latency_per_item_seconds
        self.jitter = config.latency_jitter_seconds
        self.sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
        self._rng = random.Random(config.seed)
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        """Whether any answer is delayed at all."""
        return bool(self.base or self.per_item or self.jitter)

    def delay(self, items: int) -> float:
        """The delay of the next answer, which carries ``items`` items; the jitter is drawn
        only when configured, so turning it on moves nothing else."""
        drawn = 0.0
        if self.jitter:
            with self._lock:
                drawn = self._rng.uniform(-self.jitter, self.jitter)
        return answer_delay(items, self.base, self.per_item, drawn)
