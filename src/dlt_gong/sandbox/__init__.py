"""A faithful local Gong API v2, for tests, demos and benchmarks.

::

    from dlt_gong.sandbox import SandboxConfig, run_sandbox

    with run_sandbox(SandboxConfig(calls=2000, rate_limit_per_second=None)) as sb:
        ...  # talk HTTP to sb.url; compare with sb.company (ground truth)

or from the shell: ``dlt-gong sandbox --port 8765``. Error texts clients can match on are in
:mod:`dlt_gong.sandbox.messages`.
"""

from dlt_gong.sandbox.clock import SandboxClock
from dlt_gong.sandbox.company import Company, LazyList
from dlt_gong.sandbox.config import FaultConfig, SandboxConfig
from dlt_gong.sandbox.exchange import Exchange
from dlt_gong.sandbox.server import RunningSandbox, run_sandbox

__all__ = [
    "Company",
    "Exchange",
    "FaultConfig",
    "LazyList",
    "RunningSandbox",
    "SandboxClock",
    "SandboxConfig",
    "run_sandbox",
]
