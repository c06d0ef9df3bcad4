"""One ``/v2`` request and the response the sandbox gave it, for observers.

Tests attach callbacks (``sandbox.on_exchange``) that receive these, e.g. to validate every
response against Gong's OpenAPI document. The attribute names match the contract
validator's ``ExchangeLike``. The ``Authorization`` header is never included.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Exchange:
    """A request/response pair; ``status`` is 0 when the connection was dropped (``fault``)."""

    method: str
    path: str
    query: Mapping[str, str]
    request_body: bytes
    status: int
    response_headers: Mapping[str, str]
    response_body: bytes  # what was sent (cut short for "reset" and "truncated")
    request_headers: Mapping[str, str] = field(default_factory=dict)  # content-type only
    endpoint: str | None = None  # "POST /v2/calls/extensive"; None for unknown paths
    fault: str | None = None  # the injected fault that shaped this response, if any
