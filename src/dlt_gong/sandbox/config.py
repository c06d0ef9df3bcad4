"""Typed configuration of a sandbox: the company it invents and how its API misbehaves.

One frozen dataclass per concern, with defaults that give a small realistic company behind
Gong's real limits (3 requests/s, 10,000/day), so ``SandboxConfig()`` is a faithful Gong
and every deviation from that is an explicit argument.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

CALLS_ORDERS = ("oldest_first", "newest_first", "shuffled")
CALLS_FILTER_TIMES = ("started", "scheduled")

# The faults that replace a response; at most one applies to a request, so their rates
# must add up to at most 1. ``slow`` and ``expired_cursor`` combine with any of them.
EXCLUSIVE_FAULTS = ("http_500", "http_502", "http_503", "burst_429", "reset", "truncated")
COMBINING_FAULTS = ("slow", "expired_cursor", "late_count")

_FAULT_ALIASES = {
    "500": "http_500",
    "502": "http_502",
    "503": "http_503",
    "429": "burst_429",
    "burst": "burst_429",
}


@dataclass(frozen=True)
class FaultConfig:
    """Probabilities (0-1) of injected failures on ``/v2`` requests; all off by default.

    Drawn from an RNG seeded with ``seed``, so a sequence of requests meets the same faults
    on every run.
    """

    http_500: float = 0.0
    http_502: float = 0.0
    http_503: float = 0.0
    burst_429: float = 0.0  # chance that a burst of ``burst_length`` 429s starts
    burst_length: int = 3
    burst_retry_after: int = 1
    reset: float = 0.0  # headers and part of the body, then the connection is dropped
    slow: float = 0.0  # the response is delayed by ``slow_seconds``
    slow_seconds: float = 2.0
    truncated: float = 0.0  # 200 with a body cut mid-JSON (Content-Length matches the cut)
    expired_cursor: float = 0.0  # a valid cursor is treated as expired
    # the request reaches the rate limiter ``late_count_seconds`` after it arrived (a busy
    # front end, the network): Gong's per-second window sees it later than it was sent
    late_count: float = 0.0
    late_count_seconds: float = 0.2
    seed: int = 0

    def __post_init__(self) -> None:
        for name in (*EXCLUSIVE_FAULTS, *COMBINING_FAULTS):
            rate = getattr(self, name)
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"fault rate {name}={rate} is not between 0 and 1")
        if sum(getattr(self, name) for name in EXCLUSIVE_FAULTS) > 1.0 + 1e-9:
            raise ValueError(f"the rates of {', '.join(EXCLUSIVE_FAULTS)} add up to more than 1")
        if self.burst_length < 1 or self.burst_retry_after < 1:
            raise ValueError("burst_length and burst_retry_after must be at least 1")
        if self.slow_seconds < 0 or self.late_count_seconds < 0:
            raise ValueError("slow_seconds and late_count_seconds must not be negative")

    @property
    def enabled(self) -> bool:
        """Whether any fault can happen at all."""
        return any(getattr(self, name) > 0 for name in (*EXCLUSIVE_FAULTS, *COMBINING_FAULTS))

    @classmethod
    def parse(cls, spec: str) -> FaultConfig:
        """Parse ``"500=0.05,502=0.02,429=0.01,reset=0.01,slow=0.01,seed=3"``.

        Keys are the field names or the short forms 500/502/503/429; ``seed``,
        ``burst_length``, ``burst_retry_after``, ``slow_seconds`` and ``late_count_seconds``
        set the knobs.
        """
        known = {f.name: f for f in fields(cls)}
        values: dict[str, float | int] = {}
        for part in filter(None, (p.strip() for p in spec.split(","))):
            key, sep, raw = part.partition("=")
            name = _FAULT_ALIASES.get(key.strip(), key.strip())
            if not sep or name not in known:
                raise ValueError(f"unknown fault {part!r} (known: {', '.join(known)})")
            try:
                values[name] = int(raw) if known[name].type in ("int", int) else float(raw)
            except ValueError as exc:
                raise ValueError(f"fault {key!r}: {raw!r} is not a number") from exc
        return cls(**values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class SandboxConfig:
    """Everything that defines a sandbox; same config (and ``now``) means same responses.

    The company has ``calls`` calls in the ``days`` before ``now`` and keeps having calls at
    the same rate for ``future_days`` after it; those appear as the sandbox clock moves.
    """

    # -- the company ------------------------------------------------------------------
    seed: int = 7
    users: int = 50
    calls: int = 1000
    days: int = 90
    future_days: int = 30
    workspaces: int = 2
    time_zone: str = "America/Los_Angeles"
    now: datetime | None = None  # start of the sandbox clock; None = real UTC now (to 1 s)
    freeze_clock: bool = False  # True: time moves only by clock.advance()/set()
    private_call_rate: float = 0.05
    processing_delay_minutes: float = 5.0  # calls become visible this long after they end
    late_call_rate: float = 0.02  # ... except this fraction, processed hours later
    late_call_delay_hours: float = 20.0
    # Which day a call's interaction stats count on. Gong's spec says only that they are
    # "based on calls"; "started" (the call's day, where its host's callsAsHost is) is
    # the guess dlt-gong is built around; "processed" (the day Gong processed it) serves
    # the other possibility: stats on a day without activity.
    interaction_stats_day: str = "started"
    # audit log entries are listed up to this long after their eventTime, each its own
    # delay (guess: Gong does not say how soon an entry is listed); 0 = at once
    log_delay_minutes: float = 0.0
    # what Gong loses after the clock starts, each at a time drawn per row from the seed
    # within ``removals_within_days`` of the start (or of the call becoming visible)
    deleted_call_rate: float = 0.0  # calls deleted in Gong
    privatized_call_rate: float = 0.0  # public calls made private
    removed_settings_rate: float = 0.0  # users, trackers, scorecards, folders, folder entries
    removals_within_days: float = 7.0
    # calls whose transcript Gong produced again (say, after a re-transcription a user
    # asked for): the same call, another transcript, as a second load after the first sees
    retranscribed_calls: tuple[str, ...] = ()

    # -- the API ----------------------------------------------------------------------
    host: str = "127.0.0.1"
    port: int = 0  # 0 = a free port
    access_key: str = "sandbox-access-key"
    access_key_secret: str = field(default="sandbox-access-key-secret", repr=False)
    bearer_tokens: tuple[str, ...] = field(default=(), repr=False)
    # Granted OAuth scopes per access key or bearer token; None = everything allowed.
    # A credential missing from the mapping is unrestricted.
    scopes: Mapping[str, frozenset[str]] | None = field(default=None, repr=False)
    # An OAuth app installed in the company: its client, the refresh tokens it holds
    # (single use: each refresh spends one and issues the next), how long an access token
    # lives on the sandbox clock (Gong: a day by default, UNCERTAIN), and the 401 text for
    # an expired one ("expired" or "generic": Gong's wording is unrecorded)
    oauth_client_id: str = "sandbox-client-id"
    oauth_client_secret: str = field(default="sandbox-client-secret", repr=False)
    oauth_refresh_tokens: tuple[str, ...] = field(default=(), repr=False)
    oauth_access_token_seconds: float = 86_400.0
    oauth_expired_token_text: str = "expired"
    # The scopes the OAuth app was granted: its access tokens may use these only, and the
    # token endpoint's ``scope`` lists them (space-separated); None = every scope the API has
    oauth_scopes: frozenset[str] | None = None
    rate_limit_per_second: int | None = 3
    daily_quota: int | None = 10_000
    page_size: int = 100
    cursor_ttl_seconds: float = 3600.0
    # Gong's spec promises no order for pages of calls: "oldest_first" (start time, then
    # id), "newest_first", or "shuffled" (a new order for each pagination sequence)
    calls_order: str = "oldest_first"
    # What calls' date filters compare. The spec (GET /v2/calls, fromDateTime): "For
    # web-conference calls recorded by Gong, the date denotes its scheduled time,
    # otherwise, it denotes its actual start time" = "scheduled"; "started" = start only.
    calls_filter_time: str = "started"
    # Each /v2 request moves a frozen clock this far: the time a load spends paging (so
    # cursors can expire on a frozen clock); 0 = time moves only when a test moves it
    answer_seconds: float = 0.0
    # Gong is far away, and Gong's spec promises no latency: each /v2 request is counted by
    # the rate limiter when it arrives and answered ``latency_seconds`` later, plus
    # ``latency_per_item_seconds`` for each item of the answer's list (a page of 100 calls
    # with content is slower than a page of users), plus or minus a uniform jitter of up to
    # ``latency_jitter_seconds`` drawn from ``seed`` (never below 0); 0 = answered at once.
    # Real time, not the sandbox clock: it is about how long a client waits.
    latency_seconds: float = 0.0
    latency_per_item_seconds: float = 0.0
    latency_jitter_seconds: float = 0.0
    # Gong may allow a company only so many requests at once (third-party documentation
    # says 3; unconfirmed): a request arriving while this many are being served (from their
    # arrival until their answer starts) gets Gong's 429 with Retry-After 1, counted neither
    # in the per-second window nor in the day's quota; None = no cap
    max_concurrent_requests: int | None = None
    faults: FaultConfig = field(default_factory=FaultConfig)
    # True: calls, their parties and users carry fields the spec does not describe, as
    # when Gong ships a field before documenting it (the list is in ``unknown.py``)
    unknown_fields: bool = False

    def __post_init__(self) -> None:
        if self.users < 1:
            raise ValueError("a company needs at least one user")
        if self.calls < 0 or self.days < 1 or self.future_days < 0:
            raise ValueError("calls must be >= 0, days >= 1 and future_days >= 0")
        if not 1 <= self.workspaces <= 20:
            raise ValueError("workspaces must be between 1 and 20")
        if self.log_delay_minutes < 0:
            raise ValueError("log_delay_minutes must not be negative")
        if self.oauth_access_token_seconds <= 0:
            raise ValueError("oauth_access_token_seconds must be positive")
        if self.oauth_expired_token_text not in ("expired", "generic"):
            raise ValueError('oauth_expired_token_text must be "expired" or "generic"')
        for name in ("private_call_rate", "late_call_rate", "deleted_call_rate",
                     "privatized_call_rate", "removed_settings_rate"):  # fmt: skip
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        if self.removals_within_days < 0:
            raise ValueError("removals_within_days must not be negative")
        if self.interaction_stats_day not in ("started", "processed"):
            raise ValueError("interaction_stats_day must be 'started' or 'processed'")
        if self.calls_order not in CALLS_ORDERS:
            raise ValueError(f"calls_order must be one of {', '.join(CALLS_ORDERS)}")
        if self.calls_filter_time not in CALLS_FILTER_TIMES:
            raise ValueError(f"calls_filter_time must be one of {', '.join(CALLS_FILTER_TIMES)}")
        if self.cursor_ttl_seconds <= 0 or self.answer_seconds < 0:
            raise ValueError("cursor_ttl_seconds must be positive and answer_seconds >= 0")
        for name in ("latency_seconds", "latency_per_item_seconds", "latency_jitter_seconds"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.max_concurrent_requests is not None and self.max_concurrent_requests < 1:
            raise ValueError("max_concurrent_requests must be at least 1 (None: no cap)")
        if self.page_size < 1:
            raise ValueError("page_size must be at least 1")
        if self.now is not None and self.now.tzinfo is None:
            raise ValueError("now must be an aware datetime")
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.time_zone!r}") from exc

    @property
    def tz(self) -> ZoneInfo:
        """The company's time zone."""
        return ZoneInfo(self.time_zone)
