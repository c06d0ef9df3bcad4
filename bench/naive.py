"""The requests of the naive design the project started from, computed from its formula
(it is not run): one transcript request per call, and the stats asked user by user.

Beside the floor of ours, this is the request economy a load at Gong's 3 requests a second
lives on. Every other table costs what it costs ours: the naive design differs only where
it asks per item what Gong answers 100 at a time.
"""

from __future__ import annotations

from dlt_gong.counts import Counts

NAIVE_FORMULAS = {
    "call_transcripts": "one per public call",
    "aggregated_activity": "one per user (U)",
    "day_by_day_activity": "one per user (U)",
    "interaction_stats": "one per user per day with activity",
}
"""Where the naive design differs from ours, and how."""


def naive_requests(counts: Counts, public_calls: int, ours: dict[str, int]) -> dict[str, int]:
    """Requests per table of the naive design, for the tables of ``ours`` (the floor of
    ours per table, whose other tables it keeps)."""
    naive = {
        "call_transcripts": public_calls,
        "aggregated_activity": counts.users,
        "day_by_day_activity": counts.users,
        "interaction_stats": sum(counts.active_users_per_day),
    }
    return {table: naive.get(table, n) for table, n in ours.items()}
