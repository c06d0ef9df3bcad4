"""One HTTP client for every resource: auth, pacing, retries, error mapping, paging.

Every request of a load goes through one `GongClient`, so the rate limit is shared, every
error is judged the same way and the request count is exact. The rules, from Gong's docs
and from what broke other connectors:

* 429: wait `Retry-After` (seconds) and retry, unless the wait is longer than
  `max_retry_after_seconds`: that is the daily quota, and we stop cleanly instead of
  sleeping for hours (`GongQuotaExhausted`).
* 5xx, timeouts, dropped connections, and 200s whose JSON is cut off: retry with
  exponential backoff and jitter. Until the host has answered once, a connection that
  cannot even be opened (refused, unknown host, connect timeout) is tried only
  `FIRST_CONTACT_ATTEMPTS` times: that is a wrong base URL or no network, and minutes of
  backoff would only hide it.
* 401/403: fail at once with a message naming the credential or the missing scope.
* 404: empty only when Gong's message says nothing was found (the endpoint's row lists
  those messages); any other 404, and every other 4xx, is raised with Gong's text.
"""

from __future__ import annotations

import functools
import json
import logging
import random
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import orjson
import requests
import urllib3
from tenacity import RetryCallState, Retrying, retry_if_exception_type

from dlt_gong import wire
from dlt_gong.endpoints import Endpoint
from dlt_gong.errors import (
    GongApiError,
    GongAuthError,
    GongQuotaExhausted,
    GongUnavailableError,
)
from dlt_gong.ratelimit import SlidingWindowLimiter

T = TypeVar("T")
A = TypeVar("A")

logger = logging.getLogger("dlt_gong")

SCOPE_MISSING = re.compile(r"permission to use '([^']+)'")
USER_AGENT = "dlt-gong/0.1"
FIRST_CONTACT_ATTEMPTS = 3
ERRNO_TEXT = re.compile(r"\[Errno -?\d+\] ([^)\]'\"]+)")


class _Retryable(Exception):
    """A failure worth another try; `retry_after` is Gong's own wait, when it gave one."""

    def __init__(
        self, reason: str, retry_after: float | None = None, *, no_connection: bool = False
    ) -> None:
        super().__init__(reason)
        self.retry_after = retry_after
        self.no_connection = no_connection


class CursorRefused(Exception):
    """Gong answered 400 to a request that carried a cursor.

    Whatever its text: Gong's words for an expired or foreign cursor are not in the spec
    nor in any recording (the sandbox's "cursor has expired" is its own, a guess), and the
    rest of such a request was accepted on its first page. So the caller re-reads: pages()
    from the first page, the calls reader the sub-window (`calls_reader.py`).
    """


class Restarted(list[dict[str, Any]]):
    """The empty page `GongClient.items` yields where a paging sequence starts again from
    its first page, Gong having refused its cursor: the pages before it will come again.
    A consumer that keeps a whole table drops them (`reconcile.whole_table`); to any other
    it is a page with nothing on it."""


def last_read(read: Iterable[list[dict[str, Any]]]) -> list[list[dict[str, Any]]]:
    """The pages of one paging sequence (`GongClient.items`) as its last read from the
    first page had them: those before a `Restarted` come again after it."""
    pages: list[list[dict[str, Any]]] = []
    for items in read:
        if isinstance(items, Restarted):
            pages.clear()
        pages.append(items)
    return pages


_RESTART: dict[str, Any] = {}
"""What `pages` yields in `Restarted`'s place (compared by identity)."""


class _TokenRefused(Exception):
    """A 401 that is not a missing scope, to credentials that can be renewed."""

    def __init__(self, error: GongAuthError, authorization: str) -> None:
        super().__init__(str(error))
        self.error = error
        self.authorization = authorization


class _GongAuth(requests.auth.AuthBase):
    """Adds the Authorization header at send time, so it is never in a logged dict.

    With `renew` (OAuth with a refresh token), a 401 that is not a missing scope gets the
    token renewed and the request sent once more: Gong's text for an expired token is
    unrecorded (guess: any 401 may be one), and a second 401 is a real refusal.
    """

    def __init__(
        self, authorization: Callable[[], str], renew: Callable[[str], bool] | None = None
    ) -> None:
        self._authorization = authorization
        self.renew = renew

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = self._authorization()
        return r

    def __repr__(self) -> str:
        return "<GongAuth ***>"


class GongClient:
    """Talks to one Gong company on behalf of every resource of a load."""

    def __init__(
        self,
        base_url: str,
        authorization: Callable[[], str],
        *,
        describe_credentials: str = "the configured credentials",
        requests_per_second: int | None = 3,
        max_in_flight: int = 3,
        max_retry_after_seconds: float = 300.0,
        max_attempts: int = 8,
        backoff_base_seconds: float = 1.0,
        backoff_max_seconds: float = 60.0,
        timeout_seconds: float = 120.0,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        renew_authorization: Callable[[str], bool] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.describe_credentials = describe_credentials
        self.max_retry_after_seconds = max_retry_after_seconds
        self.max_attempts = max_attempts
        self.backoff_base_seconds = backoff_base_seconds
        self.backoff_max_seconds = backoff_max_seconds
        self.timeout = (min(10.0, timeout_seconds), timeout_seconds)
        if session is None:
            session = requests.Session()
            session.mount("https://", wire.TimedAdapter())
            session.mount("http://", wire.TimedAdapter())
        self.session = session
        self.session.headers["User-Agent"] = USER_AGENT
        self._auth = _GongAuth(authorization, renew_authorization)
        self._sleep = sleep
        self.limiter = SlidingWindowLimiter(requests_per_second, sleep=sleep)
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be a positive whole number")
        self.max_in_flight = max_in_flight
        """Requests on the wire at once at most, paced or not."""
        self.requests_sent = 0
        """Every HTTP request sent, retries included: what Gong counts against the quota."""
        self._counting = threading.Lock()  # pages are prefetched on another thread
        self._wire = threading.BoundedSemaphore(max_in_flight)
        """At most `max_in_flight` requests on the wire. Behind a far Gong (hundreds of
        milliseconds an answer) one request at a time runs at one a second, not three; so
        several go side by side, each dated by the rate limiter at its write (see
        `ratelimit.py`), and never more than Gong may allow at once (third-party
        documentation says 3 concurrent requests a company; unconfirmed, so 3 by
        default). Unpaced, the same bound: nothing to count, and a page's transcripts asked
        ahead are read while the next page is."""
        self._prefetcher: ThreadPoolExecutor | None = None
        self._background: ThreadPoolExecutor | None = None
        self._ahead: ThreadPoolExecutor | None = None
        self.retries = 0
        self.quota_exhausted: GongQuotaExhausted | None = None
        """Set once Gong says the daily quota is spent; later requests are not sent."""
        self.answered = False
        """Whether the host has sent any HTTP response yet (see FIRST_CONTACT_ATTEMPTS)."""
        self.spoke_gong = False
        """Whether the host has answered with Gong's JSON yet: until then an HTML page, even
        a 5xx, says the base URL is not Gong's API, and is not retried."""
        self._remembered: dict[str, dict[str, Any]] = {}

    # -- one request ------------------------------------------------------------------

    def request(
        self,
        endpoint: Endpoint,
        *,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        path_params: Mapping[str, str] | None = None,
    ) -> dict[str, Any] | None:
        """Sends one logical request, retrying what is worth retrying.

        Returns the JSON body, or None when Gong says nothing was found.
        """
        if self.quota_exhausted is not None:
            raise self.quota_exhausted
        remembered = self._remembered.pop(_request_key(endpoint, params, body, path_params), None)
        if remembered is not None:
            return remembered
        path = endpoint.path.format(**(path_params or {}))
        retrying = Retrying(
            stop=self._stop,
            wait=self._wait,
            retry=retry_if_exception_type(_Retryable),
            sleep=self._sleep,
            before_sleep=self._count_retry,
            reraise=True,
        )
        refused_tokens: set[str] = set()  # each access token is renewed once a request
        try:
            for attempt in retrying:
                with attempt, self._wire:  # at most max_in_flight on the wire (see _wire)
                    if self.quota_exhausted is not None:  # met while this one waited
                        raise self.quota_exhausted
                    try:
                        return self._send(endpoint, path, params, body)
                    except _TokenRefused as refused:
                        # a token refused again is refused for good; a renewed one that
                        # expired too (other threads' requests between) is renewed again
                        seen = refused.authorization in refused_tokens
                        if seen or self._auth.renew is None:
                            raise refused.error from None
                        refused_tokens.add(refused.authorization)
                        if not self._auth.renew(refused.authorization):
                            raise refused.error from None
                        raise _Retryable("401: renewed the access token", retry_after=0.0) from None
        except _Retryable as last:
            attempts = retrying.statistics.get("attempt_number", self.max_attempts)
            if last.no_connection and not self.answered:
                raise GongUnavailableError(
                    f"could not connect to {self.base_url} ({last}; {attempts} attempts): "
                    "check sources.gong.base_url and the network"
                ) from None
            raise GongUnavailableError(
                f"{endpoint.method} {path} failed {attempts} times; last: {last}"
            ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def remember(
        self,
        endpoint: Endpoint,
        answer: dict[str, Any],
        *,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        path_params: Mapping[str, str] | None = None,
    ) -> None:
        """Keeps an answer already received for the one next `request` of the very same
        request: the credentials check before a load (`preflight.py`) asks what the load
        asks first, and the load is not charged that request twice."""
        self._remembered[_request_key(endpoint, params, body, path_params)] = answer

    def _stop(self, state: RetryCallState) -> bool:
        """`max_attempts`, or `FIRST_CONTACT_ATTEMPTS` while no connection ever opened."""
        outcome = state.outcome
        exc = outcome.exception() if outcome is not None else None
        limit = self.max_attempts
        if isinstance(exc, _Retryable) and exc.no_connection and not self.answered:
            limit = min(limit, FIRST_CONTACT_ATTEMPTS)
        return state.attempt_number >= limit

    def _count_retry(self, state: RetryCallState) -> None:
        with self._counting:
            self.retries += 1
        outcome = state.outcome
        reason = outcome.exception() if outcome is not None else None
        # before first contact the final error says it all; later retries are news
        quiet = isinstance(reason, _Retryable) and reason.no_connection and not self.answered
        level = logging.INFO if quiet else logging.WARNING
        logger.log(level, "Retrying after %s (attempt %d)", reason, state.attempt_number)

    def _wait(self, state: RetryCallState) -> float:
        """Gong's Retry-After when it sent one, else exponential backoff with jitter."""
        outcome = state.outcome
        exc = outcome.exception() if outcome is not None else None
        if isinstance(exc, _Retryable) and exc.retry_after is not None:
            return exc.retry_after + random.uniform(0, 0.25)
        backoff = self.backoff_base_seconds * 2 ** (state.attempt_number - 1)
        return float(min(self.backoff_max_seconds, backoff * random.uniform(0.5, 1.0)))

    def _send(
        self,
        endpoint: Endpoint,
        path: str,
        params: Mapping[str, Any] | None,
        body: Mapping[str, Any] | None,
    ) -> dict[str, Any] | None:
        slot = self.limiter.acquire()
        with self._counting:
            self.requests_sent += 1
        started = time.monotonic()
        wire.forget(functools.partial(self.limiter.written, slot) if slot is not None else None)
        try:
            response = self.session.request(
                endpoint.method,
                self.base_url + path,
                params=params,
                json=body if endpoint.method == "POST" else None,
                auth=self._auth,
                timeout=self.timeout,
            )
            # when it left (`elapsed` runs from the send to the answer's headers), when its
            # last byte was written and when the answer came: Gong counted it in between
            answered = time.monotonic()
            self.limiter.sent(slot, answered - response.elapsed.total_seconds())
            self.limiter.answered(slot, answered, wire.written_at())
            self.answered = True
            content = response.content
        except (requests.Timeout, requests.ConnectionError) as exc:
            if isinstance(exc, requests.exceptions.SSLError) and not self.answered:
                raise GongUnavailableError(_tls_failure(self.base_url, exc)) from None
            if _no_connection(exc):
                raise _Retryable(_connect_failure(exc), no_connection=True) from None
            raise _Retryable(f"{type(exc).__name__} on {endpoint.method} {path}") from None
        except requests.exceptions.ChunkedEncodingError:
            raise _Retryable(
                f"connection dropped mid-response on {endpoint.method} {path}"
            ) from None
        logger.debug(
            "%s %s -> %d in %.3fs", endpoint.method, path, response.status_code,
            time.monotonic() - started,
        )  # fmt: skip
        return self._judge(endpoint, path, response, content, params, body)

    def _judge(
        self,
        endpoint: Endpoint,
        path: str,
        response: requests.Response,
        content: bytes,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> dict[str, Any] | None:
        status = response.status_code
        where = f"{endpoint.method} {path}"
        data = _json_or_none(content)
        errors = _gong_errors(data)
        if isinstance(data, dict):
            self.spoke_gong = True
        if status == 200:
            if isinstance(data, dict):
                return data
            if _looks_like_json(response):
                raise _Retryable(f"truncated or invalid JSON from {where}")
            raise GongUnavailableError(
                f"{where} at {self.base_url} answered 200 with "
                f"{response.headers.get('content-type', 'no content type')}, not Gong's JSON: "
                "check sources.gong.base_url"
            )
        if status == 429:
            retry_after = _retry_after_seconds(response.headers.get("Retry-After"))
            if retry_after is not None and retry_after > self.max_retry_after_seconds:
                with self._counting:  # requests side by side meet it together: one refusal
                    if self.quota_exhausted is None:
                        self.quota_exhausted = GongQuotaExhausted(
                            retry_after,
                            datetime.now(timezone.utc) + timedelta(seconds=retry_after),
                        )
                raise self.quota_exhausted
            raise _Retryable(f"429 on {where}", retry_after=retry_after)
        if status in (401, 403) and data is not None:  # a proxy's HTML 403 is not Gong's
            error = self._auth_error(where, status, errors)
            if status == 401 and error.scope is None and self._auth.renew is not None:
                raise _TokenRefused(error, response.request.headers.get("Authorization", ""))
            raise error
        if status >= 500 and data is None and not self.spoke_gong:
            raise GongUnavailableError(
                f"{where} at {self.base_url} answered {status} with a page that is not Gong's "
                f"JSON ({response.headers.get('content-type', 'no content type')}): "
                "check sources.gong.base_url"
            )
        if status >= 500:
            raise _Retryable(f"{status} on {where}: {_describe(errors, content)}")
        if status == 404 and errors and any(e in endpoint.empty_404 for e in errors):
            return None
        if status == 400 and _carries_cursor(params, body):  # any text: see CursorRefused
            raise CursorRefused(_describe(errors, content))
        if data is None:
            raise GongUnavailableError(
                f"{where} at {self.base_url} answered {status} with a page that is not Gong's "
                f"JSON ({response.headers.get('content-type', 'no content type')}): "
                "check sources.gong.base_url"
            )
        raise GongApiError(
            f"Gong rejected {where} with {status}: {_describe(errors, content)}",
            status=status,
            errors=errors,
        )

    def _auth_error(self, where: str, status: int, errors: list[str]) -> GongAuthError:
        text = "; ".join(errors) or f"HTTP {status}"
        scope = next((m.group(1) for e in errors if (m := SCOPE_MISSING.search(e))), None)
        if scope:
            return GongAuthError(
                f"Gong refused {where}: the credentials lack the scope '{scope}' "
                f"(Gong: {text}). Grant it to the API key or app, or leave this table out.",
                status=status,
                scope=scope,
            )
        return GongAuthError(
            f"Gong rejected {self.describe_credentials} with {status} on {where} (Gong: {text}). "
            "Check sources.gong.credentials and sources.gong.base_url.",
            status=status,
        )

    # -- paging -----------------------------------------------------------------------

    def pages(
        self,
        endpoint: Endpoint,
        *,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        path_params: Mapping[str, str] | None = None,
        max_restarts: int = 3,
    ) -> Iterator[dict[str, Any]]:
        """Yields every page of a request, following `records.cursor` to the end.

        The cursor goes back exactly as Gong wants it (query for GET, top-level body field
        for POST) with the rest of the request unchanged. When Gong refuses a cursor (they
        expire after about an hour) the sequence restarts from the first page; the rows
        seen twice are the same rows, which the merge on primary keys absorbs; `items`
        marks the restart (`Restarted`) for a table read whole, which drops its first read.
        (Calls do not come here: they are read in sub-windows that re-read only
        themselves.)
        """
        restarts = 0
        while True:
            try:
                yield from self.sequence(endpoint, params=params, body=body,
                                         path_params=path_params)  # fmt: skip
                return
            except CursorRefused as exc:
                restarts += 1
                if restarts > max_restarts:
                    raise GongUnavailableError(
                        f"{endpoint.name}: Gong refused the paging cursor {restarts} times ({exc})"
                    ) from None
                logger.warning(
                    "%s: cursor refused (%s); restarting from page 1", endpoint.name, exc
                )
                yield _RESTART

    def sequence(
        self,
        endpoint: Endpoint,
        *,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        path_params: Mapping[str, str] | None = None,
        keep_going: Callable[[dict[str, Any]], bool] | None = None,
        eager: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """The pages of one paging sequence, the next one requested while this one is used;
        raises `CursorRefused` when Gong refuses one of its cursors. `keep_going(page)`
        False ends the sequence at that page (not yielded) before its follow-up is asked for.
        `eager` sends the first request now, not when the first page is wanted: sequences
        started together then wait for their first answers side by side.

        Cursor paging is serial, so without this no request is in flight while dlt writes
        and flushes what the last page held, and those pauses add up to several percent of
        a load paced at 3 per second. The next page is asked for (through the same limiter)
        as soon as its cursor is known; a consumer that stops early costs one request.
        """

        def fetch(cursor: str | None) -> dict[str, Any] | None:
            page_params = dict(params or {})
            page_body = dict(body) if body is not None else None
            if cursor is not None:
                if endpoint.method == "GET":
                    page_params["cursor"] = cursor
                else:
                    page_body = {**(page_body or {}), "cursor": cursor}
            return self.request(
                endpoint, params=page_params or None, body=page_body, path_params=path_params
            )

        first = self._prefetch().submit(fetch, None) if eager else None
        return self._follow(endpoint, fetch, first, keep_going)

    def _follow(
        self,
        endpoint: Endpoint,
        fetch: Callable[[str | None], dict[str, Any] | None],
        first: Future[dict[str, Any] | None] | None,
        keep_going: Callable[[dict[str, Any]], bool] | None,
    ) -> Iterator[dict[str, Any]]:
        """`sequence`'s pages, from its first (already asked for, when `first`)."""
        data = first.result() if first is not None else fetch(None)
        while data is not None:
            if keep_going is not None and not keep_going(data):
                return
            records = data.get("records") if endpoint.paged else None
            cursor = records.get("cursor") if isinstance(records, dict) else None
            following = self._prefetch().submit(fetch, cursor) if cursor else None
            try:
                yield data
            except GeneratorExit:
                if following is not None:
                    following.cancel()  # when already sent, its answer is dropped
                raise
            data = following.result() if following is not None else None

    @property
    def paced(self) -> bool:
        """Whether requests wait for the rate limiter (`requests_per_second` set)."""
        return self.limiter.per_second is not None

    def in_background(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        """Runs `fn(*args)` on a thread of its own (requests through this client included,
        paced by the same limiter): a caller asks ahead for what it will need next. Its
        own pool, so that a job paging with `pages` never waits for a prefetch thread
        that jobs hold."""
        if self._background is None:
            self._background = ThreadPoolExecutor(
                max_workers=max(2, self.max_in_flight), thread_name_prefix="gong-background"
            )
        return self._background.submit(fn, *args)

    def ahead(self, fn: Callable[[A], T], args: Iterable[A]) -> Iterator[T]:
        """``fn(arg)`` for each of `args`, in order, with up to `max_in_flight` of them asked
        ahead on threads of their own: a series of independent requests (a period each,
        a parent each) goes side by side, as Gong's pace allows, instead of one answer at
        a time. A consumer that stops early leaves the ones not started unsent; an error
        is raised where its result is due, after the results before it."""
        pending: deque[Future[T]] = deque()
        try:
            for arg in args:
                if self._ahead is None:
                    self._ahead = ThreadPoolExecutor(
                        max_workers=self.max_in_flight, thread_name_prefix="gong-ahead"
                    )
                pending.append(self._ahead.submit(fn, arg))
                if len(pending) >= self.max_in_flight:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()  # when already sent, its answer is dropped

    def _prefetch(self) -> ThreadPoolExecutor:
        if self._prefetcher is None:
            self._prefetcher = ThreadPoolExecutor(
                max_workers=max(4, self.max_in_flight + 1), thread_name_prefix="gong-page"
            )
        return self._prefetcher

    def items(
        self,
        endpoint: Endpoint,
        *,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        path_params: Mapping[str, str] | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        """Yields the items of each page (the list under the endpoint's data key)."""
        for page in self.pages(endpoint, params=params, body=body, path_params=path_params):
            if page is _RESTART:
                yield Restarted()
                continue
            if endpoint.data_key is None:
                page = {k: v for k, v in page.items() if k != "requestId"}
                yield [page]
                continue
            found = page.get(endpoint.data_key)
            if found is None:
                found = []
            if not isinstance(found, list):
                raise GongUnavailableError(
                    f"{endpoint.name}: expected a list under '{endpoint.data_key}', "
                    f"got {type(found).__name__}"
                )
            yield found


def _request_key(
    endpoint: Endpoint,
    params: Mapping[str, Any] | None,
    body: Mapping[str, Any] | None,
    path_params: Mapping[str, str] | None,
) -> str:
    return json.dumps([endpoint.name, params or {}, body or {}, path_params or {}],
                      sort_keys=True, default=str)  # fmt: skip


def _tls_failure(base_url: str, exc: Exception) -> str:
    """A TLS handshake that failed before the host ever answered: retrying cannot help.
    A server that speaks plain HTTP on that port (the sandbox, a local proxy) answers a
    TLS hello with bytes OpenSSL calls a "wrong version number" or a "record layer
    failure"; anything else is a certificate or a proxy that inspects TLS."""
    text = str(exc).lower()
    plain = ("wrong version number", "record layer failure", "http request", "unknown protocol")
    if any(p in text for p in plain):
        http = "http://" + base_url.split("://", 1)[-1]
        return (
            f"{base_url} does not speak TLS (https): the server there answers plain HTTP; "
            f"use {http} in sources.gong.base_url if that is the server you mean"
        )
    found = re.search(r"\[SSL: [A-Z_]+\] ([^(]+)", str(exc))
    reason = found.group(1).strip() if found else type(exc).__name__
    return (
        f"the TLS handshake with {base_url} failed ({reason}): check sources.gong.base_url, "
        "or, behind a proxy that inspects TLS, point REQUESTS_CA_BUNDLE at its certificate"
    )


def _carries_cursor(params: Mapping[str, Any] | None, body: Mapping[str, Any] | None) -> bool:
    return bool((params or {}).get("cursor")) or bool((body or {}).get("cursor"))


def _no_connection(exc: Exception) -> bool:
    """The connection was never opened: refused, unknown host or connect timeout."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, urllib3.exceptions.ConnectTimeoutError)


def _connect_failure(exc: Exception) -> str:
    """The OS's words for it ("Connection refused"), without object addresses or URLs."""
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    found = ERRNO_TEXT.search(str(reason or exc))
    if found:
        return found.group(1).strip()
    return "connect timeout" if isinstance(exc, requests.ConnectTimeout) else type(exc).__name__


def _json_or_none(content: bytes) -> Any:
    """orjson (dlt's own dependency) decodes a page of calls in about a third of the
    standard library's time; what it refuses (integers wider than 64 bits, NaN) falls back
    to the standard library, which accepts them."""
    if not content:
        return None
    try:
        return orjson.loads(content)
    except ValueError:
        pass
    try:
        return json.loads(content)
    except ValueError:
        return None


def _looks_like_json(response: requests.Response) -> bool:
    return "json" in response.headers.get("content-type", "").lower()


def _gong_errors(data: Any) -> list[str]:
    if isinstance(data, dict) and isinstance(data.get("errors"), list):
        return [str(e) for e in data["errors"]]
    return []


def _describe(errors: list[str], content: bytes) -> str:
    if errors:
        return "; ".join(errors)
    snippet = content[:120].decode("utf-8", "replace").replace("\n", " ").strip()
    return snippet or "empty body"


def _retry_after_seconds(value: str | None) -> float | None:
    """Retry-After is seconds in Gong's answers; an HTTP date is accepted too."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
