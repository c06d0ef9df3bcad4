"""Running the sandbox: uvicorn in a background thread (tests, demos) or in the foreground.

The socket is bound before uvicorn starts (port 0 = a free port the OS picks), so the URL
is known immediately and two sandboxes never race for a port. Shutdown asks uvicorn to
exit and waits for its thread; idle keep-alive connections are closed, so it takes a
fraction of a second.
"""

from __future__ import annotations

import logging
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from types import FrameType
from typing import Any

import uvicorn

from dlt_gong.sandbox.app import create_app
from dlt_gong.sandbox.clock import SandboxClock
from dlt_gong.sandbox.collector import collecting_when_idle
from dlt_gong.sandbox.company import Company
from dlt_gong.sandbox.config import SandboxConfig
from dlt_gong.sandbox.exchange import Exchange
from dlt_gong.sandbox.limits import RateLimiter
from dlt_gong.sandbox.oauth import TOKEN_PATH, OAuthIssuer
from dlt_gong.sandbox.state import SandboxState

_DROPPED = "ASGI callable returned without completing response."


class _QuietResetFilter(logging.Filter):
    """Hide uvicorn's error line for connections the "reset" fault drops on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != _DROPPED


_filter_installed = False


def _install_log_filter() -> None:
    global _filter_installed
    if not _filter_installed:
        logging.getLogger("uvicorn.error").addFilter(_QuietResetFilter())
        _filter_installed = True


class RunningSandbox:
    """A live sandbox: its URL, ground truth, clock, counters and exchange observers."""

    def __init__(self, state: SandboxState, url: str) -> None:
        self._state = state
        self.url = url

    @property
    def config(self) -> SandboxConfig:
        """The configuration it was started with."""
        return self._state.config

    @property
    def company(self) -> Company:
        """The ground truth: one method per endpoint (see :class:`Company`)."""
        return self._state.company

    @property
    def clock(self) -> SandboxClock:
        """The sandbox clock; ``advance``/``set`` it to make time pass."""
        return self._state.clock

    @property
    def limits(self) -> RateLimiter:
        """The company's rate limiter (``set_used_today`` to spend quota cheaply)."""
        return self._state.limiter

    @property
    def on_exchange(self) -> list[Callable[[Exchange], None]]:
        """Callbacks called with every ``/v2`` :class:`Exchange` before its response is sent."""
        return self._state.on_exchange

    @property
    def oauth(self) -> OAuthIssuer:
        """The OAuth app's tokens: refreshes granted, ``expire_access_tokens()``, ..."""
        return self._state.auth.oauth

    @property
    def token_url(self) -> str:
        """The OAuth token endpoint (Gong's is on its app host, not the API's)."""
        return self.url + TOKEN_PATH

    def stats(self) -> dict[str, Any]:
        """The same dict as ``GET /_sandbox/stats``."""
        return self._state.stats.snapshot()

    def reset_stats(self) -> None:
        """Zero the request counters (``POST /_sandbox/reset``)."""
        self._state.stats.reset()

    def now(self) -> datetime:
        """The sandbox clock's time."""
        return self._state.clock.now()

    def __repr__(self) -> str:
        return f"RunningSandbox({self.url})"


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: any free port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must be IPPROTO_TCP: asyncio only sets TCP_NODELAY on accepted sockets of such
    # listeners, and without it every keep-alive response waits ~40 ms for a delayed ACK
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


@contextmanager
def run_sandbox(config: SandboxConfig | None = None) -> Iterator[RunningSandbox]:
    """Serve a sandbox on ``config.host:config.port`` in a background thread.

    ::

        with run_sandbox(SandboxConfig(calls=500, rate_limit_per_second=None)) as sb:
            requests.get(f"{sb.url}/v2/users", auth=(sb.config.access_key, ...))
    """
    config = config or SandboxConfig()
    state = SandboxState.create(config)
    sock = bind_socket(config.host, config.port)
    _install_log_filter()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(state),
            log_config=None,
            log_level="warning",
            access_log=False,
            lifespan="off",
            server_header=False,
            timeout_graceful_shutdown=2,
        )
    )
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="gong-sandbox", daemon=True
    )
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the Gong sandbox failed to start")
            thread.join(0.01)
        yield RunningSandbox(state, _url(sock))
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def serve_forever(config: SandboxConfig, announce: Callable[[str], None]) -> None:
    """Serve until SIGINT or SIGTERM (the ``dlt-gong sandbox`` command).

    ``announce`` gets the URL once the socket listens. The process serves only the
    sandbox, so its full garbage collections wait for idle moments (``collector.py``).
    """
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with run_sandbox(config) as sandbox, collecting_when_idle(sandbox.stats):
            announce(sandbox.url)
            while not stop.wait(0.5):
                pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
