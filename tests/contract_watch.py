"""The contract watch: every exchange a test's sandbox serves, held to Gong's spec.

A module of its own (not conftest.py) so tests can import it by a name no other folder's
conftest shadows. ``tests/conftest.py`` attaches ``WATCH`` to every sandbox it starts.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from instants import NOW

if TYPE_CHECKING:
    from dlt_gong.sandbox import Exchange

# A fixed, frozen sandbox clock: same company, same answers, on every run, whatever the
# wall clock says (a test that needs time to pass moves it: ``sb.clock.advance``).
TEST_NOW = NOW

SESSION_CONFIG: dict[str, Any] = {
    "seed": 7,
    "users": 30,
    "calls": 600,
    "days": 60,
    "now": TEST_NOW,
    "freeze_clock": True,
    "rate_limit_per_second": None,
    "daily_quota": None,
}
FACTORY_DEFAULTS: dict[str, Any] = {
    "seed": 11,
    "users": 20,
    "calls": 300,
    "days": 30,
    "now": TEST_NOW,
    "freeze_clock": True,
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
