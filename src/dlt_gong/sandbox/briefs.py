"""AI brief settings per workspace (``GET /v2/settings/briefs``).

Briefs are configured by admins and managers; a few are drafts ("Not published", the
spec's other status). They predate the call history, so they do not move with the clock.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from dlt_gong.sandbox.catalog import Catalog
from dlt_gong.sandbox.ids import IdCodec
from dlt_gong.sandbox.roster import Roster
from dlt_gong.sandbox.timeutil import iso

_BRIEFS = (
    ("Account brief", "Summarises the account's calls, emails and open deals before a meeting."),
    ("Deal brief", "The deal's stakeholders, risks and next steps, from its last ten calls."),
    ("Call prep", "What was said last time and what the customer asked for."),
    ("Renewal brief", "Adoption, open issues and sentiment ahead of a renewal."),
    ("Weekly team digest", "The team's notable calls and deal changes of the week."),
)


@dataclass(frozen=True)
class Brief:
    """One AI brief's settings."""

    index: int
    id: str
    name: str
    description: str
    workspace: int
    published: bool
    creator: int
    created: float
    updated: float


class Briefs:
    """The briefs of every workspace, in workspace then creation order."""

    def __init__(
        self, seed: int, roster: Roster, catalog: Catalog, history_start: float, ids: IdCodec
    ) -> None:
        rng = random.Random(f"{seed}:briefs")
        self.roster = roster
        self.catalog = catalog
        authors = [
            p for p in roster.people if p.active and p.role in ("exec", "manager", "cs_manager")
        ]
        self.briefs: list[Brief] = []
        for ws in catalog.workspaces:
            local = [p for p in authors if p.workspace == ws.index] or authors[:1] or roster.people
            for name, description in _BRIEFS[: 2 + (ws.index + 1) % 3]:
                author = rng.choice(local)
                created = max(author.created, history_start - rng.uniform(5, 200) * 86400.0)
                updated = created + rng.uniform(0, 1) * (history_start - created)
                index = len(self.briefs)
                self.briefs.append(
                    Brief(
                        index,
                        ids.encode("brief", index),
                        name,
                        description,
                        ws.index,
                        rng.random() < 0.8,
                        author.index,
                        round(created),
                        round(updated),
                    )
                )

    def brief_json(self, b: Brief, tz: ZoneInfo) -> dict[str, Any]:
        """A ``Brief``."""
        author = self.roster.people[b.creator]
        return {
            "briefId": b.id,
            "briefName": b.name,
            "workspaceId": self.catalog.workspaces[b.workspace].id,
            "description": b.description,
            "status": "Published" if b.published else "Not published",
            "creator": author.name,
            "creatorUserId": author.id,
            "created": iso(b.created, tz),
            "updated": iso(b.updated, tz),
        }
