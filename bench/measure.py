"""What a run is measured by: the peak RSS of its process."""

from __future__ import annotations

import resource
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
