"""The floor: what the sandbox's company holds, computed in-process from its ground truth,
turned into the request counts the API allows (``dlt_gong.plan.requests_per_table``).

The company is rebuilt here with the same seed, size and frozen instant as the sandbox
process, so both hold the same data; ``run.py`` checks that against what was loaded and
stops if they differ. (Adapted from ``tests/e2e_helpers.Truth``; bench does not import
tests.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from bench.sizes import Size
from dlt_gong.plan import Counts, requests_per_table
from dlt_gong.sandbox import SandboxConfig
from dlt_gong.sandbox.company import Company
from dlt_gong.sandbox.errors import NotFoundError
from dlt_gong.tables import TABLES

ENDPOINT_OF_TABLE = {t.name: f"{t.endpoint.method} {t.endpoint.path}" for t in TABLES}
"""The sandbox's name for the endpoint behind each table (its stats count by this name)."""


def requests_by_table(stats: dict[str, Any], endpoints: dict[str, str]) -> dict[str, int]:
    """The sandbox's per-endpoint counters, keyed by table."""
    served = stats["by_endpoint"]
    return {table: int(served.get(endpoint, 0)) for table, endpoint in endpoints.items()}


@dataclass
class Truth:
    """The company of one size at one frozen instant, and the counts of its window."""

    size: Size
    now: datetime
    start: date

    def __post_init__(self) -> None:
        config = SandboxConfig(
            seed=self.size.seed,
            users=self.size.users,
            calls=self.size.calls,
            days=self.size.days,
            now=self.now,
            freeze_clock=True,
        )
        self.company = Company(config)
        self._calls: list[dict[str, Any]] | None = None
        self._counts: Counts | None = None

    @property
    def stats_end(self) -> date:
        # the source's last stats day for a load whose now is the bench's instant
        return self.now.astimezone(timezone.utc).date() - timedelta(days=1)

    def calls(self) -> list[dict[str, Any]]:
        if self._calls is None:
            start = datetime.combine(self.start, time.min, timezone.utc)
            # metaData only: the count, the order and isPrivate are all the floor needs, and
            # 100,000 calls with all content would take gigabytes in this process
            self._calls = list(self.company.calls(start, None))
        return self._calls

    def public_calls(self) -> int:
        return sum(1 for c in self.calls() if not c["metaData"]["isPrivate"])

    def call_pages_with_public_calls(self) -> int:
        calls = self.calls()
        return sum(
            1
            for i in range(0, len(calls), 100)
            if any(not c["metaData"]["isPrivate"] for c in calls[i : i + 100])
        )

    def interaction_per_day(self) -> list[int]:
        found = []
        n = (self.stats_end - self.start).days
        for day in (self.start + timedelta(days=i) for i in range(n)):
            try:
                found.append(len(self.company.interaction_stats(day, day + timedelta(days=1))))
            except NotFoundError:
                found.append(0)
        return found

    def counts(self) -> Counts:
        if self._counts is None:
            self._counts = self._count()
        return self._counts

    def _count(self) -> Counts:
        company = self.company
        return Counts(
            users=len(company.users()),
            calls=len(self.calls()),
            call_pages_with_public_calls=self.call_pages_with_public_calls(),
            active_users=len(company.activity_by_period(self.start, self.stats_end, "DAY")),
            active_users_per_day=self.interaction_per_day(),
            answered_scorecards=len(
                list(company.answered_scorecards(review_from_date=self.start, review_method="BOTH"))
            ),
            library_folders=len(company.library_folders()),
            workspaces=len(company.workspaces()),
            permission_profiles=sum(
                len(company.permission_profiles(w["id"])) for w in company.workspaces()
            ),
            crm_integrations=len(company.crm_integrations()),
        )

    def floor(self, tables: list[str]) -> dict[str, int]:
        """Requests per table the API allows at the least (the README's formula)."""
        return requests_per_table(self.counts(), tables)
