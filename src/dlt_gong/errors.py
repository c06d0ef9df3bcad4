"""What can go wrong talking to Gong, as exceptions a user can act on.

Each message is one line meant for the person running the load: it names the endpoint,
Gong's own error text and what to do. None of them ever contains a secret.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any


class GongError(Exception):
    """Base of every error this package raises on purpose."""


class GongConfigError(GongError):
    """The user's input is wrong (dates, resource names, base URL): fix and re-run.

    Raised by `bad` for one option's value, it keeps the option, the value and the
    problem apart, so that the command line can name the value as the user wrote it and
    where (`--lookback-days 1e9`, `SOURCES__GONG__RESOURCES=...`, a line of config.toml):
    see `told_as`."""

    def __init__(
        self,
        message: str,
        *,
        option: str | None = None,
        value: Any = None,
        problem: str | None = None,
    ) -> None:
        super().__init__(message)
        self.option = option
        self.value = value
        self.problem = problem

    @classmethod
    def bad(cls, option: str, value: Any, problem: str) -> GongConfigError:
        """`option`'s `value` is wrong: `problem` says why and what is allowed."""
        shown = repr(value) if isinstance(value, str) else str(value)
        return cls(f"{option} {shown} {problem}", option=option, value=value, problem=problem)

    def told_as(self, spelled: str) -> str:
        """The message with the value named as `spelled` (the user's own spelling)."""
        return f"{spelled} {self.problem}" if self.problem is not None else str(self)


class GongAuthError(GongError):
    """401/403: bad credentials or a missing scope. Never retried: one request, one answer."""

    def __init__(self, message: str, *, status: int, scope: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.scope = scope


class GongApiError(GongError):
    """Gong answered with an error that retrying will not fix (4xx other than 401/403/429)."""

    def __init__(self, message: str, *, status: int, errors: list[str]) -> None:
        super().__init__(message)
        self.status = status
        self.errors = errors


class GongUnavailableError(GongError):
    """Gong (or the network) kept failing after every retry, or the answer was not Gong's."""


class GongBusyError(GongError):
    """Another run of the same pipeline is in progress on this machine.

    Two runs of one pipeline share its state and staging (one can undo or empty the
    other's rows) and Gong's 3 requests a second (each would draw the other 429s), so
    `dlt-gong run` takes one at a time (a lock file beside the pipeline's state)."""


class GongQuotaExhausted(GongError):
    """The company's daily request quota is spent: waiting would take longer than allowed.

    Raised by the client; the source catches it, stops every resource cleanly and keeps
    what was extracted, so the next run continues where this one stopped. `dlt_gong.run`
    raises it again after that partial load is loaded (with `load_info` set), so a Python
    caller cannot mistake a partial load for a complete one.
    """

    load_info: Any = None
    """The `LoadInfo` of the partial load, when raised by `dlt_gong.run`."""

    def __init__(self, retry_after_seconds: float, resets_at: datetime) -> None:
        super().__init__(
            "Gong's daily API quota is spent (429 with Retry-After "
            f"{retry_after_seconds:.0f} s); it resets at {resets_at.isoformat(timespec='seconds')}."
            " What was extracted so far is kept; run again after that time to continue."
        )
        self.retry_after_seconds = retry_after_seconds
        self.resets_at = resets_at
