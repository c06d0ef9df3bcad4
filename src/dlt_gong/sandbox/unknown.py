"""Fields Gong sends that its OpenAPI document does not describe (forward compatibility).

Gong adds response fields without notice, and a connector must load them rather than fail.
With ``SandboxConfig(unknown_fields=True)`` the sandbox adds these, none of which is in
``spec/gong-openapi.json``, each value derived from the object's id (same id, same value):

* every call's ``metaData``: ``recordingRegion`` (a string), ``talkRatioScore`` (a number)
  and ``aiInsights``, a new nested object ``{"modelVersion": str, "engagement": {"level":
  str, "score": int}, "signals": [{"name": str, "strength": float}, ...]}`` (an object in
  an object, and a new list of objects);
* every party of a call (``parties[]``, an object that already exists): ``joinedVia``;
* every user: ``preferredLanguage`` (a string) and ``seatType`` (a string).

Off by default: a default sandbox answers exactly what the spec describes.
"""

from __future__ import annotations

import zlib
from typing import Any

REGIONS = ("us-east-1", "us-west-2", "eu-central-1", "ap-southeast-2")
LEVELS = ("LOW", "MEDIUM", "HIGH")
SIGNALS = ("pricing", "next-steps", "competitor", "timeline", "budget")
JOINED_VIA = ("web", "dial-in", "mobile", "room-system")
LANGUAGES = ("en-US", "en-GB", "de-DE", "fr-FR", "es-ES")
SEATS = ("full", "viewer", "recorder")


def _n(text: str) -> int:
    """A stable number from an id (not ``hash()``: that changes between processes)."""
    return zlib.crc32(text.encode())


def call_metadata(meta: dict[str, Any]) -> dict[str, Any]:
    """``meta`` (a call's metaData) with the unknown fields added."""
    n = _n(str(meta["id"]))
    meta["recordingRegion"] = REGIONS[n % len(REGIONS)]
    meta["talkRatioScore"] = round((n % 1000) / 1000, 3)
    meta["aiInsights"] = {
        "modelVersion": f"2026.{n % 12 + 1}",
        "engagement": {"level": LEVELS[n % len(LEVELS)], "score": n % 101},
        "signals": [
            {"name": SIGNALS[(n + k) % len(SIGNALS)], "strength": round(((n >> k) % 100) / 100, 2)}
            for k in range(n % 3)  # zero, one or two
        ],
    }
    return meta


def call_item(item: dict[str, Any]) -> dict[str, Any]:
    """A ``CallData`` item with the unknown fields in metaData and in each party."""
    call_metadata(item["metaData"])
    for party in item.get("parties") or []:
        party["joinedVia"] = JOINED_VIA[_n(str(party["id"])) % len(JOINED_VIA)]
    return item


def user(item: dict[str, Any]) -> dict[str, Any]:
    """A ``UserMetadata`` object with the unknown fields added."""
    n = _n(str(item["id"]))
    item["preferredLanguage"] = LANGUAGES[n % len(LANGUAGES)]
    item["seatType"] = SEATS[n % len(SEATS)]
    return item
