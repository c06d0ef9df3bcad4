"""Unit tests of the HTTP machine: scripted answers, exact requests, no network.

The end-to-end tests prove the same rules against the sandbox over HTTP; these pin down
each rule on its own, including the ones the sandbox cannot easily produce on cue.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
import requests
import urllib3

from dlt_gong import GongApiKeyCredentials, wire
from dlt_gong import endpoints as ep
from dlt_gong.client import GongClient, Restarted
from dlt_gong.errors import (
    GongApiError,
    GongAuthError,
    GongQuotaExhausted,
    GongUnavailableError,
)
from dlt_gong.ratelimit import NOT_WRITTEN, SlidingWindowLimiter

SECRET = "s3cr3t-do-not-leak"


def answer(status: int, body: Any = None, headers: dict[str, str] | None = None) -> Any:
    def make() -> requests.Response:
        r = requests.Response()
        r.status_code = status
        if isinstance(body, (dict, list)):
            r._content = json.dumps(body).encode()
            r.headers["content-type"] = "application/json;charset=UTF-8"
        elif isinstance(body, bytes):
            r._content = body
        else:
            r._content = (body or "").encode()
        r.headers.update(headers or {})
        return r

    return make


class ScriptedSession(requests.Session):
    """Answers each request with the next scripted answer and records what was sent."""

    def __init__(self, *answers: Any) -> None:
        super().__init__()
        self.answers = list(answers)
        self.sent: list[dict[str, Any]] = []

    def request(self, method: str, url: str, **kw: Any) -> requests.Response:  # type: ignore[override]
        prepared = requests.Request(
            method, url, params=kw.get("params"), json=kw.get("json"), auth=kw.get("auth")
        ).prepare()
        self.sent.append(
            {
                "method": method,
                "url": prepared.url,
                "json": kw.get("json"),
                "authorization": prepared.headers.get("Authorization"),
            }
        )
        nxt = self.answers.pop(0)
        if isinstance(nxt, Exception):
            raise nxt
        return nxt()


def client(session: ScriptedSession, **kw: Any) -> tuple[GongClient, list[float]]:
    slept: list[float] = []
    c = GongClient(
        "https://api.example.test/",
        lambda: "Basic " + SECRET,
        describe_credentials="access key 'AK' and its access_key_secret",
        **{"requests_per_second": None, **kw},
        session=session,
        sleep=slept.append,
    )
    return c, slept


def page(key: str, items: list[Any], number: int, cursor: str | None, total: int) -> Any:
    records: dict[str, Any] = {
        "totalRecords": total,
        "currentPageSize": len(items),
        "currentPageNumber": number,
    }
    if cursor:
        records["cursor"] = cursor
    return answer(200, {"requestId": "r", "records": records, key: items})


def test_post_cursor_travels_as_top_level_body_field_with_the_body_unchanged() -> None:
    s = ScriptedSession(
        page("calls", [{"a": 1}], 0, "C1", 2),
        page("calls", [{"a": 2}], 1, None, 2),
    )
    c, _ = client(s)
    body = {"filter": {"fromDateTime": "2026-01-01T00:00:00Z"}, "contentSelector": {}}
    got = list(c.items(ep.CALLS_EXTENSIVE, body=body))
    assert got == [[{"a": 1}], [{"a": 2}]]
    assert [x["json"] for x in s.sent] == [body, {**body, "cursor": "C1"}]
    assert all("?" not in x["url"] for x in s.sent)


def test_get_cursor_travels_in_the_query() -> None:
    s = ScriptedSession(page("users", [{"id": "1"}], 0, "U1", 2), page("users", [], 1, None, 2))
    c, _ = client(s)
    list(c.items(ep.USERS))
    assert [x["url"] for x in s.sent] == [
        "https://api.example.test/v2/users",
        "https://api.example.test/v2/users?cursor=U1",
    ]
    assert [x["json"] for x in s.sent] == [None, None]


def test_404_is_empty_only_with_gongs_nothing_found_message() -> None:
    empty = {"requestId": "r", "errors": ["No calls found corresponding to the provided filters"]}
    s = ScriptedSession(
        answer(404, empty), answer(404, {"requestId": "r", "errors": ["Not Found"]})
    )
    c, _ = client(s)
    assert list(c.items(ep.CALLS_EXTENSIVE, body={"filter": {}})) == []
    with pytest.raises(GongApiError) as err:
        list(c.items(ep.CALLS_EXTENSIVE, body={"filter": {}}))
    assert str(err.value) == "Gong rejected POST /v2/calls/extensive with 404: Not Found"


def test_401_fails_after_exactly_one_request_naming_the_credential_not_the_secret() -> None:
    body = {
        "requestId": "r",
        "errors": ["Validate credentials failed. Please check your credentials and try again."],
    }
    s = ScriptedSession(answer(401, body), answer(200, {}))
    c, slept = client(s)
    with pytest.raises(GongAuthError) as err:
        list(c.items(ep.USERS))
    assert len(s.sent) == 1 and slept == []
    assert str(err.value) == (
        "Gong rejected access key 'AK' and its access_key_secret with 401 on GET /v2/users "
        "(Gong: Validate credentials failed. Please check your credentials and try again.). "
        "Check sources.gong.credentials and sources.gong.base_url."
    )
    assert SECRET not in str(err.value)


def test_missing_scope_is_named() -> None:
    body = {
        "requestId": "r",
        "errors": ["You don't have permission to use 'api:stats:user-actions' in your app."],
    }
    s = ScriptedSession(answer(401, body))
    c, _ = client(s)
    with pytest.raises(GongAuthError) as err:
        list(c.items(ep.ACTIVITY_AGGREGATE_BY_PERIOD, body={"filter": {}}))
    assert err.value.scope == "api:stats:user-actions"
    assert "lack the scope 'api:stats:user-actions'" in str(err.value)


def test_429_honours_retry_after_then_succeeds() -> None:
    s = ScriptedSession(
        answer(
            429, {"requestId": "r", "errors": ["API request limit exceeded"]}, {"Retry-After": "2"}
        ),
        page("users", [{"id": "1"}], 0, None, 1),
    )
    c, slept = client(s)
    assert list(c.items(ep.USERS)) == [[{"id": "1"}]]
    assert len(slept) == 1 and 2.0 <= slept[0] <= 2.25
    assert c.requests_sent == 2 and c.retries == 1


def test_429_beyond_the_allowed_wait_is_the_daily_quota() -> None:
    s = ScriptedSession(
        answer(429, {"errors": ["API request limit exceeded"]}, {"Retry-After": "36000"})
    )
    c, slept = client(s, max_retry_after_seconds=300)
    with pytest.raises(GongQuotaExhausted) as err:
        list(c.items(ep.USERS))
    assert slept == [] and len(s.sent) == 1
    assert err.value.retry_after_seconds == 36000
    assert str(err.value).startswith(
        "Gong's daily API quota is spent (429 with Retry-After 36000 s)"
    )


def test_5xx_connection_errors_and_truncated_json_are_retried_with_backoff() -> None:
    s = ScriptedSession(
        answer(500, {"requestId": "r", "errors": ["Internal server error occurred"]}),
        requests.ConnectionError("reset"),
        answer(200, b'{"requestId": "r", "users": [{"id"', {"content-type": "application/json"}),
        answer(502, b"<html>Bad gateway</html>", {"content-type": "text/html"}),
        page("users", [{"id": "1"}], 0, None, 1),
    )
    c, slept = client(s)
    assert list(c.items(ep.USERS)) == [[{"id": "1"}]]
    assert len(s.sent) == 5 and len(slept) == 4
    assert all(0 < x <= 60 for x in slept)


def test_gives_up_after_max_attempts() -> None:
    s = ScriptedSession(*[answer(503, {"errors": ["Service unavailable"]})] * 3)
    c, _ = client(s, max_attempts=3)
    with pytest.raises(GongUnavailableError) as err:
        list(c.items(ep.USERS))
    assert str(err.value) == (
        "GET /v2/users failed 3 times; last: 503 on GET /v2/users: Service unavailable"
    )


def test_html_200_from_a_proxy_is_not_gong() -> None:
    s = ScriptedSession(answer(200, b"<html>login</html>", {"content-type": "text/html"}))
    c, _ = client(s)
    with pytest.raises(GongUnavailableError) as err:
        list(c.items(ep.USERS))
    assert str(err.value) == (
        "GET /v2/users at https://api.example.test answered 200 with text/html, not Gong's "
        "JSON: check sources.gong.base_url"
    )


def test_expired_cursor_restarts_the_sequence() -> None:
    s = ScriptedSession(
        page("calls", [{"a": 1}], 0, "C1", 2),
        answer(400, {"requestId": "r", "errors": ["cursor has expired"]}),
        page("calls", [{"a": 1}], 0, "C2", 2),
        page("calls", [{"a": 2}], 1, None, 2),
    )
    c, _ = client(s)
    got = list(c.items(ep.CALLS_EXTENSIVE, body={"filter": {}}))
    # an empty page marks the restart, for a consumer that keeps a whole table
    assert got == [[{"a": 1}], [], [{"a": 1}], [{"a": 2}]]
    assert [type(items) for items in got] == [list, Restarted, list, list]
    assert [x["json"].get("cursor") for x in s.sent] == [None, "C1", None, "C2"]


def test_authorization_header_is_sent_but_not_in_repr() -> None:
    s = ScriptedSession(page("users", [], 0, None, 0))
    c, _ = client(s)
    list(c.items(ep.USERS))
    assert s.sent[0]["authorization"] == "Basic " + SECRET
    assert SECRET not in repr(c._auth)


def test_sliding_window_never_lets_a_fourth_request_into_a_second() -> None:
    now = [0.0]
    sent: list[float] = []

    def sleep(seconds: float) -> None:
        now[0] += seconds

    limiter = SlidingWindowLimiter(3, clock=lambda: now[0], sleep=sleep)
    for _ in range(30):
        slot = limiter.acquire()
        sent.append(now[0])
        limiter.sent(slot, now[0])
        now[0] += 0.01  # the request itself
        limiter.answered(slot, now[0])
    for i in range(3, len(sent)):
        assert sent[i] - sent[i - 3] >= 1.0 + 0.01  # after the answer: Gong counted it by then
    # and it does not waste time: the 28th goes after 9 windows of 1.02 s, two more follow
    assert sent[-1] == pytest.approx(9 * 1.02 + 0.02)


def test_a_request_is_dated_when_gong_can_have_counted_it_at_the_latest() -> None:
    """Three slots granted at 0.0: one left at 0.3 (its thread waited) and was answered at
    0.35, one answered fast at 0.05, one slow, answered at 0.9, and the window counts each
    from its answer, but no later than `counted_within` (0.25) after it left: Gong counts a
    request before it does the work, so a slow answer is slow after the count."""
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    limiter = SlidingWindowLimiter(3, clock=lambda: now[0], sleep=sleep)
    slots = [limiter.acquire() for _ in range(3)]
    limiter.sent(slots[0], 0.3)
    limiter.answered(slots[0], 0.35)
    limiter.sent(slots[1], 0.0)
    limiter.answered(slots[1], 0.05)
    limiter.sent(slots[2], 0.0)
    limiter.answered(slots[2], 0.9)
    went = []
    for _ in range(3):
        limiter.acquire()
        went.append(now[0])
    assert went == pytest.approx([w + limiter.window for w in (0.05, 0.25, 0.35)])
    assert SlidingWindowLimiter(None).acquire() is None


def test_a_timed_write_bounds_when_gong_counted_a_slow_answer() -> None:
    """Written at 0.02 and answered at 0.6 (a slow page): counted by 0.02 + reached_within,
    not at the answer; answered before that bound, at the answer."""
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    limiter = SlidingWindowLimiter(3, clock=lambda: now[0], sleep=sleep)
    slots = [limiter.acquire() for _ in range(3)]
    limiter.answered(slots[0], 0.6, written=0.02)
    limiter.answered(slots[1], 0.03, written=0.02)
    limiter.answered(slots[2], 0.9, written=None)  # not timed: the answer, or counted_within
    went = []
    for _ in range(3):
        limiter.acquire()
        went.append(now[0])
    assert went == pytest.approx(
        [w + limiter.window for w in (0.03, 0.02 + limiter.reached_within, 0.25)]
    )


def test_the_clients_own_session_times_each_write(sandbox: Any) -> None:
    """Against the sandbox: the write is timed after the request left and before its answer."""
    key = GongApiKeyCredentials(
        access_key=sandbox.config.access_key, access_key_secret=sandbox.config.access_key_secret
    )
    c = GongClient(
        sandbox.url, key.authorization, requests_per_second=3,
        describe_credentials="the sandbox's key",
    )  # fmt: skip
    before = time.monotonic()
    list(c.items(ep.WORKSPACES))
    written = wire.written_at()
    assert written is not None and before < written < time.monotonic()


def test_a_request_in_flight_holds_the_window_until_counted_within_after_it_went() -> None:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    limiter = SlidingWindowLimiter(3, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        limiter.acquire()  # never answered: a timeout, or still on the wire
    limiter.acquire()
    assert now[0] == pytest.approx(limiter.counted_within + limiter.window)


def refused() -> requests.ConnectionError:
    """What requests raises when nothing listens on the port (urllib3 2 wraps it so)."""
    reason = urllib3.exceptions.NewConnectionError(
        None, "Failed to establish a new connection: [Errno 111] Connection refused"
    )
    return requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, "/v2/users", reason))


def test_a_host_that_never_answered_is_given_up_after_three_attempts() -> None:
    """A wrong base URL or no network: seconds of backoff, not minutes, then the URL."""
    s = ScriptedSession(*[refused()] * 8)
    c, slept = client(s)
    with pytest.raises(GongUnavailableError) as err:
        list(c.items(ep.USERS))
    assert str(err.value) == (
        "could not connect to https://api.example.test (Connection refused; 3 attempts): "
        "check sources.gong.base_url and the network"
    )
    assert (len(s.sent), len(slept)) == (3, 2)


def test_a_host_that_answered_before_keeps_the_full_retry_budget() -> None:
    """Once Gong has answered, a refused connection is an outage worth riding out."""
    s = ScriptedSession(
        page("users", [{"id": "1"}], 0, "U1", 2), *[refused()] * 5, page("users", [], 1, None, 2)
    )
    c, slept = client(s)
    assert list(c.items(ep.USERS)) == [[{"id": "1"}], []]
    assert (len(s.sent), len(slept)) == (7, 5)


def test_html_403_from_a_proxy_is_not_a_rejected_key() -> None:
    """Gong's 401/403 carry its JSON errors; a proxy's HTML 403 must not send the user off
    to rotate a key that works."""
    s = ScriptedSession(answer(403, b"<html>Forbidden</html>", {"content-type": "text/html"}))
    c, _ = client(s)
    with pytest.raises(GongUnavailableError) as err:
        list(c.items(ep.USERS))
    assert str(err.value) == (
        "GET /v2/users at https://api.example.test answered 403 with a page that is not "
        "Gong's JSON (text/html): check sources.gong.base_url"
    )


class SlowSession(ScriptedSession):
    """Scripted answers per URL path, each taking ``seconds``; notes when each request was
    sent and how many were in flight at once."""

    def __init__(self, seconds: float, by_path: dict[str, list[Any]]) -> None:
        super().__init__()
        self.seconds = seconds
        self.by_path = by_path
        self.in_flight = 0
        self.most_in_flight = 0
        self.sent_at: dict[str, list[float]] = {path: [] for path in by_path}
        self._lock = threading.Lock()

    def request(self, method: str, url: str, **kw: Any) -> requests.Response:  # type: ignore[override]
        path = url.removeprefix("https://api.example.test")
        with self._lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            self.sent_at[path].append(time.monotonic())
            make = self.by_path[path].pop(0)
        try:
            time.sleep(self.seconds)
            return make()
        finally:
            with self._lock:
                self.in_flight -= 1


def _pages(key: str, n: int) -> list[Any]:
    return [page(key, [{"id": f"{key}{i}"}], i + 1, f"{key}{i + 1}" if i < n - 1 else None, n)
            for i in range(n)]  # fmt: skip


@pytest.mark.parametrize(
    ("per_second", "in_flight", "on_the_wire"), [(100, 1, 1), (100, 3, 2), (None, 3, 2)]
)
def test_the_next_page_is_requested_while_this_one_is_used(
    per_second: int | None, in_flight: int, on_the_wire: int
) -> None:
    """Paced or not, the two sequences' requests go side by side (a far Gong answers in
    most of a second), up to `max_in_flight`; with 1, one request on the wire at a time."""
    s = SlowSession(
        0.05, {"/v2/calls/extensive": _pages("calls", 4), "/v2/users": _pages("users", 4)}
    )
    c, _ = client(s, requests_per_second=per_second, max_in_flight=in_flight)
    paths = {"calls": "/v2/calls/extensive", "users": "/v2/users"}
    prefetched: dict[str, list[bool]] = {"calls": [], "users": []}

    def use(key: str, pages: Any) -> None:
        """Holds each page (dlt at work on it) until the next one has been sent, or 10 s:
        the next page must go out while this one is still in use, however slow the machine."""
        for n, items in enumerate(pages):
            assert items == [{"id": f"{key}{n}"}]
            if n < 3:
                deadline = time.monotonic() + 10
                while len(s.sent_at[paths[key]]) < n + 2 and time.monotonic() < deadline:
                    time.sleep(0.005)
                prefetched[key].append(len(s.sent_at[paths[key]]) >= n + 2)

    users = threading.Thread(target=use, args=("users", c.items(ep.USERS)))
    users.start()
    use("calls", c.items(ep.CALLS_EXTENSIVE, body={"filter": {}}))
    users.join()
    # each following page went out while the one before was still being used
    assert prefetched == {"calls": [True] * 3, "users": [True] * 3}
    assert s.most_in_flight == on_the_wire  # two sequences and their prefetches
    assert c.requests_sent == 8


def test_no_more_than_max_in_flight_requests_are_on_the_wire() -> None:
    """Six parents' requests asked ahead side by side (`GongClient.ahead`): at most
    `max_in_flight` on the wire, and the answers come back in the parents' order."""
    s = SlowSession(0.05, {"/v2/users": _pages("users", 1) * 6})
    c, _ = client(s, requests_per_second=None, max_in_flight=2)
    got = list(c.ahead(lambda n: (n, list(c.items(ep.USERS))), range(6)))
    assert [n for n, _ in got] == [0, 1, 2, 3, 4, 5]
    assert s.most_in_flight == 2
    assert c.requests_sent == 6


def test_ahead_sends_nothing_past_a_consumer_that_stopped() -> None:
    """A consumer that takes one answer and stops: only the answers asked ahead were sent."""
    s = SlowSession(0.01, {"/v2/users": _pages("users", 1) * 6})
    c, _ = client(s, requests_per_second=None, max_in_flight=2)
    answers = c.ahead(lambda n: list(c.items(ep.USERS)), range(6))
    assert next(answers) == [[{"id": "users0"}]]
    answers.close()
    c._ahead.shutdown(wait=True)  # type: ignore[union-attr]
    assert c.requests_sent <= 3  # the one used, and at most max_in_flight asked ahead


@pytest.mark.parametrize(
    ("written", "answered"),
    [(0.01, False), (0.4, False), (0.3, True)],
    ids=["at-once", "late", "late-then-answered"],
)
def test_a_request_in_flight_is_dated_at_its_write(written: float, answered: bool) -> None:
    """Three requests granted at 0 and written at ``written``, their answers still on the
    way (a far Gong): the window counts each from its write plus `reached_within`, so the
    next three go that plus the window later, not after the answers. Written at 0.4, past
    `counted_within` (0.25: their threads waited for the interpreter), they are dated at
    0.5, not at the 0.25 they were granted with; answered at 1.0, being told with the
    answer that they left at 0.01 (`requests`' timer) does not date them back to 0.26."""
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    limiter = SlidingWindowLimiter(3, clock=lambda: now[0], sleep=sleep)
    slots = [limiter.acquire() for _ in range(3)]
    for slot in slots:
        limiter.written(slot, written)
    if answered:
        now[0] = 1.0
        for slot in slots:
            limiter.sent(slot, 0.01)
            limiter.answered(slot, 1.0, written)
    went = []
    for _ in range(3):
        limiter.acquire()
        went.append(now[0])
    assert went == pytest.approx([written + limiter.reached_within + limiter.window] * 3)


def test_a_waiting_request_goes_as_soon_as_a_write_dates_a_slot_earlier() -> None:
    """A fourth request waits for the window while three are in flight, undated (counted
    within an hour, at the latest). Their writes date them: it goes then, not an hour
    later: the waiter is told, it does not sleep out the wait it first computed."""
    now = [0.0]
    limiter = SlidingWindowLimiter(3, counted_within=3600.0, clock=lambda: now[0])
    slots = [limiter.acquire() for _ in range(3)]
    got: list[Any] = []
    fourth = threading.Thread(target=lambda: got.append(limiter.acquire()))
    fourth.start()
    deadline = time.monotonic() + 30
    while not limiter._moved._waiters and time.monotonic() < deadline:  # type: ignore[attr-defined]
        time.sleep(0.001)  # until the fourth is waiting
    assert limiter._moved._waiters  # type: ignore[attr-defined]
    now[0] = 1.2
    for slot in slots:
        limiter.written(slot, 0.05)  # counted by 0.15: out of the window at 1.2
    fourth.join(timeout=60)
    assert not fourth.is_alive()
    assert got == [[1.2 + 3600.0, 1.2, NOT_WRITTEN]]
