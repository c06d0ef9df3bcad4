"""The sandbox in its own process, as the engineering guide asks: these machines have two
cores, and a sandbox sharing the pipeline's interpreter lock would slow both and make the
figures measure the lock. Its clock is set to an explicit instant and frozen, so the
in-process ground truth (same seed, same instant) holds exactly the same company.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import requests

from bench.sizes import Size

ACCESS_KEY = "sandbox-access-key"
ACCESS_KEY_SECRET = "sandbox-access-key-secret"
_CLI = Path(sys.executable).with_name("dlt-gong")


@dataclass
class SandboxProcess:
    """A running ``dlt-gong sandbox`` child: its URL and its instruments."""

    url: str
    process: subprocess.Popen[str]

    def stats(self) -> dict[str, Any]:
        """``GET /_sandbox/stats``: requests served, by endpoint and by status."""
        return _get(self.url, "/_sandbox/stats")

    def reset(self) -> None:
        """Zero the request counters and the day's quota use before a measured run."""
        requests.post(f"{self.url}/_sandbox/reset", timeout=30).raise_for_status()
        requests.post(f"{self.url}/_sandbox/quota", json={"used": 0}, timeout=30)

    def quota(self) -> dict[str, Any]:
        return _get(self.url, "/_sandbox/quota")


def _get(url: str, path: str) -> dict[str, Any]:
    response = requests.get(f"{url}{path}", timeout=30)
    response.raise_for_status()
    found: dict[str, Any] = response.json()
    return found


@dataclass(frozen=True)
class Network:
    """How far away the sandbox is: each answer's latency (seconds, plus or minus a uniform
    jitter) and the cap on requests served at once (None: no cap)."""

    latency: float = 0.0
    jitter: float = 0.0
    max_concurrent: int | None = None

    def flags(self) -> list[str]:
        """The ``dlt-gong sandbox`` flags that serve it."""
        flags = ["--latency", str(self.latency), "--latency-jitter", str(self.jitter)]
        if self.max_concurrent is not None:
            flags += ["--max-concurrent", str(self.max_concurrent)]
        return flags


NEAR = Network()
"""A sandbox that answers at once, any number of requests side by side."""


@contextmanager
def sandbox(
    size: Size, now: datetime, *, throttled: bool, network: Network = NEAR
) -> Iterator[SandboxProcess]:
    """Starts ``dlt-gong sandbox`` for ``size`` (limits on or off, behind ``network``),
    stops it on exit."""
    args = [
        str(_CLI), "sandbox", "--port", "0", "--seed", str(size.seed),
        "--users", str(size.users), "--calls", str(size.calls), "--days", str(size.days),
        "--now", now.isoformat(),
    ]  # fmt: skip
    if not throttled:
        args.append("--no-rate-limit")
    if network != NEAR:
        args += network.flags()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        found = re.search(r"http://\S+", line)
        if not found:
            raise RuntimeError(f"the sandbox did not start: {line!r}")
        url = found.group(0)
        clock = requests.post(
            f"{url}/_sandbox/clock", json={"now": now.isoformat(), "frozen": True}, timeout=30
        )
        clock.raise_for_status()
        yield SandboxProcess(url, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
