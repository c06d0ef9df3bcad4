"""100,000 calls with transcripts, in a fresh process: seconds to build, not gigabytes."""

from __future__ import annotations

import json
import subprocess
import sys

# The peak RSS is read from /proc (VmHWM, this process's own memory since exec) where it
# exists: ru_maxrss is carried over from the parent across fork and exec on Linux, so a
# pytest process that has grown would be reported here as the sandbox's size.
SCRIPT = r"""
import json, resource, time


def peak_kb():
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

from datetime import datetime, timezone
import requests
from dlt_gong.sandbox import SandboxConfig, run_sandbox

started = time.perf_counter()
config = SandboxConfig(calls=100_000, users=300, days=365, rate_limit_per_second=None,
                       daily_quota=None, now=datetime(2026, 6, 15, 17, 30, tzinfo=timezone.utc))
with run_sandbox(config) as sb:
    build = time.perf_counter() - started
    rss_built = peak_kb()
    s = requests.Session()
    s.auth = (config.access_key, config.access_key_secret)
    served = 0
    body = {"filter": {"fromDateTime": "2025-09-01T00:00:00Z"},
            "contentSelector": {"context": "Extended", "exposedFields": {
                "parties": True, "content": {"topics": True, "trackers": True},
                "interaction": {"speakers": True}}}}
    transcripts = {"filter": {"fromDateTime": "2025-09-01T00:00:00Z"}}
    serve_started = time.perf_counter()
    for _ in range(5):
        page = s.post(f"{sb.url}/v2/calls/extensive", json=body).json()
        body["cursor"] = page["records"]["cursor"]
        page = s.post(f"{sb.url}/v2/calls/transcript", json=transcripts).json()
        transcripts["cursor"] = page["records"]["cursor"]
        served += len(page["callTranscripts"])
    print(json.dumps({
        "calls": len(sb.company.skeleton.start),
        "total": page["records"]["totalRecords"],
        "build_seconds": build,
        "serve_seconds": time.perf_counter() - serve_started,
        "rss_built_mb": rss_built / 1024,
        "rss_mb": peak_kb() / 1024,
        "skeleton_mb": sb.company.skeleton.memory_bytes() / 2**20,
        "served": served,
    }))
"""


def test_100000_calls_build_in_seconds_and_stay_small():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          timeout=120, check=True)  # fmt: skip
    m = json.loads(done.stdout.strip().splitlines()[-1])
    print(m)
    assert m["calls"] > 100_000  # history plus the calls still to come
    assert m["total"] > 70_000
    assert m["served"] == 500
    assert m["build_seconds"] < 10
    assert m["skeleton_mb"] < 20
    assert m["rss_built_mb"] < 200
    assert m["rss_mb"] < 400
