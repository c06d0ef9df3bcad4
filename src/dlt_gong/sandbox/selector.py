"""Gong's ``contentSelector``: which sections of a call ``/v2/calls/extensive`` returns.

Without a selector Gong returns ``metaData`` only; each ``exposedFields`` flag adds one
section or sub-field; ``context`` adds CRM links (Basic) or links with field values
(Extended, at the ``contextTiming``s asked for, default ``["Now"]``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

CONTENT_FIELDS = (
    "structure",
    "topics",
    "trackers",
    "trackerOccurrences",
    "pointsOfInterest",
    "brief",
    "outline",
    "highlights",
    "callOutcome",
    "keyPoints",
)
INTERACTION_FIELDS = ("speakers", "video", "personInteractionStats", "questions")
CONTEXT_LEVELS = ("None", "Basic", "Extended")
CONTEXT_TIMINGS = ("Now", "TimeOfCall")


@dataclass(frozen=True)
class ContentSelector:
    """A parsed, validated ``contentSelector``."""

    context: str = "None"
    context_timing: tuple[str, ...] = ("Now",)
    parties: bool = False
    content: frozenset[str] = frozenset()
    interaction: frozenset[str] = frozenset()
    public_comments: bool = False
    media: bool = False

    @classmethod
    def parse(cls, raw: Mapping[str, Any] | ContentSelector | None) -> ContentSelector:
        """From the JSON object; ValueError (naming the field) when it is malformed."""
        if raw is None:
            return cls()
        if isinstance(raw, ContentSelector):
            return raw
        if not isinstance(raw, Mapping):
            raise ValueError("contentSelector")
        context = raw.get("context", "None")
        if context is None:
            context = "None"
        if context not in CONTEXT_LEVELS:
            raise ValueError("contentSelector.context")
        timing_raw = raw.get("contextTiming")
        timing: tuple[str, ...] = ("Now",)
        if timing_raw is not None:
            if not isinstance(timing_raw, list) or not all(
                t in CONTEXT_TIMINGS for t in timing_raw
            ):
                raise ValueError("contentSelector.contextTiming")
            timing = tuple(t for t in CONTEXT_TIMINGS if t in timing_raw) or ("Now",)
        exposed = raw.get("exposedFields") or {}
        if not isinstance(exposed, Mapping):
            raise ValueError("contentSelector.exposedFields")
        return cls(
            context=context,
            context_timing=timing,
            parties=_flag(exposed, "parties", "contentSelector.exposedFields.parties"),
            content=_flags(exposed.get("content"), CONTENT_FIELDS, "content"),
            interaction=_flags(exposed.get("interaction"), INTERACTION_FIELDS, "interaction"),
            public_comments="publicComments"
            in _flags(exposed.get("collaboration"), ("publicComments",), "collaboration"),
            media=_flag(exposed, "media", "contentSelector.exposedFields.media"),
        )


def _flag(obj: Mapping[str, Any], key: str, where: str) -> bool:
    value = obj.get(key, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ValueError(where)
    return value


def _flags(obj: Any, names: tuple[str, ...], section: str) -> frozenset[str]:
    if obj is None:
        return frozenset()
    where = f"contentSelector.exposedFields.{section}"
    if not isinstance(obj, Mapping):
        raise ValueError(where)
    return frozenset(name for name in names if _flag(obj, name, f"{where}.{name}"))
