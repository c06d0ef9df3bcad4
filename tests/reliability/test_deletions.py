"""Rows Gong loses between two runs are gone from the destination after the second.

The real `dlt-gong run` twice against a sandbox that deletes calls, makes calls private
and removes users and trackers as its clock moves: once at a fixed instant, then again
five days later, when every removal has happened. The second run must leave exactly the
sandbox's rows in every table, child tables included, each once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from cli_runs import dlt_gong, key_env
from processes import reader
from proof import exact_proof
from report import Outcome

from contract_watch import TEST_NOW
from dlt_gong.sandbox import SandboxConfig, run_sandbox
from e2e_helpers import Recorder, Truth, start_instant

DAYS = 10
START = (TEST_NOW - timedelta(days=DAYS)).date()
TABLES = ["users", "trackers", "calls", "call_transcripts", "call_transcript_sentences"]
RUN = ["run", "--start-date", START.isoformat(), "--resources", ",".join(TABLES),
       "--progress", "none"]  # fmt: skip


def test_deleted_private_and_removed_rows_are_gone_after_the_next_run(
    tmp_path: Path, report: Callable[[Outcome], None]
) -> None:
    config = SandboxConfig(
        seed=31, users=12, calls=160, days=DAYS + 5, now=TEST_NOW, freeze_clock=True,
        rate_limit_per_second=None, daily_quota=None, deleted_call_rate=0.1,
        privatized_call_rate=0.1, removed_settings_rate=0.3, removals_within_days=4,
    )  # fmt: skip
    with run_sandbox(config) as sb:
        recorder = Recorder()
        sb.on_exchange.append(recorder)

        def run() -> None:
            env = {**key_env(sb), "SOURCES__GONG__NOW": sb.company.now().isoformat()}
            done = dlt_gong(RUN, tmp_path, env)
            assert done.returncode == 0, done.stderr

        run()
        before = Truth(sb, START)
        exact_proof(reader(tmp_path), before, TABLES)
        calls_before = {c["metaData"]["id"] for c in before.public_calls()}
        users_before = {u["id"] for u in sb.company.users()}
        trackers_before = {t["trackerId"] for t in sb.company.trackers()}

        sb.clock.advance(5 * 86400)
        recorder.exchanges.clear()
        run()
        after = Truth(sb, START)
        proof = exact_proof(reader(tmp_path), after, TABLES)
        company = sb.company
        gone = calls_before - {c["metaData"]["id"] for c in after.public_calls()}
        listed = company.calls_basic(start_instant(START), None)
        private = {c["id"] for c in listed if c["isPrivate"]} & gone
        users_gone = users_before - {u["id"] for u in company.users()}
        trackers_gone = trackers_before - {t["trackerId"] for t in company.trackers()}
        assert gone and private and gone - private and users_gone and trackers_gone
        bodies = recorder.bodies("POST /v2/calls/extensive")
        listing = sum(1 for b in bodies if "contentSelector" not in b)
        served = len(recorder.exchanges)

    report(
        Outcome(
            group="deletions",
            scenario="calls deleted or made private, users and trackers removed",
            injected=f"after the first run: {len(gone - private)} calls deleted and "
            f"{len(private)} made private in Gong, {len(users_gone)} users and "
            f"{len(trackers_gone)} trackers removed",
            behaviour="the next run removed each from the destination with its child rows "
            f"(parties, transcript, sentences), listing calls with {listing} request(s) "
            "(metaData only); users and trackers replaced by their whole read",
            expected_rows=proof.expected_rows,
            loaded_rows=proof.loaded_rows,
            duplicates=proof.duplicates,
            retries=0,
            requests=served,
            exit_code=0,
        )
    )
