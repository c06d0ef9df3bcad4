"""Shared fixtures: running Gong sandboxes whose every exchange is held to Gong's contract.

``sandbox`` (one per session: a small company, rate limit and quota off, fixed start time)
and ``make_sandbox(**config)`` (as many as a test wants, stopped after it) both yield a
:class:`~dlt_gong.sandbox.RunningSandbox`. Each ``/v2`` exchange they serve goes to
``tests/contract.py``'s ``ContractValidator`` when that module exists; problems fail the
test that caused them. Leniency, and only this:

* injected faults (the exchange names one) may break the transport;
* a request the sandbox *rejected* with a 4xx may be out of contract (the test sent it on
  purpose; the response is still checked);
* ``@pytest.mark.contract_exempt("why")`` skips the check for deliberately foreign traffic.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Generator, Iterator
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # the sandbox needs its extra; tests that do not use it run without
    from dlt_gong.sandbox import Exchange, RunningSandbox, SandboxConfig

# A fixed start for the sandbox clock: same company, same answers, on every run.
TEST_NOW = datetime(2026, 6, 15, 17, 30, tzinfo=timezone.utc)

SESSION_CONFIG: dict[str, Any] = {
    "seed": 7,
    "users": 30,
    "calls": 600,
    "days": 60,
    "now": TEST_NOW,
    "rate_limit_per_second": None,
    "daily_quota": None,
}
FACTORY_DEFAULTS: dict[str, Any] = {
    "seed": 11,
    "users": 20,
    "calls": 300,
    "days": 30,
    "now": TEST_NOW,
    "rate_limit_per_second": None,
    "daily_quota": None,
}


def _validator_class() -> Any:
    """``contract.ContractValidator`` if another engineer's module is there yet, else None."""
    try:
        import contract  # tests/ is on sys.path (pytest's rootdir-relative imports)
    except ModuleNotFoundError:
        try:
            from tests import contract  # type: ignore[no-redef]
        except ModuleNotFoundError:
            return None
    return getattr(contract, "ContractValidator", None)


class ContractWatch:
    """Checks exchanges and keeps the problems of the test that is running."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._validator: Any = None
        self._loaded = False
        self._problems: list[str] = []
        self._exempt = False

    def _get_validator(self) -> Any:
        if not self._loaded:
            cls = _validator_class()
            if cls is not None:
                self._validator = cls.default() if hasattr(cls, "default") else cls()
            self._loaded = True
        return self._validator

    def begin(self, exempt: bool) -> None:
        with self._lock:
            self._problems = []
            self._exempt = exempt

    def end(self) -> list[str]:
        with self._lock:
            problems, self._problems = self._problems, []
            return problems

    def __call__(self, exchange: Exchange) -> None:
        if self._exempt:
            return
        validator = self._get_validator()
        if validator is None:
            return
        try:
            found = validator.check(exchange, allow_faults=exchange.fault is not None)
        except Exception as exc:  # the validator itself broke: report, don't crash the server
            found = [f"[validator] {type(exc).__name__}: {exc}"]
        if 400 <= exchange.status < 500:
            found = [p for p in found if not p.startswith("[request]")]
        if found:
            with self._lock:
                self._problems.extend(f"{exchange.method} {exchange.path}: {p}" for p in found)


WATCH = ContractWatch()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "contract_exempt(reason): do not check this test's exchanges against the spec"
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    WATCH.begin(exempt=item.get_closest_marker("contract_exempt") is not None)
    try:
        result = yield
    except BaseException:
        WATCH.end()
        raise
    problems = WATCH.end()
    if problems:
        shown = "\n  ".join(problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise AssertionError(f"the sandbox broke Gong's contract:\n  {shown}{more}")
    return result


def _start(stack: contextlib.ExitStack, config: SandboxConfig) -> RunningSandbox:
    from dlt_gong.sandbox import run_sandbox

    sandbox = stack.enter_context(run_sandbox(config))
    sandbox.on_exchange.append(WATCH)
    return sandbox


@pytest.fixture(scope="session")
def sandbox() -> Iterator[RunningSandbox]:
    """One sandbox for the session. Do not move its clock: use ``make_sandbox`` for that."""
    from dlt_gong.sandbox import SandboxConfig

    with contextlib.ExitStack() as stack:
        yield _start(stack, SandboxConfig(**SESSION_CONFIG))


@pytest.fixture
def make_sandbox() -> Iterator[Callable[..., RunningSandbox]]:
    """``make_sandbox(**config)`` starts a sandbox (small test defaults) stopped after the test."""
    from dlt_gong.sandbox import SandboxConfig

    with contextlib.ExitStack() as stack:

        def make(**config: Any) -> RunningSandbox:
            return _start(stack, SandboxConfig(**{**FACTORY_DEFAULTS, **config}))

        yield make
