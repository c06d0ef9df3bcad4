"""How many requests a load spends, before spending them: the README's formula in code.

Gong allows 10,000 requests a day and 3 a second, so a backfill is planned in requests.
Each table's cost is its row's `requests` formula (`tables.py`), a function of a few
counts (`counts.Counts`): users U, calls C in the window, users with activity A in the
stats window (which starts at the company's first activity), the periods P with activity
and the runs Q of quiet periods between them (interaction stats), answered scorecards S,
library folders F and the distinct calls N in them, workspaces W, managers M, CRM
integrations I, and for Engage the flows each user sees; plus the activity probe that
finds the days with stats before they are asked for (`activity.py`), one line of its own.
The same functions give the test suite its expected request counts, so the formula the
README prints is the one the tests hold the source to.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields

from dlt_gong.counts import Counts, pages
from dlt_gong.tables import BY_NAME, STATS_KINDS, TABLES

DAILY_QUOTA = 10_000
LEGEND = (
    "U users, C calls in the window, A users with activity, P periods with activity, "
    "Q runs of quiet periods, S answered scorecards, F library folders, W workspaces, "
    "M managers, I CRM integrations"
)
ACTIVITY_PROBE = "(days with activity)"
"""The plan's line for the activity probe: requests to aggregate-by-period that find the
days with stats before they are asked for; not a table of its own."""
ACTIVITY_PROBE_FORMULA = (
    "ceil(A/100) per year from the first year with activity "
    "(+ ceil(A/100) by YEAR when the window is longer than a year)"
)

__all__ = [
    "ACTIVITY_PROBE", "CALL_LOOKUPS", "DAILY_QUOTA", "LEGEND", "RECONCILE", "RECONCILE_FORMULA",
    "SCORECARD_CALLS", "Counts",
    "counts_read", "pages", "requests_per_table",
]  # fmt: skip


def with_parents(tables: Iterable[str]) -> list[str]:
    """The tables a load reads: those asked for, then each one's parent, which is read to
    drive its children even when its own rows are not loaded."""
    wanted = list(dict.fromkeys(tables))
    for name in wanted:  # grows as it goes: a parent's parent is read too (flows' users)
        parent = BY_NAME[name].parent
        if parent is not None and parent.table not in wanted:
            wanted.append(parent.table)
    return wanted


def requests_per_table(counts: Counts, tables: Iterable[str]) -> dict[str, int]:
    """The requests each table costs, under the source's design, the reconcile pass's when
    it runs, and the activity probe's when a stats table is among them."""
    found = {name: BY_NAME[name].requests(counts) for name in with_parents(tables)}
    if counts.reconciled_calls is not None:
        found[RECONCILE] = pages(counts.reconciled_calls)
    if counts.activity_probe and any(BY_NAME[t].kind in STATS_KINDS for t in found):
        found[ACTIVITY_PROBE] = counts.activity_probe
    for name in list(found):  # the calls of rows that name one, asked for the rules
        names = BY_NAME[name].names_call if name in BY_NAME else None
        if names is not None and names.requests(counts):
            found[names.line] = names.requests(counts)
    return found


def counts_read(tables: Iterable[str]) -> set[str]:
    """The `Counts` fields the formulas of these tables read, so `--plan` spends requests
    counting only what the chosen tables cost depends on."""
    seen: set[str] = set()
    names = {f.name for f in fields(Counts)} | {"call_pages"}

    class Reading(Counts):
        def __getattribute__(self, name: str) -> object:
            if name in names:
                seen.add(name)
            return super().__getattribute__(name)

    # one of everything, so that no formula's condition hides a count it needs
    probe = Reading(
        users=1, calls=1, active_users=1, active_users_per_day=(1,), answered_scorecards=1,
        library_folders=1, library_calls=1, excluding=True,
    )  # fmt: skip
    for name in with_parents(tables):
        BY_NAME[name].requests(probe)
        lookup = BY_NAME[name].names_call
        if lookup is not None:
            lookup.requests(probe)
    return seen


RECONCILE = "(reconcile deleted calls)"
"""The plan's line for the reconcile pass over the calls of the last `reconcile_days`
(`reconcile.py`): POST /v2/calls/extensive, metaData only."""
RECONCILE_FORMULA = "ceil(R/100), R calls started in the reconcile window"


CALL_LOOKUPS: dict[str, str] = {
    t.names_call.line: t.names_call.formula for t in TABLES if t.names_call is not None
}
"""The plan's lines for the calls of rows that name one (answered scorecards, library
folder calls, audit log entries), asked when a rule or the retention needs what the rows
do not say (`tables.NamesCall`, `source.left_out_calls`), with their formulas."""
SCORECARD_CALLS = BY_NAME["answered_scorecards"].names_call.line  # type: ignore[union-attr]
"""The plan's line for the calls of each page of answered scorecards: Gong's scorecards say
neither the call's title nor its parties."""


def seconds_at(requests: int, per_second: int = 3) -> float:
    """The floor time of a load: Gong lets no client go faster."""
    return requests / per_second
