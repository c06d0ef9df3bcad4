"""Gong's cursor pagination: fixed pages, a signed cursor bound to its request, expiry.

Gong returns ``records: {totalRecords, currentPageSize, currentPageNumber, cursor?}`` and
takes the cursor back (GET: query parameter; POST: top-level body field) with the request
otherwise unchanged. Its cursor is an HS256 JWT holding the page number and an ``exp``
(API.md §2.1). This one is the same kind of thing: ``header.payload.signature`` in base64url,
where the signature is an HMAC over the payload *and a fingerprint of the request it came
from*, so it only works with that request, and it expires ``ttl`` seconds after the first
request of the sequence, on the sandbox clock.

The cursor also carries the moment of the first request (``asOf``): later pages are served
as of then, so a sequence of pages is one consistent snapshot even while the clock moves
and new calls become visible. (Whether Gong snapshots is not documented; its cursor does
carry a fixed ``total``.)

Gong's exact error texts for stale and foreign cursors are not recorded; the ones used
(``messages.CURSOR_EXPIRED``, ``messages.INVALID_CURSOR``) are the sandbox's own.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from dlt_gong.sandbox import messages
from dlt_gong.sandbox.errors import BadRequestError

T = TypeVar("T")
_HEADER = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').rstrip(b"=").decode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def fingerprint(method: str, path: str, request: Mapping[str, Any]) -> bytes:
    """A digest of the request minus its cursor: GET query parameters or the POST body."""
    rest = {k: v for k, v in request.items() if k != "cursor"}
    canonical = json.dumps([method.upper(), path, rest], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).digest()


@dataclass(frozen=True)
class CursorState:
    """What a valid cursor says: which page, and the first request's moment."""

    page: int
    as_of: float  # epoch seconds, millisecond precision


class CursorCodec:
    """Issues and checks cursors for one sandbox."""

    def __init__(self, secret: bytes, ttl_seconds: float) -> None:
        self._secret = secret
        self.ttl = ttl_seconds

    def _sign(self, fp: bytes, payload: str) -> str:
        digest = hmac.new(self._secret, fp + f"{_HEADER}.{payload}".encode(), hashlib.sha256)
        return _b64(digest.digest())

    def issue(self, fp: bytes, page: int, as_of: float, total: int, page_size: int) -> str:
        """A cursor for ``page`` of the request with fingerprint ``fp``."""
        body = {
            "pageSize": page_size,
            "total": total,
            "pageNumber": page,
            "asOf": round(as_of * 1000),
            "exp": int(as_of + self.ttl),
        }
        payload = _b64(json.dumps(body, separators=(",", ":")).encode())
        return f"{_HEADER}.{payload}.{self._sign(fp, payload)}"

    def read(
        self, token: object, fp: bytes, now: float, force_expired: bool = False
    ) -> CursorState:
        """The state in ``token``; BadRequestError("Invalid cursor" / "cursor has expired")."""
        if not isinstance(token, str):
            raise BadRequestError(messages.INVALID_CURSOR)
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != _HEADER:
            raise BadRequestError(messages.INVALID_CURSOR)
        _, payload, signature = parts
        if not hmac.compare_digest(self._sign(fp, payload), signature):
            raise BadRequestError(messages.INVALID_CURSOR)
        try:
            body = json.loads(_unb64(payload))
            page, as_of_ms = int(body["pageNumber"]), int(body["asOf"])
        except (ValueError, KeyError, TypeError) as exc:
            raise BadRequestError(messages.INVALID_CURSOR) from exc
        as_of = as_of_ms / 1000.0
        if force_expired or now > as_of + self.ttl:
            raise BadRequestError(messages.CURSOR_EXPIRED)
        return CursorState(page=page, as_of=as_of)


@dataclass(frozen=True)
class Page:
    """One page of a result and its ``records`` object."""

    items: list[Any]
    records: dict[str, Any]


def page_of(items: Sequence[T], page: int, page_size: int, next_cursor: Any) -> Page:
    """Slice page ``page`` (0-based) out of ``items``; ``next_cursor(page)`` makes the cursor.

    ``records.cursor`` is present only when a later page exists, like Gong.
    """
    total = len(items)
    chunk = list(items[page * page_size : (page + 1) * page_size])
    records: dict[str, Any] = {
        "totalRecords": total,
        "currentPageSize": len(chunk),
        "currentPageNumber": page,
    }
    if (page + 1) * page_size < total:
        records["cursor"] = next_cursor(page + 1)
    return Page(chunk, records)
