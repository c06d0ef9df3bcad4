"""The daily quota spent in the middle of a run: stop within seconds, keep what loaded,
finish the range on the next day.

The real `dlt-gong run` in a subprocess against a sandbox (in this process) whose daily
quota runs out part-way through the range. Gong's answer to the request after the last one
of the day is a 429 whose Retry-After runs to UTC midnight: hours, not seconds. The run
must not sleep through it: it stops, loads what it had, prints one line naming the quota
on stderr and exits 1, all within seconds of the refusal (measured from the moment the
sandbox sent the 429 to the moment the process ended). What it loaded must be correct as
far as it goes: calls and transcripts the sandbox has, each once, each transcript with all
its sentences, each call with all its parties. Then the sandbox clock moves past UTC
midnight, the same command runs again (as often as the quota needs, one day each) and the
range ends up complete and exact.

The sandbox clock and the CLI's `now` start at the same fixed instant (17:30 UTC: the
Retry-After to UTC midnight is hours), whatever the wall clock says.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from processes import reader, run, start
from proof import exact_proof
from report import Outcome

from dlt_gong.sandbox import Exchange, SandboxConfig, run_sandbox
from e2e_helpers import Truth, rows
from instants import NOW, days_before

SOAK = bool(os.environ.get("DLT_GONG_SOAK"))
DAYS = 6
START = days_before(NOW, DAYS)
TABLES = ["users", "calls", "call_transcripts", "call_transcript_sentences"]
CALLS, PAGE, QUOTA = (600, 25, 20) if SOAK else (60, 10, 8)
# the clock moves a day between runs, so calls still going on at one run's instant show up
# later with a start before its saved position: a lookback longer than any call in this
# company (checked below) reads them; 0.1 day is too short to hide a position saved wrong
LOOKBACK_DAYS = 0.1
RUN = [
    "run", "--start-date", START.isoformat(), "--resources", ",".join(TABLES),
    "--lookback-days", str(LOOKBACK_DAYS), "--progress", "none",
]  # fmt: skip
# stopping, not waiting: the client's longest wait on a 429 is max_retry_after_seconds
# (300 s by default) and Gong's Retry-After here is hours. Loading what was extracted takes
# seconds on a quiet machine and more on a busy one (10 s was exceeded at load average 25)
STOP_WITHIN_SECONDS = 60.0
IN_FLIGHT = 3
"""Requests of an unpaced run on their way at once here: a sequence of users, a calls page
read ahead, a page's transcripts asked ahead."""


class Refusals:
    """When the sandbox sent each daily-quota 429, and its Retry-After."""

    def __init__(self) -> None:
        self.at: list[float] = []
        self.retry_after: list[int] = []
        self._lock = threading.Lock()

    def __call__(self, e: Exchange) -> None:
        if e.status == 429:
            with self._lock:
                self.at.append(time.monotonic())
                self.retry_after.append(int(e.response_headers["retry-after"]))


def test_quota_spent_mid_run_stops_in_seconds_and_the_next_day_completes(
    tmp_path: Path, report: Callable[[Outcome], None]
) -> None:
    """Quota out mid-range: exit 1 within seconds with one line, the partial load correct
    and duplicate-free, and after UTC midnight the next runs complete the range exactly."""
    config = SandboxConfig(
        seed=29, users=8, calls=CALLS, days=DAYS, page_size=PAGE, now=NOW,
        freeze_clock=True, rate_limit_per_second=None, daily_quota=QUOTA, late_call_rate=0.0,
        future_days=0,  # the range's calls only: a few requests a day cannot outrun new ones
    )  # fmt: skip
    with run_sandbox(config) as sb:
        sk = sb.company.skeleton  # the lookback covers the longest call and its processing
        assert max(sk.visible[i] - sk.start[i] for i in range(sk.n)) < LOOKBACK_DAYS * 86400
        refusals = Refusals()
        sb.on_exchange.append(refusals)
        proc = start(RUN, tmp_path, sb)
        out, err = proc.communicate(timeout=120)
        ended = time.monotonic()
        first = sb.stats()
        truth = Truth(sb, START)
        public = {c["metaData"]["id"]: c for c in truth.public_calls()}
        sentences = {
            t["callId"]: sum(len(m["sentences"]) for m in t["transcript"])
            for t in truth.transcripts()
        }

        assert proc.returncode == 1, err
        # the quota's requests, then a refusal for each request already on its way (unpaced,
        # the users, a calls page read ahead and a page's transcripts asked ahead go side
        # by side), then silence
        assert first["by_status"]["200"] == QUOTA and set(first["by_status"]) == {"200", "429"}
        refused = first["by_status"]["429"]
        assert 1 <= refused <= IN_FLIGHT and len(refusals.at) == refused
        assert min(refusals.retry_after) >= 3 * 3600
        stop_seconds = ended - refusals.at[0]
        assert stop_seconds < STOP_WITHIN_SECONDS, stop_seconds
        # the CLI's own line last; before it at most the library's one warning of the
        # same refusal (once per load, not once per table)
        *before, last = err.strip().splitlines()
        assert last.startswith(
            f"dlt-gong: Gong's daily API quota is spent (429 with Retry-After "
            f"{refusals.retry_after[0]} s); it resets at "
        ), err
        assert last.endswith(
            " What was extracted so far is kept; run again after that time to continue."
        ), err
        said = last.removeprefix("dlt-gong: ")
        # whichever table's request met the refusal says so (the calls pages are
        # prefetched, so it may be either)
        assert before in (
            [],
            [f"WARNING dlt_gong: calls stopped: {said}"],
            [f"WARNING dlt_gong: call_transcripts stopped: {said}"],
        ), err
        assert f"requests sent to Gong: {QUOTA + refused} " in out, out

        # what the stopped run loaded is right as far as it goes
        p = reader(tmp_path)
        calls = [str(r[0]) for r in rows(p, "select id from calls")]
        assert 0 < len(set(calls)) <= len(public) and len(calls) == len(set(calls))
        assert set(calls) <= set(public)
        parties = dict(
            rows(
                p,
                "select c.id, count(*) from calls__parties pa "
                "join calls c on pa._dlt_parent_id = c._dlt_id group by c.id",
            )
        )
        assert parties == {i: len(public[i]["parties"]) for i in calls if public[i]["parties"]}
        loaded_sentences = dict(
            rows(
                p,
                "select call_id, count(*) from call_transcript_sentences group by call_id",
            )
        )
        transcripts = [str(r[0]) for r in rows(p, "select call_id from call_transcripts")]
        assert len(transcripts) == len(set(transcripts)) and set(transcripts) <= set(calls)
        assert loaded_sentences == {i: sentences[i] for i in transcripts if sentences[i]}
        assert len(calls) < len(public) or len(transcripts) < len(sentences)  # it did stop
        partial_calls = len(calls)

        # the following days: each run spends that day's quota, until the range is complete
        runs, codes = 1, [proc.returncode]
        # positions move only by whole sub-windows (Gong promises no page order), so a
        # quota of a few requests a day, with the company's new calls, takes several days
        while codes[-1] != 0 and runs < 14:
            sb.clock.advance(refusals.retry_after[-1] + 1)  # past UTC midnight
            again = run(RUN, tmp_path, sb)
            runs += 1
            codes.append(again.returncode)
            assert again.returncode in (0, 1), again.stderr
        assert codes[-1] == 0, codes
        truth = Truth(sb, START)  # the clock moved: calls of the new days count too
        # not every child table: comments posted on a call after it was loaded reach the
        # destination only through the lookback (2.4 hours here), as documented
        proof = exact_proof(reader(tmp_path), truth, TABLES)
        served = sb.stats()["requests"]

    report(
        Outcome(
            group="quota",
            scenario="daily quota spent mid-run",
            injected=f"daily quota of {QUOTA} requests; request {QUOTA + 1} answered 429 with "
            f"Retry-After {refusals.retry_after[0]} s (to UTC midnight)",
            behaviour=f"stopped {stop_seconds:.1f} s after the 429 (no sleep), one line on "
            f"stderr naming the quota, exit 1, kept {partial_calls} of {len(public)} calls "
            f"(exact, no duplicates); after midnight {runs - 1} more run(s) "
            f"(exits {', '.join(map(str, codes))}) completed the range",
            expected_rows=proof.expected_rows,
            loaded_rows=proof.loaded_rows,
            duplicates=proof.duplicates,
            retries=0,
            requests=served,
            exit_code=1,
        )
    )
