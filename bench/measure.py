"""What a run is measured by: the peak resident memory of its process and of the
processes it starts (dlt's normalise workers), and the CPU time they spent."""

from __future__ import annotations

import os
import resource
import threading
from pathlib import Path


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB.

    /proc's VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so a child started
    by a big parent would report the parent's RSS at fork as its own peak.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> dict[str, float]:
    """CPU seconds (user, sys) this process and its ended children spent so far: dlt's
    normalise processes are waited for when their pool closes, so a difference taken
    around a run is the whole process tree's."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"user": own.ru_utime + kids.ru_utime, "sys": own.ru_stime + kids.ru_stime}


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _descendants(root: int) -> set[int]:
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # the command name may hold spaces and parentheses: fields follow the last ")"
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
    found = {root}
    grew = True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in found and pid not in found:
                found.add(pid)
                grew = True
    return found


def tree_rss_mb() -> float:
    """Resident memory of this process and every process under it, now, in MB."""
    return sum(_rss_kb(pid) for pid in _descendants(os.getpid())) / 1024


class TreePeak:
    """Samples `tree_rss_mb` every `interval` seconds in a thread, keeping the largest:
    dlt's normalise may run in processes of its own, whose memory the run also needs."""

    def __init__(self, interval: float = 0.1) -> None:
        self.interval = interval
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tree-peak", daemon=True)

    def __enter__(self) -> TreePeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss_mb())
            self._stop.wait(self.interval)
