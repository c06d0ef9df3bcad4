"""The HTTP face of the sandbox: Gong's ``/v2`` routes and the ``/_sandbox`` instruments.

A ``/v2`` request goes through what Gong does, in order: the gateway (where injected 502,
503 and 429 bursts happen), authentication (401), the company's rate limits (429),
routing (404/405), the body (415/400), the endpoint's OAuth scope (401), the endpoint
itself (200, or Gong's 400/404), and finally transport faults (slow, truncated, reset).
Before all of it, on arrival, the optional cap on concurrent requests (429); after it,
the answer waits out its latency (``latency.py``) on the event loop, so answers overlap.
The endpoint handlers only parse, page and shape; the answers come from
:class:`~dlt_gong.sandbox.company.Company`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import re
import secrets
import string
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from dlt_gong.sandbox import messages
from dlt_gong.sandbox.auth import Principal
from dlt_gong.sandbox.company import LazyList
from dlt_gong.sandbox.errors import BadRequestError, GongError, NotFoundError
from dlt_gong.sandbox.exchange import Exchange
from dlt_gong.sandbox.extra_endpoints import ExtraEndpoints
from dlt_gong.sandbox.faults import FaultPlan
from dlt_gong.sandbox.latency import items_in
from dlt_gong.sandbox.oauth import TOKEN_PATH
from dlt_gong.sandbox.paging import fingerprint, page_of
from dlt_gong.sandbox.parsing import (
    cursor_of,
    filter_of,
    json_body,
    opt_bool,
    opt_str,
    opt_str_list,
    query_bool,
)
from dlt_gong.sandbox.selector import ContentSelector
from dlt_gong.sandbox.state import SandboxState
from dlt_gong.sandbox.timeutil import parse_date_time

log = logging.getLogger("dlt_gong.sandbox")

GONG_SERVICE_VERSION = "PublicApiServer:17.main.19292"  # as recorded from real Gong
# Recorded from real Gong: successes and errors differ in spelling (every recorded 4xx/5xx
# has the second form, every recorded 200 the first).
JSON_CONTENT_TYPE = "application/json;charset=UTF-8"
ERROR_CONTENT_TYPE = "application/json; charset=utf-8"
MEDIA_SCOPE = "api:calls:read:media-url"
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
_BASE36 = string.digits + string.ascii_lowercase


def new_request_id() -> str:
    """A random-looking 17-19 character lowercase base36 id, like Gong's ``requestId``."""
    length = 17 + secrets.randbelow(3)
    return secrets.choice(_BASE36[1:]) + "".join(secrets.choice(_BASE36) for _ in range(length - 1))


def _json(payload: Mapping[str, Any]) -> bytes:
    """Compact UTF-8 JSON, byte for byte what ``json.dumps(separators=(",", ":"),
    ensure_ascii=False)`` writes for these payloads, in a fifth less of the sandbox's time
    (measured: all of a 10,000-call company's pages and transcripts, 474 to 532 calls/s)."""
    return orjson.dumps(payload)


@dataclass(frozen=True)
class Outcome:
    """A response decided but not sent yet (``fault``: the injected fault that made it;
    ``items``: the items of its list, which its latency depends on)."""

    status: int
    body: bytes
    headers: dict[str, str]
    fault: str | None = None
    items: int = 0


@dataclass(frozen=True)
class Context:
    """One authenticated, routed ``/v2`` request as the handlers see it."""

    method: str
    path: str
    params: dict[str, str]
    query: dict[str, str]
    body: dict[str, Any]
    now: float  # sandbox time at arrival, millisecond precision
    plan: FaultPlan
    principal: Principal

    @property
    def source(self) -> Mapping[str, Any]:
        """Where this request's inputs (and cursor) are: the query on GET, the body on POST."""
        return self.query if self.method == "GET" else self.body


@dataclass(frozen=True)
class Endpoint:
    """One Gong operation."""

    method: str
    template: str
    scope: str
    handler: Callable[[Context], dict[str, Any]]
    regex: re.Pattern[str]

    @property
    def label(self) -> str:
        """``"GET /v2/users/{id}/settings-history"``."""
        return f"{self.method} {self.template}"


class GongApi:
    """Handlers for Gong's read endpoints over a :class:`SandboxState`."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.company = state.company
        table: list[tuple[str, str, str, Callable[[Context], dict[str, Any]]]] = [
            ("GET", "/v2/users", "api:users:read", self.users),
            ("POST", "/v2/users/extensive", "api:users:read", self.users_extensive),
            ("GET", "/v2/users/{id}/settings-history", "api:users:read", self.settings_history),
            ("GET", "/v2/calls", "api:calls:read:basic", self.calls),
            ("POST", "/v2/calls/extensive", "api:calls:read:extensive", self.calls_extensive),
            ("POST", "/v2/calls/transcript", "api:calls:read:transcript", self.transcripts),
            ("POST", "/v2/stats/activity/aggregate", "api:stats:user-actions", self.aggregate),
            ("POST", "/v2/stats/activity/aggregate-by-period", "api:stats:user-actions",
             self.aggregate_by_period),
            ("POST", "/v2/stats/activity/day-by-day", "api:stats:user-actions:detailed",
             self.day_by_day),
            ("POST", "/v2/stats/interaction", "api:stats:interaction", self.interaction),
            ("POST", "/v2/stats/activity/scorecards", "api:stats:scorecards",
             self.answered_scorecards),
            ("GET", "/v2/settings/scorecards", "api:settings:scorecards:read", self.scorecards),
            ("GET", "/v2/settings/trackers", "api:settings:trackers:read", self.trackers),
            ("GET", "/v2/workspaces", "api:workspaces:read", self.workspaces),
            ("GET", "/v2/library/folders", "api:library:read", self.library_folders),
            ("GET", "/v2/library/folder-content", "api:library:read", self.folder_content),
            ("GET", "/v2/call-outcomes", "api:call-outcomes:read", self.call_outcomes),
            *ExtraEndpoints(self).table(),
        ]  # fmt: skip
        self.endpoints = [
            Endpoint(method, template, scope, handler, _template_regex(template))
            for method, template, scope, handler in table
        ]
        every = {e.scope for e in self.endpoints} | {MEDIA_SCOPE}
        state.auth.oauth.every_scope = frozenset(every)

    # -- routing --------------------------------------------------------------------------

    def match(self, method: str, path: str) -> tuple[Endpoint | None, dict[str, str], str]:
        """The endpoint for a request, its path parameters, and the label it is counted as.

        A path served under another method gives ``(None, {}, "<METHOD> <template>")``.
        """
        other: Endpoint | None = None
        for endpoint in self.endpoints:
            found = endpoint.regex.fullmatch(path)
            if found:
                if endpoint.method == method:
                    return endpoint, found.groupdict(), endpoint.label
                other = endpoint
        if other is not None:
            return None, {}, f"{method} {other.template}"
        return None, {}, f"{method} {path}"

    # -- the pipeline -----------------------------------------------------------------------

    async def handle(self, request: Request) -> Response:
        """Serve one ``/v2`` request (the Starlette endpoint): in flight from here until
        just before its answer's first byte (``_SandboxResponse``), or refused at once
        when the cap on concurrent requests is reached."""
        arrived = self.state.limiter.monotonic()  # the per-second window counts it from here
        method = request.method.upper()
        endpoint, params, label = self.match(method, request.url.path)
        in_flight = self.state.stats.in_flight
        if not in_flight.arrive():
            return await self._refused(request, method, endpoint, label)
        try:
            return await self._serve(request, method, endpoint, params, label, arrived)
        except BaseException:
            in_flight.leave()  # no response will count it out
            raise

    async def _serve(self, request: Request, method: str, endpoint: Endpoint | None,
                     params: dict[str, str], label: str,
                     arrived: float) -> Response:  # fmt: skip
        raw = await request.body()
        path = request.url.path
        query = dict(request.query_params)
        plan = self.state.faults.plan()
        # building a page of transcripts takes a while: do it off the event loop, so the
        # instruments and other requests stay responsive
        outcome = await run_in_threadpool(
            self._process, request, method, path, query, raw, plan, endpoint, params, arrived
        )
        exchange = _exchange(request, method, raw, outcome, endpoint)
        latency = self.state.latency.delay(outcome.items if outcome.status == 200 else 0)
        delay = latency + (self.state.config.faults.slow_seconds if plan.slow else 0.0)
        sleep, leave = self.state.latency.sleep, self.state.stats.in_flight.leave
        if plan.kind == "reset":
            cut = max(1, len(outcome.body) // 2)
            exchange = _replace(exchange, status=0, response_body=outcome.body[:cut], fault="reset")
            observe = self._observer(label, "reset", exchange, latency)
            return _SandboxResponse(outcome, observe, delay, cut, sleep, leave)
        if plan.kind == "truncated" and outcome.status == 200:
            cut = max(1, len(outcome.body) * 2 // 3)
            outcome = Outcome(200, outcome.body[:cut], outcome.headers, "truncated", outcome.items)
            exchange = _replace(exchange, response_body=outcome.body, fault="truncated")
        if plan.slow:
            exchange = _replace(exchange, fault=exchange.fault or "slow")
        observe = self._observer(label, str(outcome.status), exchange, latency)
        return _SandboxResponse(outcome, observe, delay, None, sleep, leave)

    async def _refused(self, request: Request, method: str, endpoint: Endpoint | None,
                       label: str) -> Response:  # fmt: skip
        """Gong's 429 to a request beyond the cap on concurrent requests: before the rate
        limiter, so neither the per-second window nor the quota counts it; its answer
        still crosses the network (the base latency and jitter, no items)."""
        raw = await request.body()
        outcome = _error(new_request_id(), 429, messages.RATE_LIMIT_EXCEEDED, {"retry-after": "1"})
        exchange = _exchange(request, method, raw, outcome, endpoint)
        latency = self.state.latency.delay(0)
        observe = self._observer(label, "429", exchange, latency)
        return _SandboxResponse(outcome, observe, latency, None, self.state.latency.sleep, None)

    def _observer(self, label: str, status: str, exchange: Exchange,
                  latency: float) -> Callable[[], None]:  # fmt: skip
        def observe() -> None:
            self.state.stats.record(label, status, latency)
            for callback in list(self.state.on_exchange):
                try:
                    callback(exchange)
                except Exception:  # an observer's bug must not take the server down
                    log.exception("sandbox exchange callback failed")

        return observe

    def _process(self, request: Request, method: str, path: str, query: dict[str, str],
                 raw: bytes, plan: FaultPlan, endpoint: Endpoint | None,
                 params: dict[str, str], arrived: float | None = None) -> Outcome:  # fmt: skip
        request_id = new_request_id()
        state = self.state
        if plan.kind in ("http_502", "http_503"):
            return _gateway_error(502 if plan.kind == "http_502" else 503)
        if plan.kind == "burst_429":
            retry = str(state.config.faults.burst_retry_after)
            return dataclasses.replace(
                _error(request_id, 429, messages.RATE_LIMIT_EXCEEDED, {"retry-after": retry}),
                fault="burst_429",
            )
        principal = state.auth.authenticate(request.headers.get("authorization"))
        if principal is None:
            expired = state.auth.expired(request.headers.get("authorization"))
            text = (messages.ACCESS_TOKEN_EXPIRED
                    if expired and state.auth.expired_token_text == "expired"
                    else messages.INVALID_CREDENTIALS)  # fmt: skip
            return _error(request_id, 401, text,
                          {"www-authenticate": messages.WWW_AUTHENTICATE})  # fmt: skip
        if plan.late_count:  # the request reaches the rate limiter late (see FaultConfig)
            time.sleep(state.config.faults.late_count_seconds)
            if arrived is not None:
                arrived += state.config.faults.late_count_seconds
        rejection = state.limiter.acquire(arrived)
        if rejection is not None:
            return _error(request_id, 429, messages.RATE_LIMIT_EXCEEDED,
                          {"retry-after": str(rejection.retry_after)})  # fmt: skip
        if endpoint is None:
            known = any(e.regex.fullmatch(path) for e in self.endpoints)
            if known:
                return _error(request_id, 405, messages.METHOD_NOT_ALLOWED)
            return _error(request_id, 404, messages.NOT_FOUND)
        try:
            body = json_body(request.headers.get("content-type"), raw) if method == "POST" else {}
            for scope in self._scopes(endpoint, body):
                if not state.auth.allows(principal, scope):
                    return _error(request_id, 401, messages.MISSING_SCOPE.format(scope=scope))
            if plan.kind == "http_500":
                return dataclasses.replace(
                    _error(request_id, 500, messages.INTERNAL_ERROR), fault="http_500"
                )
            if state.config.answer_seconds and state.clock.frozen:
                state.clock.advance(state.config.answer_seconds)  # the time this answer takes
            ctx = Context(method, path, params, query, body,
                          round(state.clock.timestamp(), 3), plan, principal)  # fmt: skip
            payload = endpoint.handler(ctx)
        except GongError as exc:
            return _error(request_id, exc.status, exc.message)
        except Exception:
            log.exception("sandbox bug while serving %s %s", method, path)
            return _error(request_id, 500, messages.INTERNAL_ERROR)
        answer = _json({"requestId": request_id, **payload})
        return Outcome(200, answer, _headers(request_id), items=items_in(payload))

    @staticmethod
    def _scopes(endpoint: Endpoint, body: Mapping[str, Any]) -> list[str]:
        scopes = [endpoint.scope]
        if endpoint.template == "/v2/calls/extensive":
            selector = body.get("contentSelector")
            exposed = selector.get("exposedFields") if isinstance(selector, dict) else None
            if isinstance(exposed, dict) and exposed.get("media") is True:
                scopes.append(MEDIA_SCOPE)
        return scopes

    # -- paging -------------------------------------------------------------------------------

    def _paged(self, ctx: Context, key: str, compute: Callable[[float], Sequence[Any]],
               empty: str | None, envelope: Callable[[float], dict[str, Any]] | None = None,
               ordered: bool = False) -> dict[str, Any]:  # fmt: skip
        """Page ``compute(as_of)``: 404 ``empty`` when it has nothing, cursor when more.

        ``empty=None``: nothing is a 200 with no items (recorded for ``GET /v2/flows``).
        ``ordered``: served in ``calls_order`` (the calls endpoints).
        """
        cursors = self.state.cursors
        fp = fingerprint(ctx.method, ctx.path, ctx.source)
        token = cursor_of(ctx.source)
        page, as_of = 0, ctx.now
        if token is not None:
            cursor = cursors.read(token, fp, ctx.now, force_expired=ctx.plan.expire_cursor)
            page, as_of = cursor.page, cursor.as_of
        items = compute(as_of)
        if ordered and isinstance(items, LazyList):  # one order per sequence (request, moment)
            items = self.company.ordered(items, fp + repr(as_of).encode())
        if not items and empty is not None:
            raise NotFoundError(empty)
        size = self.state.config.page_size
        total = len(items)
        result = page_of(items, page, size, lambda p: cursors.issue(fp, p, as_of, total, size))
        if not result.items and empty is not None:
            raise NotFoundError(empty)
        out: dict[str, Any] = {"records": result.records, key: result.items}
        if envelope is not None:
            out.update(envelope(as_of))
        return out

    # -- users ------------------------------------------------------------------------------

    def users(self, ctx: Context) -> dict[str, Any]:
        """``GET /v2/users``."""
        avatars = query_bool(ctx.query, "includeAvatars") or False
        return self._paged(ctx, "users", lambda _: self.company.users(include_avatars=avatars),
                           messages.NO_USERS_FOUND)  # fmt: skip

    def users_extensive(self, ctx: Context) -> dict[str, Any]:
        """``POST /v2/users/extensive``."""
        f = filter_of(ctx.body)
        user_ids = opt_str_list(f, "userIds")
        created_from = opt_str(f, "createdFromDateTime")
        created_to = opt_str(f, "createdToDateTime")
        avatars = opt_bool(f, "includeAvatars") or False
        return self._paged(
            ctx,
            "users",
            lambda _: self.company.users(user_ids=user_ids, created_from=created_from,
                                         created_to=created_to, include_avatars=avatars),
            messages.NO_USERS_FOUND,
        )  # fmt: skip

    def settings_history(self, ctx: Context) -> dict[str, Any]:
        """``GET /v2/users/{id}/settings-history`` (not paged)."""
        return {"userSettingsHistory": self.company.user_settings_history(ctx.params["id"])}

    # -- calls ------------------------------------------------------------------------------

    def calls(self, ctx: Context) -> dict[str, Any]:
        """``GET /v2/calls``."""
        q = ctx.query
        from_dt, to_dt = _date_time(q, "fromDateTime"), _date_time(q, "toDateTime")
        workspace = q.get("workspaceId") or None
        return self._paged(ctx, "calls",
                           lambda as_of: self.company.calls_basic(from_dt, to_dt, workspace, as_of),
                           messages.NO_CALLS_FOUND, ordered=True)  # fmt: skip

    def calls_extensive(self, ctx: Context) -> dict[str, Any]:
        """``POST /v2/calls/extensive``."""
        f = filter_of(ctx.body)
        from_dt, to_dt = _date_time(f, "fromDateTime"), _date_time(f, "toDateTime")
        workspace = opt_str(f, "workspaceId")
        call_ids = opt_str_list(f, "callIds")
        hosts = opt_str_list(f, "primaryUserIds")
        try:
            selector = ContentSelector.parse(ctx.body.get("contentSelector"))
        except ValueError as exc:
            raise BadRequestError(messages.INVALID_FIELD.format(field=str(exc))) from exc
        return self._paged(
            ctx,
            "calls",
            lambda as_of: self.company.calls(from_dt, to_dt, workspace, call_ids, hosts,
                                             selector, as_of),
            messages.NO_CALLS_FOUND,
            ordered=True,
        )  # fmt: skip

    def transcripts(self, ctx: Context) -> dict[str, Any]:
        """``POST /v2/calls/transcript``."""
        f = filter_of(ctx.body)
        from_dt, to_dt = _date_time(f, "fromDateTime"), _date_time(f, "toDateTime")
        workspace = opt_str(f, "workspaceId")
        call_ids = opt_str_list(f, "callIds")
        return self._paged(
            ctx,
            "callTranscripts",
            lambda as_of: self.company.transcripts(from_dt, to_dt, workspace, call_ids, as_of),
            messages.NO_CALLS_FOUND,
            ordered=True,
        )

    # -- stats ------------------------------------------------------------------------------

    def _stats(self, ctx: Context, key: str, empty: str,
               compute: Callable[..., Sequence[Any]], **extra: Any) -> dict[str, Any]:  # fmt: skip
        f = filter_of(ctx.body)
        from_date, to_date = opt_str(f, "fromDate"), opt_str(f, "toDate")
        options: dict[str, Any] = {
            "user_ids": opt_str_list(f, "userIds"),
            "created_from": opt_str(f, "createdFromDateTime"),
            "created_to": opt_str(f, "createdToDateTime"),
            **extra,
        }

        def envelope(as_of: float) -> dict[str, Any]:
            first, last = self.company.stats_window(from_date, to_date, as_of)
            return self.company.stats_envelope(first, last)

        return self._paged(ctx, key,
                           lambda as_of: compute(from_date, to_date, as_of=as_of, **options),
                           empty, envelope)  # fmt: skip

    def aggregate(self, ctx: Context) -> dict[str, Any]:
        """``POST /v2/stats/activity/aggregate``."""
        return self._stats(ctx, "usersAggregateActivityStats", messages.NO_USERS_FOUND,
                           self.company.activity_aggregate)  # fmt: skip

    def aggregate_by_period(self, ctx: Context) -> dict[str, Any]:
        """``POST /v2/stats/activity/aggregate-by-period``."""
        period = ctx.body.get("aggregationPeriod")
        if period is None:
            raise BadRequestError(messages.MISSING_FIELD.format(field="aggregationPeriod"))
        if not isinstance(period, str):
            raise BadRequestError(messages.INVALID_FIELD.format(field="aggregationPeriod"))
        return self._stats(ctx, "usersAggregateActivity", messages.NO_USERS_FOUND,
                           self.company.activity_by_period, period=period)  # fmt: skip

    def day_by_day(self, ctx: Context) -> dict[str, Any]:
        """``POST /v2/stats/activity/day-by-day``."""
        return self._stats(ctx, "usersDetailedActivities", messages.NO_USERS_FOUND,
                           self.company.activity_day_by_day)  # fmt: skip

    def interaction(self, ctx: Context) -> dict[str, Any]:
        """``POST /v2/stats/interaction``."""
        return self._stats(ctx, "peopleInteractionStats", messages.NO_STATS_FOUND,
                           self.company.interaction_stats)  # fmt: skip

    def answered_scorecards(self, ctx: Context) -> dict[str, Any]:
        """``POST /v2/stats/activity/scorecards``."""
        f = filter_of(ctx.body)
        options: dict[str, Any] = {
            "call_from_date": opt_str(f, "callFromDate"),
            "call_to_date": opt_str(f, "callToDate"),
            "review_from_date": opt_str(f, "reviewFromDate"),
            "review_to_date": opt_str(f, "reviewToDate"),
            "review_method": opt_str(f, "reviewMethod") or "MANUAL",
            "reviewed_user_ids": opt_str_list(f, "reviewedUserIds"),
            "scorecard_ids": opt_str_list(f, "scorecardIds"),
        }
        return self._paged(
            ctx,
            "answeredScorecards",
            lambda as_of: self.company.answered_scorecards(as_of=as_of, **options),
            messages.ANSWERED_SCORECARDS_NOT_FOUND,
        )

    # -- settings and the rest (not paged) ----------------------------------------------------

    def scorecards(self, ctx: Context) -> dict[str, Any]:
        """``GET /v2/settings/scorecards``."""
        return {"scorecards": self.company.scorecards()}

    def trackers(self, ctx: Context) -> dict[str, Any]:
        """``GET /v2/settings/trackers``."""
        return {"keywordTrackers": self.company.trackers(ctx.query.get("workspaceId") or None)}

    def workspaces(self, ctx: Context) -> dict[str, Any]:
        """``GET /v2/workspaces``."""
        return {"workspaces": self.company.workspaces()}

    def library_folders(self, ctx: Context) -> dict[str, Any]:
        """``GET /v2/library/folders``."""
        folders = self.company.library_folders(ctx.query.get("workspaceId") or None)
        if not folders:
            raise NotFoundError(messages.NO_FOLDERS_FOUND)
        return {"folders": folders}

    def folder_content(self, ctx: Context) -> dict[str, Any]:
        """``GET /v2/library/folder-content`` (the folder object at top level)."""
        folder_id = ctx.query.get("folderId")
        if not folder_id:
            raise BadRequestError(messages.MISSING_FIELD.format(field="folderId"))
        return self.company.library_folder_content(folder_id, as_of=ctx.now)

    def call_outcomes(self, ctx: Context) -> dict[str, Any]:
        """``GET /v2/call-outcomes``."""
        return {"outcomes": self.company.call_outcomes()}


# -- responses ------------------------------------------------------------------------------


def _headers(request_id: str, extra: Mapping[str, str] | None = None,
             content_type: str = JSON_CONTENT_TYPE) -> dict[str, str]:  # fmt: skip
    headers = {
        "content-type": content_type,
        "x-gong-service-version": GONG_SERVICE_VERSION,
        "x-traceid": request_id,
    }
    headers.update(extra or {})
    return headers


def _error(request_id: str, status: int, message: str,
           extra: Mapping[str, str] | None = None) -> Outcome:  # fmt: skip
    body = _json({"requestId": request_id, "errors": [message]})
    return Outcome(status, body, _headers(request_id, extra, ERROR_CONTENT_TYPE))


def _gateway_error(status: int) -> Outcome:
    """What a load balancer in front of Gong sends: HTML, no requestId."""
    title = {502: "502 Bad Gateway", 503: "503 Service Temporarily Unavailable"}[status]
    body = (f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
            f"<center><h1>{title}</h1></center>\r\n</body>\r\n</html>\r\n").encode()  # fmt: skip
    return Outcome(status, body, {"content-type": "text/html"}, f"http_{status}")


def _date_time(source: Mapping[str, Any], name: str) -> str | None:
    value = source.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadRequestError(messages.INVALID_FIELD.format(field=name))
    try:
        parse_date_time(value)
    except ValueError as exc:
        raise BadRequestError(messages.INVALID_DATE_TIME.format(field=name, value=value)) from exc
    return value


def _template_regex(template: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)))


def _replace(exchange: Exchange, **changes: Any) -> Exchange:
    return dataclasses.replace(exchange, **changes)


def _exchange(request: Request, method: str, raw: bytes, outcome: Outcome,
              endpoint: Endpoint | None) -> Exchange:  # fmt: skip
    """What the observers see of a request and the answer decided for it."""
    return Exchange(
        method=method,
        path=request.url.path,
        query=dict(request.query_params),
        request_body=raw,
        status=outcome.status,
        response_headers=dict(outcome.headers),
        response_body=outcome.body,
        request_headers=(
            {"content-type": request.headers["content-type"]}
            if "content-type" in request.headers
            else {}
        ),
        endpoint=endpoint.label if endpoint else None,
        fault=outcome.fault,
    )


class _SandboxResponse(Response):
    """Sends an :class:`Outcome`, after an optional delay, possibly dropping the connection.

    The delay is awaited with ``sleep`` (the event loop's, so delayed answers overlap);
    then ``leave`` (when given) counts the request out of the requests in flight and
    ``observe`` runs, both just before the first byte goes out, so by the time a client has
    the response the request is no longer in flight, it is counted and every observer has
    seen it. With ``cut`` set the response promises the whole body (Content-Length) but
    only ``cut`` bytes are sent and the handler returns without finishing: uvicorn then
    closes the connection, and the client sees an incomplete read.
    """

    def __init__(self, outcome: Outcome, observe: Callable[[], None], delay: float,
                 cut: int | None, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 leave: Callable[[], None] | None = None) -> None:  # fmt: skip
        super().__init__(outcome.body, status_code=outcome.status, headers=outcome.headers)
        self._outcome = outcome
        self._observe = observe
        self._delay = delay
        self._cut = cut
        self._sleep = sleep
        self._leave = leave

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            if self._delay:
                await self._sleep(self._delay)
        finally:  # a cancelled wait (shutdown) must not leave the request counted
            if self._leave is not None:
                self._leave()
        self._observe()
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        if self._cut is None:
            await send({"type": "http.response.body", "body": self._outcome.body})
            return
        await send(
            {
                "type": "http.response.body",
                "body": self._outcome.body[: self._cut],
                "more_body": True,
            }
        )
        # returning now, mid-body, makes the server drop the connection (the "reset" fault)


# -- the application ----------------------------------------------------------------------------


def create_app(state: SandboxState) -> Starlette:
    """The Starlette app serving ``state``: ``/v2/...`` like Gong, ``/_sandbox/...`` for tests."""
    api = GongApi(state)

    async def stats(request: Request) -> Response:
        return JSONResponse(state.stats.snapshot())

    async def reset(request: Request) -> Response:
        state.stats.reset()
        return JSONResponse(state.stats.snapshot())

    async def clock(request: Request) -> Response:
        if request.method == "POST":
            try:
                body = json.loads(await request.body() or b"{}")
                if not isinstance(body, dict):
                    raise ValueError("expected an object")
                if "now" in body:
                    state.clock.set(parse_date_time(body["now"]))
                if "advance_seconds" in body:
                    state.clock.advance(float(body["advance_seconds"]))
                if "frozen" in body:
                    state.clock.freeze(bool(body["frozen"]))
            except (ValueError, TypeError) as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"now": state.clock.now().isoformat(), "frozen": state.clock.frozen})

    async def quota(request: Request) -> Response:
        if request.method == "POST":
            try:
                body = json.loads(await request.body() or b"{}")
                state.limiter.set_used_today(int(body["used"]))
            except (ValueError, TypeError, KeyError) as exc:
                return JSONResponse({"error": f'expected {{"used": N}}: {exc}'}, status_code=400)
        return JSONResponse(
            {
                "used": state.limiter.used_today(),
                "daily_quota": state.limiter.daily_quota,
                "rate_limit_per_second": state.limiter.per_second,
            }
        )

    async def oauth_token(request: Request) -> Response:
        answer = state.auth.oauth.grant(
            request.headers.get("authorization"),
            dict(request.query_params),
            str(request.base_url).rstrip("/"),
        )
        return JSONResponse(answer.body, status_code=answer.status)

    routes = [
        Route(TOKEN_PATH, oauth_token, methods=["POST"]),
        Route("/_sandbox/stats", stats, methods=["GET"]),
        Route("/_sandbox/reset", reset, methods=["POST"]),
        Route("/_sandbox/clock", clock, methods=["GET", "POST"]),
        Route("/_sandbox/quota", quota, methods=["GET", "POST"]),
        Route("/v2", api.handle, methods=ALL_METHODS),
        Route("/v2/{rest:path}", api.handle, methods=ALL_METHODS),
    ]
    return Starlette(routes=routes)
