"""Gong-style ids: 19-digit decimal strings, stable per (seed, kind, index), reversible.

Gong's ids look random ("7782342274025937895"). Storing one per call would cost tens of
megabytes at 100,000 calls, so ids are computed: a keyed Feistel permutation of the index
(a bijection on 60 bits) plus 10**18. Decoding an id gives the index back without a lookup
table; an id of another kind or seed decodes to an index far out of range.
"""

from __future__ import annotations

import hashlib

_BASE = 10**18
_HALF = 30
_MASK = (1 << _HALF) - 1
_DOMAIN = 1 << (2 * _HALF)
_M64 = (1 << 64) - 1


class IdCodec:
    """Encodes ``(kind, index)`` as an id string and decodes it back."""

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._keys: dict[str, tuple[int, ...]] = {}

    def _round_keys(self, kind: str) -> tuple[int, ...]:
        keys = self._keys.get(kind)
        if keys is None:
            digest = hashlib.blake2b(f"gong-sandbox:{self._seed}:{kind}".encode()).digest()
            keys = tuple(int.from_bytes(digest[i : i + 8], "big") | 1 for i in range(0, 32, 8))
            self._keys[kind] = keys
        return keys

    @staticmethod
    def _mix(half: int, key: int) -> int:
        x = (half * key + (key >> 23)) & _M64
        x ^= x >> 29
        x = (x * 0xBF58476D1CE4E5B9) & _M64
        return (x >> 17) & _MASK

    def encode(self, kind: str, index: int) -> str:
        """The id of the ``index``-th entity of ``kind``."""
        if not 0 <= index < _DOMAIN:
            raise ValueError(f"index {index} out of range")
        left, right = index >> _HALF, index & _MASK
        for key in self._round_keys(kind):
            left, right = right, left ^ self._mix(right, key)
        return str(_BASE + ((left << _HALF) | right))

    def decode(self, kind: str, value: object) -> int | None:
        """The index behind ``value`` if it is a well-formed id of ``kind``, else None.

        The caller still has to check the index against the number of entities.
        """
        if not isinstance(value, str) or len(value) != 19 or not value.isascii():
            return None
        if not value.isdigit():
            return None
        number = int(value) - _BASE
        if not 0 <= number < _DOMAIN:
            return None
        left, right = number >> _HALF, number & _MASK
        for key in reversed(self._round_keys(kind)):
            left, right = right ^ self._mix(left, key), left
        return (left << _HALF) | right
