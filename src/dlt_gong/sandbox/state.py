"""Everything one running sandbox holds, built from its config in one place.

The HTTP app, the background server and the tests' handle all share this object, so a test
that moves ``clock`` or reads ``stats`` sees exactly what the server sees.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dlt_gong.sandbox.auth import Authenticator
from dlt_gong.sandbox.clock import SandboxClock
from dlt_gong.sandbox.company import Company
from dlt_gong.sandbox.concurrency import InFlight
from dlt_gong.sandbox.config import SandboxConfig
from dlt_gong.sandbox.faults import FaultInjector
from dlt_gong.sandbox.instruments import RequestStats
from dlt_gong.sandbox.latency import Latency
from dlt_gong.sandbox.limits import RateLimiter
from dlt_gong.sandbox.oauth import OAuthIssuer
from dlt_gong.sandbox.paging import CursorCodec

if TYPE_CHECKING:
    from dlt_gong.sandbox.exchange import Exchange


@dataclass
class SandboxState:
    """The parts of a sandbox; see :meth:`create`."""

    config: SandboxConfig
    clock: SandboxClock
    company: Company
    limiter: RateLimiter
    faults: FaultInjector
    auth: Authenticator
    stats: RequestStats
    cursors: CursorCodec
    latency: Latency
    on_exchange: list[Callable[[Exchange], None]] = field(default_factory=list)

    @classmethod
    def create(cls, config: SandboxConfig | None = None) -> SandboxState:
        """Build the company (the skeleton takes about a second per 100,000 calls) and the rest."""
        config = config or SandboxConfig()
        company = Company(config)
        clock = company.clock
        secret = hashlib.sha256(f"gong-sandbox-cursor:{config.seed}".encode()).digest()
        return cls(
            config=config,
            clock=clock,
            company=company,
            limiter=RateLimiter(clock, config.rate_limit_per_second, config.daily_quota),
            faults=FaultInjector(config.faults),
            auth=Authenticator(config, OAuthIssuer(config, clock)),
            stats=RequestStats(InFlight(config.max_concurrent_requests)),
            cursors=CursorCodec(secret, config.cursor_ttl_seconds),
            latency=Latency(config),
        )
