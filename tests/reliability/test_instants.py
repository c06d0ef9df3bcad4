"""Exact at any instant: a first load, a day passes, an incremental load; both exact.

The instants are the ones a careless connector gets wrong (``instants.EXACTNESS_INSTANTS``):
a weekday mid-morning in the company's time zone, when calls are going on and some that
started before the instant are not visible yet; a Sunday night whose UTC date is already
Monday; a month's last day ten minutes before midnight UTC. The sandbox and the source
share the instant (the source's ``now``), so the company, and the calls in progress at
the first load, are the same on every run of the suite.

At each instant the company holds public calls that only the lookback finds: processed
after the first load although they started before the newest call it saw (a call still
going on, or one processed late). A load with lookback 0 would lose them for good; the
source's default lookback reads them, and the proof (every table against the sandbox's
ground truth, every child table counted after the first load) holds after both loads.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from proof import exact_proof
from report import Outcome

from dlt_gong.sandbox import RunningSandbox, SandboxConfig, run_sandbox
from dlt_gong.windows import parse_instant
from e2e_helpers import Truth, load, pipeline
from instants import EXACTNESS_INSTANTS, INSTANT_IDS, days_before

DAYS = 6
TABLES = ["users", "calls", "call_transcripts", "call_transcript_sentences", "aggregated_activity"]
LATER = timedelta(hours=26)  # past the next UTC midnight and through a business day


def _found_by_the_lookback_only(sb: RunningSandbox, first: datetime, start: datetime) -> set[str]:
    """Public calls visible now, not at ``first``, that started before the newest call
    visible at ``first``: what a load at ``first`` with lookback 0 never asks for again."""
    company = sb.company
    before = list(company.calls(start, None, as_of=first))
    newest = max(parse_instant(c["metaData"]["started"]) for c in before)
    seen = {c["metaData"]["id"] for c in before}
    return {
        c["metaData"]["id"]
        for c in company.calls(start, newest)
        if c["metaData"]["id"] not in seen and not c["metaData"]["isPrivate"]
    }


@pytest.mark.parametrize(
    "now",
    [  # the first in make test, the others in make test-slow (CI runs both)
        pytest.param(now, id=name, marks=[pytest.mark.slow] if i else [])
        for i, (now, name) in enumerate(zip(EXACTNESS_INSTANTS, INSTANT_IDS, strict=True))
    ],
)
def test_a_load_and_the_next_days_load_are_exact(
    now: datetime, tmp_path: Path, report: Callable[[Outcome], None]
) -> None:
    config = SandboxConfig(seed=8, users=10, calls=240, days=DAYS, now=now, freeze_clock=True,
                           rate_limit_per_second=None, daily_quota=None)  # fmt: skip
    start = days_before(now, DAYS)
    with run_sandbox(config) as sb:
        p = pipeline(tmp_path)
        load(p, sb, start_date=start.isoformat(), resources=TABLES)
        truth = Truth(sb, start)
        first = exact_proof(p, truth, TABLES, all_children=True)
        sb.clock.advance(LATER.total_seconds())
        hidden = _found_by_the_lookback_only(sb, now, parse_instant(f"{start}T00:00:00Z"))
        assert hidden, "the scenario needs calls only the lookback finds"
        load(p, sb, start_date=start.isoformat(), resources=TABLES)
        # comments posted since on calls older than the lookback are not read again (by
        # design: tests/test_source_e2e.py holds them to the lookback), so the second proof
        # counts the child tables that cannot change: parties and transcript sentences
        second = exact_proof(p, truth, TABLES)
        assert first.duplicates == second.duplicates == 0
    name = INSTANT_IDS[EXACTNESS_INSTANTS.index(now)]
    report(
        Outcome(
            group="time",
            scenario=f"incremental load at {name}",
            injected=f"first load at {now:%a %Y-%m-%d %H:%M} UTC, the next {LATER} later; "
            f"{len(hidden)} calls appeared after the first load with a start before its "
            "newest call",
            behaviour="both loads exact (default lookback); lookback 0 would lose "
            f"{len(hidden)} calls",
            expected_rows=second.expected_rows,
            loaded_rows=second.loaded_rows,
            duplicates=second.duplicates,
        )
    )
