"""SIGKILL at seeded points in extract, normalize and load; the re-run is exact.

Each trial starts the real `dlt-gong run` on a fresh working directory and kills it with
SIGKILL (no cleanup, no finally) at a point drawn from the trial's seed. The trials take
the three stages in turn, and the kill point is found by watching what the process does,
not by guessing a delay:

* extract: the sandbox kills the process while it serves the k-th request (k seeded),
  before the response is sent, so the process dies waiting for Gong;
* normalize: when the package being normalized holds j job files (j seeded), i.e. dlt
  is half-way through writing the normalized files;
* load: when k of the package's jobs (j seeded) are complete in the destination, i.e.
  part of the tables are in DuckDB's staging dataset and the merge has not run.

After the kill the stage it actually hit is read back from the pipeline's folders (a
package waiting in ``normalize/extracted`` or ``load/new``: normalize; in
``load/normalized``: load; none, with requests served: extract), and every trial must
have died before finishing. Then the same command runs again, in the same directory, with
lookback 0 (so a re-read cannot hide a loss; correct by design here, since the sandbox
clock stands still and no call becomes visible behind a saved position): it must exit 0,
leave no pending package, and the destination must hold exactly the sandbox's data, every
child table, each primary key once. The trials must cover all three stages.
"""

from __future__ import annotations

import functools
import os
import random
import re
import signal
import subprocess
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from processes import pending, pipeline_dir, reader, run, start
from proof import Proof, exact_proof
from report import Outcome

from dlt_gong.sandbox import Exchange, RunningSandbox, SandboxConfig, run_sandbox
from e2e_helpers import Truth
from instants import NOW, days_before

SOAK = bool(os.environ.get("DLT_GONG_SOAK"))
TRIALS = 30 if SOAK else 6  # two a stage in make test
STAGES = ("extract", "normalize", "load")
DAYS = 5
START = days_before(NOW, DAYS)
TABLES = ["users", "calls", "call_transcripts", "call_transcript_sentences"]
CALLS, PAGE = (150, 25) if SOAK else (30, 10)
REQUESTS = 1 + 2 * (CALLS // PAGE)  # users, then a page of calls and its transcripts
RUN = [
    "run", "--start-date", START.isoformat(), "--resources", ",".join(TABLES),
    "--lookback-days", "0", "--progress", "none",
]  # fmt: skip


class Killer:
    """Kills the armed process on the k-th request the sandbox serves (extract trials)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._left = 0
        self.fired = False

    def arm(self, pid: int, on_request: int) -> None:
        with self._lock:
            self._pid, self._left, self.fired = pid, on_request, False

    def disarm(self) -> None:
        with self._lock:
            self._pid = None

    def __call__(self, e: Exchange) -> None:
        with self._lock:
            if self._pid is None:
                return
            self._left -= 1
            if self._left == 0:
                os.kill(self._pid, signal.SIGKILL)
                self.fired, self._pid = True, None


@dataclass
class Trial:
    seed: int
    target: str
    point: str  # what the kill waited for
    hit: str = ""  # the stage the kill hit, read back from the pipeline's folders
    pending: int = 0  # packages left pending by the kill
    undone: int = 0  # rows the re-run removed before replaying an unrecorded job
    proof: Proof | None = None


@pytest.fixture(scope="module")
def sb() -> Iterator[tuple[RunningSandbox, Killer]]:
    config = SandboxConfig(
        seed=31, users=6, calls=CALLS, days=DAYS, page_size=PAGE,
        now=NOW, freeze_clock=True,
        rate_limit_per_second=None, daily_quota=None, late_call_rate=0.0,
    )  # fmt: skip
    with run_sandbox(config) as running:
        killer = Killer()
        running.on_exchange.append(killer)
        yield running, killer


def _jobs(package: Path, folder: str) -> int:
    where = package / folder
    return sum(1 for _ in where.iterdir()) if where.is_dir() else 0


def _packages(workdir: Path, folder: str) -> list[Path]:
    where = pipeline_dir(workdir) / folder
    return [p for p in where.iterdir() if p.is_dir()] if where.is_dir() else []


def _watch_and_kill(proc: subprocess.Popen[str], workdir: Path, ready: Callable[[], bool]) -> bool:
    """Polls every 2 ms until ``ready()``, then SIGKILLs; False if the process ended first."""
    while proc.poll() is None:
        if ready():
            proc.send_signal(signal.SIGKILL)
            return True
        time.sleep(0.002)
    return False


def _hit(workdir: Path, served: int) -> str:
    left = pending(workdir)
    if any(p.startswith("load/normalized/") for p in left):
        return "load"
    if left:
        return "normalize"
    if served < REQUESTS:
        return "extract"
    return "finished"  # the kill came too late: nothing was interrupted


UNDONE = re.compile(r"removed (\d+) rows an interrupted load had written")


def _undone(stdout: str) -> int:
    """Rows the re-run removed before replaying a job the kill caught between the commit
    and dlt's record of it (`dlt_gong.resume`): without that, they would load twice."""
    found = UNDONE.search(stdout)
    return int(found.group(1)) if found else 0


def _trial(n: int, sb: RunningSandbox, killer: Killer, workdir: Path) -> Trial:
    rng = random.Random(9000 + n)
    target = STAGES[n % len(STAGES)]
    before = sb.stats()["requests"]
    proc = start(RUN, workdir, sb)
    if target == "extract":
        k = rng.randint(1, REQUESTS - 1)
        trial = Trial(9000 + n, target, f"request {k} of {REQUESTS}")
        killer.arm(proc.pid, k)
        proc.wait(timeout=120)
        killer.disarm()
        assert killer.fired, "the run ended before the request the kill waited for"
    elif target == "normalize":
        j = rng.randint(0, 20)
        trial = Trial(9000 + n, target, f"{j} files normalized")
        killed = _watch_and_kill(
            proc,
            workdir,
            lambda: any(_jobs(p, "new_jobs") >= j for p in _packages(workdir, "load/new")),
        )
        assert killed, "the run ended before the kill"
        proc.wait(timeout=30)
    else:
        j = rng.randint(0, 25)
        trial = Trial(9000 + n, target, f"{j} jobs loaded")
        killed = _watch_and_kill(
            proc,
            workdir,
            lambda: any(
                _jobs(p, "completed_jobs") >= j for p in _packages(workdir, "load/normalized")
            ),
        )
        assert killed, "the run ended before the kill"
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    proc.communicate()
    trial.hit = _hit(workdir, sb.stats()["requests"] - before)
    trial.pending = len(pending(workdir))
    return trial


@pytest.mark.timeout(900)  # 20 CLI processes: past the suite's 300 s on a busy machine
def test_sigkill_anywhere_then_a_rerun_loads_exactly(
    sb: tuple[RunningSandbox, Killer], tmp_path: Path, report: Callable[[Outcome], None]
) -> None:
    """TRIALS seeded SIGKILLs spread over extract, normalize and load; each re-run in the
    same directory completes with exact data, no duplicates and nothing left pending."""
    sandbox, killer = sb
    truth = Truth(sandbox, START)
    trials: list[Trial] = []
    for n in range(TRIALS):
        workdir = tmp_path / f"trial-{n}"
        trial = _trial(n, sandbox, killer, workdir)
        again = run(RUN, workdir, sandbox)
        assert again.returncode == 0, (trial, again.stderr)
        assert pending(workdir) == [], trial
        trial.undone = _undone(again.stdout)
        try:
            trial.proof = exact_proof(reader(workdir), truth, TABLES, all_children=True)
        except AssertionError as exc:
            raise AssertionError(f"{trial}: {exc}") from None
        trials.append(trial)

    hits = {t.hit for t in trials}
    assert "finished" not in hits, [(t.seed, t.target, t.point, t.hit) for t in trials]
    assert hits == set(STAGES), [(t.seed, t.target, t.point, t.hit) for t in trials]
    served = sandbox.stats()["requests"]

    by_stage: dict[str, list[Trial]] = defaultdict(list)
    for t in trials:
        by_stage[t.hit].append(t)
    for stage in STAGES:
        done = by_stage[stage]
        proofs = [t.proof for t in done if t.proof is not None]
        points = "; ".join(t.point for t in done)
        left = sum(t.pending for t in done)
        undone = sum(t.undone for t in done)
        replays = (
            f"; it removed {undone} {'row' if undone == 1 else 'rows'} a killed job had "
            "committed unrecorded"
            if undone
            else ""
        )
        report(
            Outcome(
                group="crash",
                scenario=f"SIGKILL in {stage} ({len(done)} of {TRIALS} seeded trials)",
                injected=f"`dlt-gong run` killed with SIGKILL at: {points}",
                behaviour=f"the kill left {left} pending package(s) in all; the re-run "
                "(same directory) finished them, continued from the saved positions and "
                f"exited 0 with nothing pending{replays}",
                expected_rows=sum(p.expected_rows for p in proofs),
                loaded_rows=sum(p.loaded_rows for p in proofs),
                duplicates=sum(p.duplicates for p in proofs),
                retries=None,
                requests=served if stage == STAGES[0] else None,
            )
        )


PACKAGE_TRIALS = 6 if SOAK else 2
EVERY_PAGE_A_PACKAGE = "[sources.gong]\npackage_megabytes = 0.000001\nrequests_per_second = 1\n"
"""Every page a package of its own (`dlt_gong.chunked`: a package takes at least one
page), and a request a second, so that packages are loaded while requests are still due."""


def _loaded(workdir: Path) -> int:
    """Packages dlt has finished loading (it moves them to ``load/loaded``)."""
    return len(_packages(workdir, "load/loaded"))


@pytest.mark.slow  # make test keeps the kills at any instant; make test-slow (CI) runs this
def test_sigkill_between_packages_then_a_rerun_loads_exactly(
    sb: tuple[RunningSandbox, Killer], tmp_path: Path, report: Callable[[Outcome], None]
) -> None:
    """A run loads in packages while it reads Gong (`dlt_gong.chunked`), each with the
    positions its own pages reach. Killed after j packages were loaded and before the
    last, the re-run (lookback 0, so a re-read cannot hide a loss) loads exactly the rest."""
    sandbox = sb[0]
    truth = Truth(sandbox, START)
    points: list[str] = []
    proofs: list[Proof] = []
    for n in range(PACKAGE_TRIALS):
        workdir = tmp_path / f"packages-{n}"
        (workdir / ".dlt").mkdir(parents=True)
        (workdir / ".dlt" / "config.toml").write_text(EVERY_PAGE_A_PACKAGE)
        j = random.Random(9100 + n).randint(1, 3)
        before = sandbox.stats()["requests"]
        proc = start(RUN, workdir, sandbox)
        ready = functools.partial(lambda w, j: _loaded(w) >= j, workdir, j)
        assert _watch_and_kill(proc, workdir, ready), "the run ended before the kill"
        proc.wait(timeout=30)
        proc.communicate()
        served = sandbox.stats()["requests"] - before
        assert _loaded(workdir) < 1 + REQUESTS  # users, then a package per page
        points.append(f"{j} of {1 + REQUESTS} packages loaded, {served} of {REQUESTS} requests")
        again = run(RUN, workdir, sandbox)
        assert again.returncode == 0, again.stderr
        assert pending(workdir) == []
        proofs.append(exact_proof(reader(workdir), truth, TABLES, all_children=True))
    report(
        Outcome(
            group="crash",
            scenario=f"SIGKILL between load packages ({PACKAGE_TRIALS} seeded trials, "
            "every page a package)",
            injected=f"`dlt-gong run` killed with SIGKILL at: {'; '.join(points)}",
            behaviour="the re-runs went on from the positions the loaded packages saved and "
            "exited 0 with nothing pending",
            expected_rows=sum(p.expected_rows for p in proofs),
            loaded_rows=sum(p.loaded_rows for p in proofs),
            duplicates=sum(p.duplicates for p in proofs),
        )
    )
