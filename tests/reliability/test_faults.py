"""Faults the pipeline must survive: Gong's 5xx, 429 bursts, dropped connections, slow and
cut-off responses, and cursors that expire in the middle of paging.

Each scenario loads users, calls (all content, so every child table), call transcripts and
aggregated_activity from a small frozen-clock sandbox whose pages are 10 items long (so a
load pages through 10 pages of calls and 10 of transcripts), with one kind of fault
injected, then proves three things:

* the destination holds exactly the sandbox's data (``exact_proof``, every child table);
* the fault really fired (counted from the exchanges the sandbox served, not assumed);
* the client spent exactly one retry per injected failure and the sandbox served exactly
  the requests the client sent: no retry was lost, none was spent on a healthy answer.

The expired cursor is the real thing, not a flag: the sandbox clock jumps past the
cursor's lifetime while the client is on the third page of calls, so the next page's
cursor is refused exactly as Gong refuses an hour-old one, and the client must start the
paging again from the first page.

The client's backoff is shortened (50 ms base, 1 s cap) so a scenario takes seconds, not
minutes; the retry decisions are the production ones. Under ``DLT_GONG_SOAK`` the company
is six times bigger and the fault rates higher.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from proof import exact_proof
from report import Outcome

from dlt_gong import gong_source
from dlt_gong.sandbox import Exchange, FaultConfig, RunningSandbox, SandboxConfig, run_sandbox
from dlt_gong.sandbox.messages import CURSOR_EXPIRED
from dlt_gong.source import client_of
from e2e_helpers import Recorder, Truth, credentials, pipeline, run
from instants import NOW, days_before

SOAK = bool(os.environ.get("DLT_GONG_SOAK"))
DAYS = 6
START = days_before(NOW, DAYS)
TABLES = ["users", "calls", "call_transcripts", "call_transcript_sentences", "aggregated_activity"]
CALLS, PAGE = (600, 25) if SOAK else (60, 6)
CALL_PAGES = CALLS // PAGE
SCALE = 2.0 if SOAK else 1.0  # fault rates are doubled in the soak
READ_TIMEOUT = 1.0  # the client's read timeout in the slow scenarios (production: 120 s)
SLOW_SECONDS = 2.0  # how late a slow response comes: twice the read timeout
CURSOR_TTL = 60.0
EXPIRE_AFTER_PAGE = 3  # the clock jumps past the cursor TTL while serving this calls page


@dataclass(frozen=True)
class Scenario:
    name: str
    injected: str
    faults: FaultConfig
    kinds: tuple[str, ...]  # the fault names the exchanges carry when this one fired
    read_timeout: float | None = None  # None: the client's default
    expire_cursor_mid_paging: bool = False


def _rates(**rates: float) -> dict[str, float]:
    return {k: v * SCALE for k, v in rates.items()}


ALL_AT_ONCE = FaultConfig(
    **_rates(http_500=0.02, http_502=0.02, http_503=0.02, burst_429=0.02, reset=0.03,
             truncated=0.03, slow=0.04),
    burst_length=2, burst_retry_after=1, slow_seconds=SLOW_SECONDS,
    seed=1038,
)  # fmt: skip

SCENARIOS = [
    Scenario(
        "5xx at 10%",
        f"HTTP 500, 502 and 503 on {10 * SCALE:.0f}% of requests (a third each)",
        FaultConfig(**_rates(http_500=0.034, http_502=0.033, http_503=0.033), seed=11),
        ("http_500", "http_502", "http_503"),
    ),
    Scenario(
        "429 bursts with Retry-After",
        f"bursts of 3 consecutive 429s with Retry-After 1 s, starting on "
        f"{5 * SCALE:.0f}% of requests",
        FaultConfig(**_rates(burst_429=0.05), burst_length=3, burst_retry_after=1, seed=1),
        ("burst_429",),
    ),
    Scenario(
        "connection reset mid-response",
        f"headers and half the body, then the connection dropped, on {10 * SCALE:.0f}% of requests",
        FaultConfig(**_rates(reset=0.1), seed=2),
        ("reset",),
    ),
    Scenario(
        "responses slower than the timeout",
        f"responses delayed {SLOW_SECONDS:.0f} s (read timeout {READ_TIMEOUT} s) on "
        f"{10 * SCALE:.0f}% of requests",
        FaultConfig(**_rates(slow=0.1), slow_seconds=SLOW_SECONDS, seed=1),
        ("slow",),
        read_timeout=READ_TIMEOUT,
    ),
    Scenario(
        "truncated JSON",
        f"200 with the body cut at two thirds (Content-Length matching) on "
        f"{10 * SCALE:.0f}% of requests",
        FaultConfig(**_rates(truncated=0.1), seed=3),
        ("truncated",),
    ),
    Scenario(
        "cursor expired mid-paging",
        f"the sandbox clock jumps past the cursor lifetime ({CURSOR_TTL:.0f} s) while "
        f"page {EXPIRE_AFTER_PAGE} of {CALL_PAGES} of calls is served: the next cursor "
        "is refused (400 cursor has expired)",
        FaultConfig(),
        (),
        expire_cursor_mid_paging=True,
    ),
    Scenario(
        "all faults at once",
        f"5xx {6 * SCALE:.0f}%, 429 bursts {2 * SCALE:.0f}%, resets {3 * SCALE:.0f}%, "
        f"truncated {3 * SCALE:.0f}%, slow (beyond the timeout) {4 * SCALE:.0f}% and the "
        f"calls cursor expired after page {EXPIRE_AFTER_PAGE}, together",
        ALL_AT_ONCE,
        ("http_500", "http_502", "http_503", "burst_429", "reset", "truncated", "slow"),
        read_timeout=READ_TIMEOUT,
        # the expiry is placed, not drawn: a 3% draw fired in some runs and not in others
        expire_cursor_mid_paging=True,
    ),
]


def _expire_cursor_on_page(sb: RunningSandbox, page: int) -> Callable[[Exchange], None]:
    """An observer that moves the sandbox clock past the cursor TTL as it serves ``page``
    of calls (before the response is sent), once: the cursor in that page is then stale."""
    served = []

    def observe(e: Exchange) -> None:
        if e.endpoint == "POST /v2/calls/extensive" and e.status == 200:
            served.append(e)
            if len(served) == page:
                sb.clock.advance(CURSOR_TTL + 1)

    return observe


def _expired(recorder: Recorder) -> Counter[str | None]:
    """Cursors the sandbox refused as expired (a 400 carrying Gong's message), by endpoint."""
    return Counter(
        e.endpoint
        for e in recorder.exchanges
        if e.status == 400 and CURSOR_EXPIRED.encode() in e.response_body
    )


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_the_load_survives_the_fault_with_exact_data(
    scenario: Scenario, tmp_path: Path, report: Callable[[Outcome], None]
) -> None:
    """One fault kind (or all at once) on a whole load; the data is exact, the fault fired,
    and every injected failure cost exactly one retry."""
    config = SandboxConfig(
        seed=17, users=8, calls=CALLS, days=DAYS, page_size=PAGE, now=NOW, freeze_clock=True,
        rate_limit_per_second=None, daily_quota=None, late_call_rate=0.0,
        cursor_ttl_seconds=CURSOR_TTL, faults=scenario.faults,
    )  # fmt: skip
    with run_sandbox(config) as sb:
        recorder = Recorder()
        sb.on_exchange.append(recorder)
        if scenario.expire_cursor_mid_paging:
            sb.on_exchange.append(_expire_cursor_on_page(sb, EXPIRE_AFTER_PAGE))
        source = gong_source(
            credentials=credentials(sb), base_url=sb.url, start_date=START.isoformat(),
            resources=TABLES, requests_per_second=None, now=sb.clock.now(),
        )  # fmt: skip
        client = client_of(source)
        client.backoff_base_seconds, client.backoff_max_seconds = 0.05, 1.0
        if scenario.read_timeout is not None:
            client.timeout = (10.0, scenario.read_timeout)
        p = pipeline(tmp_path)
        run(p, source)
        # a timed-out response is only counted when the sandbox finally sends it
        deadline = time.monotonic() + SLOW_SECONDS + 2
        while len(recorder.exchanges) < client.requests_sent and time.monotonic() < deadline:
            time.sleep(0.05)
        proof = exact_proof(p, Truth(sb, START), TABLES, all_children=True)
        served = sb.stats()["requests"]
        fired = Counter(e.fault for e in recorder.exchanges if e.fault)
        refused = _expired(recorder)
        expired = sum(refused.values())

    assert served == client.requests_sent == len(recorder.exchanges)
    assert client.quota_exhausted is None
    # every response a fault shaped was retried, once; nothing else was
    assert client.retries == sum(fired.values()), (client.retries, fired)
    if scenario.kinds:
        assert set(fired) <= set(scenario.kinds), fired
        missing = [k for k in scenario.kinds if not fired[k]]
        assert not missing, f"never fired: {missing} ({fired})"
    if scenario.expire_cursor_mid_paging:
        # the one stale calls cursor; the re-read's are fresh. With other faults a retried
        # or prefetched page can carry a second cursor issued before the jump. Unpaced,
        # the other tables page side by side: one of theirs in flight at the jump is
        # stale too, and re-read alike
        calls = refused.pop("POST /v2/calls/extensive", 0)
        most = 2 if scenario.kinds else 1
        assert calls == 1 if not scenario.kinds else 1 <= calls <= 2, refused
        assert all(n <= most for n in refused.values()), refused
    else:
        assert expired == 0
    assert proof.duplicates == 0 and proof.loaded_rows == proof.expected_rows

    what = ", ".join(f"{n} {k}" for k, n in sorted(fired.items()))
    if expired:
        what = f"{what}, {expired} expired cursors" if what else f"{expired} expired cursors"
    restarts = "; re-read the sub-window of each refused cursor" if expired else ""
    report(
        Outcome(
            group="fault",
            scenario=scenario.name,
            injected=scenario.injected,
            behaviour=f"met {what}; retried each failed request once it came back "
            f"({client.retries} retries){restarts}; loaded exactly",
            expected_rows=proof.expected_rows,
            loaded_rows=proof.loaded_rows,
            duplicates=proof.duplicates,
            retries=client.retries,
            requests=served,
        )
    )
