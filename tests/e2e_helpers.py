"""Shared pieces of the end-to-end tests: load from a sandbox, read back, ground truth."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

import dlt

from dlt_gong import GongApiKeyCredentials, gong_source
from dlt_gong.options import ALL_CONTENT
from dlt_gong.plan import ACTIVITY_PROBE, CALL_LOOKUPS, RECONCILE
from dlt_gong.runner import RunReport, file_formats, run_pipeline
from dlt_gong.sandbox import Exchange, RunningSandbox
from dlt_gong.sandbox.errors import NotFoundError
from dlt_gong.tables import BY_NAME, LOG_TYPES, TABLES
from dlt_gong.windows import months, period_spans, period_start
from instants import NOW

ENDPOINT_OF_TABLE = {t.name: f"{t.endpoint.method} {t.endpoint.path}" for t in TABLES}
"""The sandbox's name for the endpoint behind each table (its stats count by this name)."""


@dataclass
class Recorder:
    """Every exchange a sandbox served, for exact request bodies and contract checks."""

    exchanges: list[Exchange] = field(default_factory=list)

    def __call__(self, exchange: Exchange) -> None:
        self.exchanges.append(exchange)

    def bodies(self, method_path: str) -> list[dict[str, Any]]:
        method, path = method_path.split(" ", 1)
        return [
            json.loads(e.request_body or b"{}")
            for e in self.exchanges
            if e.method == method and e.path == path
        ]


def credentials(sb: RunningSandbox) -> GongApiKeyCredentials:
    return GongApiKeyCredentials(
        access_key=sb.config.access_key, access_key_secret=sb.config.access_key_secret
    )


def pipeline(
    tmp: Path, name: str = "gong_e2e", destination: Any = None, dataset_name: str = "gong"
) -> dlt.Pipeline:
    return dlt.pipeline(
        pipeline_name=name,
        destination=destination or dlt.destinations.duckdb(str(tmp / f"{name}.duckdb")),
        dataset_name=dataset_name,
        pipelines_dir=str(tmp / "pipelines"),
    )


def load(p: dlt.Pipeline, sb: RunningSandbox, **kw: Any) -> Any:
    """Runs one load at the sandbox clock's instant (the source's ``now``, so the two agree
    on what today is whatever the wall clock says); returns the source (its client has the
    request count)."""
    kw.setdefault("requests_per_second", None)
    kw.setdefault("now", sb.clock.now())
    source = gong_source(credentials=credentials(sb), base_url=sb.url, **kw)
    run(p, source)
    return source


def run(p: dlt.Pipeline, source: Any) -> Any:
    """`p.run` with the file formats `dlt-gong run` gives each table (`runner.file_formats`:
    jsonl into DuckDB, one COPY a file, but for the Arrow tables, which stay Parquet)."""
    file_formats(p, source)
    return p.run(source)


def run_into_duckdb(
    sb: RunningSandbox, database: Path, name: str, days: int, **kw: Any
) -> RunReport:
    """What `dlt-gong run` runs (`run_pipeline`), unpaced, from the sandbox's last `days`
    days into the DuckDB file `database` (dataset `gong`), as of the pinned `NOW`; the
    pipeline's folder beside it (`pipelines`)."""
    return run_pipeline(
        destination=dlt.destinations.duckdb(str(database)),
        dataset_name="gong",
        pipeline_name=name,
        pipelines_dir=str(database.parent / "pipelines"),
        progress="none",
        credentials=credentials(sb),
        base_url=sb.url,
        start_date=(NOW - timedelta(days=days)).date().isoformat(),
        requests_per_second=None,
        now=NOW.isoformat(),
        **kw,
    )


def rows(p: dlt.Pipeline, sql: str) -> list[tuple[Any, ...]]:
    with p.sql_client() as client:
        return [tuple(r) for r in client.execute_sql(sql)]


def count(p: dlt.Pipeline, table: str) -> int:
    return int(rows(p, f"select count(*) from {table}")[0][0])


def ids(p: dlt.Pipeline, table: str, column: str = "id") -> list[str]:
    return sorted(str(r[0]) for r in rows(p, f"select {column} from {table}"))


def sentence_count(transcripts: Iterable[Mapping[str, Any]]) -> int:
    """The sentences of Gong's transcripts (`POST /v2/calls/transcript` items): the rows
    `call_transcript_sentences` should hold for them."""
    return sum(len(m["sentences"]) for t in transcripts for m in t["transcript"])


def pages(n: int) -> int:
    return max(1, math.ceil(n / 100))


def start_instant(start: date) -> datetime:
    return datetime.combine(start, time.min, timezone.utc)


@dataclass
class Truth:
    """What the sandbox holds for a window, computed from its Python ground truth."""

    sb: RunningSandbox
    start: date
    today: date | None = None
    """The load's UTC today (its `now` option); None: the sandbox clock's."""

    @property
    def company(self) -> Any:
        return self.sb.company

    @property
    def stats_end(self) -> date:
        """The source's last stats day (exclusive) for a load at ``today`` or else at the
        sandbox clock's instant: the UTC date of its ``now``, less one day."""
        return (self.today or self.sb.clock.now().date()) - timedelta(days=1)

    def activity_by_day(self, start: date, end: date) -> dict[date, set[str]]:
        """Who had any activity on each day of ``[start, end)``."""
        found: dict[date, set[str]] = {}
        try:
            users = list(self.company.activity_by_period(start, end, "DAY"))
        except NotFoundError:
            return found
        for user in users:
            for period in user["userAggregateActivity"]:
                if any(v for k, v in period.items() if k not in ("fromDate", "toDate")):
                    day = date.fromisoformat(period["fromDate"][:10])
                    found.setdefault(day, set()).add(user["userId"])
        return found

    def interaction_users(self, start: date, end: date) -> int:
        try:
            return len(self.company.interaction_stats(start, end))
        except NotFoundError:
            return 0

    def stats_counts(self, aggregation: str = "DAY", interaction: str = "DAY") -> dict[str, Any]:
        """The stats fields of `plan.Counts` for a first run from ``start``, by the design's
        rules (activity.py), counted from the sandbox's ground truth."""
        end = self.stats_end
        probe_start = min(period_start(self.start, p) for p in ("DAY", aggregation, interaction))
        history = (self.company.anchor - timedelta(days=self.company.config.days + 1)).date()
        activity = self.activity_by_day(max(probe_start, history), end)  # none before it
        probe, begin = 0, probe_start

        def active_in(a: date, b: date) -> int:
            return len(set().union(*(u for d, u in activity.items() if a <= d < b)))

        if (end - probe_start).days > 366:
            probe += pages(active_in(probe_start, end))  # by YEAR first
            first_year = min(activity, default=end).replace(month=1, day=1)
            begin = max(probe_start, first_year) if activity else end
        while begin < end:
            chunk_end = min(end, begin + timedelta(days=366))
            probe += pages(active_in(begin, chunk_end))
            begin = chunk_end
        users = set().union(*activity.values()) if activity else set()
        asked: list[int] = []
        quiet: list[tuple[date, date]] = []
        previous_quiet = False
        for first, following in period_spans(period_start(self.start, interaction), end,
                                             interaction):  # fmt: skip
            if any(first <= d < following for d in activity):
                asked.append(self.interaction_users(first, following))
                previous_quiet = False
            elif previous_quiet:
                quiet[-1] = (quiet[-1][0], following)
            else:
                quiet.append((first, following))
                previous_quiet = True
        return {
            "active_users": len(users),
            "active_users_per_day": asked,
            "quiet_runs": sum(self._gap_requests(a, b, interaction) for a, b in quiet),
            "activity_probe": probe,
        }

    def calls(self) -> list[dict[str, Any]]:
        return list(
            self.company.calls(start_instant(self.start), None, content_selector=ALL_CONTENT)
        )

    def public_calls(self) -> list[dict[str, Any]]:
        return [c for c in self.calls() if not c["metaData"]["isPrivate"]]

    def transcripts(self) -> list[dict[str, Any]]:
        public = [c["metaData"]["id"] for c in self.public_calls()]
        return list(self.company.transcripts(call_ids=public)) if public else []

    def activity_rows(self) -> int:
        users = self.company.activity_by_period(self.start, self.stats_end, "DAY")
        return sum(len(u["userAggregateActivity"]) for u in users)

    def active_users(self) -> int:
        return len(self.company.activity_by_period(self.start, self.stats_end, "DAY"))

    def days(self) -> list[date]:
        n = (self.stats_end - self.start).days
        return [self.start + timedelta(days=i) for i in range(n)]

    def interaction_per_day(self) -> list[int]:
        found = []
        for day in self.days():
            try:
                found.append(len(self.company.interaction_stats(day, day + timedelta(days=1))))
            except NotFoundError:
                found.append(0)
        return found

    def _gap_requests(self, start: date, end: date, period: str) -> int:
        """A quiet run is asked once; if Gong has stats there, each half is asked again."""
        spans = period_spans(start, end, period)
        if len(spans) == 1 or not self.interaction_users(start, end):
            return 1
        middle = spans[len(spans) // 2][0]
        return (
            1 + self._gap_requests(start, middle, period) + self._gap_requests(middle, end, period)
        )

    def answered_scorecards(self) -> list[dict[str, Any]]:
        return list(
            self.company.answered_scorecards(review_from_date=self.start, review_method="BOTH")
        )

    def metadata(self) -> list[dict[str, Any]]:
        """The same calls as ``calls()`` with their metaData only (cheap to build)."""
        return list(self.company.calls(start_instant(self.start), None))

    def call_pages_with_public_calls(self) -> int:
        calls = self.metadata()
        return sum(
            1
            for i in range(0, len(calls), 100)
            if any(not c["metaData"]["isPrivate"] for c in calls[i : i + 100])
        )


def more_counts(sb: RunningSandbox, start: datetime, now: datetime) -> dict[str, Any]:
    """The counts of the Engage, permission, CRM, audit and coaching formulas, from the
    sandbox's ground truth for a window from `start` to the source's `now`."""
    company = sb.company
    users = company.users()
    emails = [u["emailAddress"] for u in users]
    workspaces = [w["id"] for w in company.workspaces()]
    return {
        "workspaces": len(workspaces),
        "managers": len({u["managerId"] for u in users if u.get("managerId")}),
        "coaching_periods": len(months(start, now)),
        "log_entries": [len(company.audit_logs(t, start)) for t in LOG_TYPES],
        "flows_per_user": [len(company.flows(e)) for e in emails],
        "flow_folders_per_user": [len(company.flow_folders(e)) for e in emails],
        "flows": len({f["id"] for e in emails for f in company.flows(e)}),
        "permission_profiles": sum(len(company.permission_profiles(w)) for w in workspaces),
        "crm_integrations": len(company.crm_integrations()),
    }


def requests_by_table(stats: dict[str, Any], tables: Iterable[str]) -> dict[str, int]:
    """The sandbox's requests per table: an endpoint's count goes to the first of `tables`
    that reads it (the tables built from its responses, such as transcript text, cost
    nothing more)."""
    served = dict(stats["by_endpoint"])
    return {t: served.pop(ENDPOINT_OF_TABLE[t], 0) for t in tables}


def by_endpoint(expected: dict[str, int]) -> dict[str, int]:
    """A plan's requests per table (its activity probe and reconcile pass too) as requests
    per endpoint; a
    table that also reads another endpoint (coaching lists the workspaces) spends one
    request of its formula there."""
    found: dict[str, int] = {}
    for name, n in expected.items():
        if name == ACTIVITY_PROBE:
            name = "aggregated_activity"
        elif name == RECONCILE or name in CALL_LOOKUPS:  # calls/extensive, as the calls table
            name = "calls"
        elif name in BY_NAME:
            for other in BY_NAME[name].also_reads:
                found[other.name] = found.get(other.name, 0) + 1
                n -= 1
        endpoint = ENDPOINT_OF_TABLE[name]
        found[endpoint] = found.get(endpoint, 0) + n
    return found


def served_by_endpoint(stats: dict[str, Any], expected: dict[str, int]) -> dict[str, int]:
    """What the sandbox served on the endpoints of `expected` (see `by_endpoint`)."""
    return {e: stats["by_endpoint"].get(e, 0) for e in by_endpoint(expected)}
