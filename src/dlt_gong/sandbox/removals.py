"""What a Gong company loses as its clock moves: calls deleted or made private, and users,
trackers, scorecards, library folders and folder entries removed.

A connector that only ever adds rows cannot notice any of these, so the sandbox makes them
happen after its clock starts (``SandboxConfig.deleted_call_rate``, ``privatized_call_rate``,
``removed_settings_rate``, each within ``removals_within_days``): a first load sees every
row, a later one must make them disappear. Each time is drawn once from the seed, so the
same config removes the same rows at the same instants; the ground truth methods of
:class:`~dlt_gong.sandbox.company.Company` apply them at their ``as_of``.

With every rate at 0 (the default) nothing is drawn and nothing is ever removed.
"""

from __future__ import annotations

import random
from array import array
from dataclasses import dataclass

from dlt_gong.sandbox.skeleton import PRIVATE, CallSkeleton

NEVER = float("inf")


@dataclass(frozen=True)
class RemovalParams:
    """The config's removal knobs, resolved."""

    seed: int
    deleted_call_rate: float
    privatized_call_rate: float
    removed_settings_rate: float
    within_seconds: float
    anchor: float  # the sandbox clock's start: nothing is removed before it


class Removals:
    """When each call is deleted or made private, and each settings row removed."""

    def __init__(self, params: RemovalParams, skeleton: CallSkeleton) -> None:
        self.params = params
        self.deleted: array[float] | None = None
        self.privatized: array[float] | None = None
        if params.deleted_call_rate > 0 or params.privatized_call_rate > 0:
            self._draw_calls(skeleton)

    def _draw_calls(self, sk: CallSkeleton) -> None:
        p = self.params
        rng = random.Random(f"{p.seed}:removals")
        deleted = array("d", [NEVER]) * sk.n
        privatized = array("d", [NEVER]) * sk.n
        for i in range(sk.n):
            # after the clock starts and after the call is visible: a load can see it first
            earliest = max(float(sk.visible[i]), p.anchor)
            if rng.random() < p.deleted_call_rate:
                deleted[i] = earliest + rng.uniform(0.0, p.within_seconds)
            elif not sk.flags[i] & PRIVATE and rng.random() < p.privatized_call_rate:
                privatized[i] = earliest + rng.uniform(0.0, p.within_seconds)
        self.deleted, self.privatized = deleted, privatized

    @property
    def any_call(self) -> bool:
        """Whether any call is ever deleted or made private (else no check is needed)."""
        return self.deleted is not None

    def call_deleted(self, i: int, moment: float) -> bool:
        """Whether call ``i`` is deleted by ``moment``."""
        return self.deleted is not None and self.deleted[i] <= moment

    def call_privatized(self, i: int, moment: float) -> bool:
        """Whether call ``i`` (public when recorded) was made private by ``moment``."""
        return self.privatized is not None and self.privatized[i] <= moment

    def removed_at(self, kind: str, key: int) -> float:
        """When the settings row ``kind`` #``key`` (user, tracker, scorecard, folder,
        folder_entry) is removed; NEVER for most."""
        p = self.params
        if p.removed_settings_rate <= 0:
            return NEVER
        rng = random.Random(f"{p.seed}:removed:{kind}:{key}")
        if rng.random() >= p.removed_settings_rate:
            return NEVER
        return p.anchor + rng.uniform(0.0, p.within_seconds)

    def removed(self, kind: str, key: int, moment: float) -> bool:
        """Whether the settings row ``kind`` #``key`` is gone by ``moment``."""
        return self.removed_at(kind, key) <= moment
