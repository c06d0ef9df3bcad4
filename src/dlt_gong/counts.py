"""What a table's request formula is a function of: a few counts about the company and
the window, so that the README's formula, `--plan` and the tests' expected request counts
are one function per table (the `requests` field of its row in `tables.py`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field


def pages(n: int) -> int:
    """Requests to read n items 100 at a time; an empty result still costs its 404."""
    return max(1, math.ceil(n / 100))


@dataclass(frozen=True)
class Counts:
    """What the formulas need to know about the company and the window."""

    users: int
    calls: int
    """Calls Gong returns for the window, private ones included."""
    calls_requests: int | None = None
    """The requests of the calls' sub-windows as `--plan` counted them (a window above
    5,000 calls is split: `calls_reader.py`); None: one per 100 calls."""
    call_pages_with_public_calls: int | None = None
    """Pages of calls holding at least one non-private call (default: every page)."""
    active_users: int = 0
    """Users with activity in the whole window (aggregate-by-period, day-by-day); 0 when
    nobody had any: those two are then not asked at all."""
    active_users_per_day: Sequence[int] = field(default_factory=tuple)
    """Interaction stats: for each period with activity (a day by default), the users
    Gong has interaction stats for (one request per 100 of them, at least one)."""
    quiet_runs: int = 0
    """Interaction stats: runs of consecutive periods without activity, one request each
    (more when Gong has stats there after all: see `activity.py`)."""
    activity_probe: int = 0
    """Requests of the activity probe (aggregate-by-period), which finds the company's
    first activity and the periods with activity before the stats are asked for."""
    answered_scorecards: int = 0
    library_folders: int = 0
    library_calls: int = 0
    """Distinct calls in the library folders, counted only when the run asks Gong for
    them (a rule on the parties, or a retention: `tables.NamesCall.asks`)."""
    reconciled_calls: int | None = None
    """Calls Gong lists in the reconcile window (`reconcile.py`), None when no reconcile
    pass runs; the pass sends no request while nothing is loaded in that window."""
    workspaces: int = 1
    managers: int = 0
    """Distinct `managerId`s among the users (coaching is asked per manager)."""
    coaching_periods: int = 0
    """Calendar months the window touches (coaching is asked per month)."""
    coaching_workspaces: int | None = None
    """Workspaces coaching is asked for: the one of `workspace_id`, else all (None)."""
    coaching_months_per_manager: Sequence[int] | None = None
    """An incremental run's months per manager (each from its saved month, less the
    stats lookback); None: every manager asks the `coaching_periods` of the window."""
    log_entries: Sequence[int] = (0, 0, 0, 0, 0)
    """Audit log entries in the window, per log type."""
    flows_per_user: Sequence[int] = field(default_factory=tuple)
    """Flows each user sees (company flows, their own and those shared with them)."""
    flow_folders_per_user: Sequence[int] = field(default_factory=tuple)
    flows: int = 0
    """Distinct flows (flow steps are asked 20 flows a request)."""
    permission_profiles: int = 0
    crm_integrations: int = 0
    excluding: bool = False
    """Calls are left out by rule (`exclude_titles`, `exclude_domains`): each page of
    answered scorecards, and of audit log entries naming calls, asks for its calls."""

    @property
    def coaching_requests(self) -> int:
        """Requests of coaching per workspace, beside its one listing of the workspaces."""
        if self.coaching_months_per_manager is not None:
            return sum(self.coaching_months_per_manager)
        return self.managers * self.coaching_periods

    @property
    def call_pages(self) -> int:
        """Pages of calls; transcripts and other per-call tables ride on each of them."""
        return math.ceil(self.calls / 100)
