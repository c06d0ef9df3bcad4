"""Authentication, scopes, routing errors and the headers every Gong response carries."""

from __future__ import annotations

import base64
import re

import pytest
import requests
from sandbox_helpers import errors, get, post, session

from dlt_gong.sandbox import messages

BAD_CREDENTIALS = ["Validate credentials failed. Please check your credentials and try again."]
ALL_SCOPES = frozenset(
    {
        "api:users:read",
        "api:calls:read:basic",
        "api:calls:read:extensive",
        "api:calls:read:transcript",
        "api:stats:user-actions",
        "api:stats:user-actions:detailed",
        "api:stats:interaction",
        "api:stats:scorecards",
        "api:settings:scorecards:read",
        "api:settings:trackers:read",
        "api:workspaces:read",
        "api:library:read",
        "api:call-outcomes:read",
    }
)


def _basic(key: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        _basic("sandbox-access-key", "wrong-secret"),
        _basic("wrong-key", "sandbox-access-key-secret"),
        _basic("sandbox-access-key", ""),
        "Basic not-base64!!",
        "Bearer not-a-token",
        "Token sandbox-access-key",
    ],
)
def test_bad_credentials_get_gongs_401(sandbox, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    r = requests.get(f"{sandbox.url}/v2/users", headers=headers, timeout=10)
    assert r.status_code == 401
    assert errors(r) == BAD_CREDENTIALS
    assert r.headers["WWW-Authenticate"] == 'Basic realm="Gong.io API"'
    assert r.headers["content-type"] == "application/json; charset=utf-8"  # as recorded


def test_basic_and_bearer_credentials_work(make_sandbox):
    sb = make_sandbox(bearer_tokens=("tok-1", "tok-2"))
    assert get(sb, "/v2/workspaces").status_code == 200
    for token in ("tok-1", "tok-2"):
        r = requests.get(f"{sb.url}/v2/workspaces", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200
    r = requests.get(f"{sb.url}/v2/workspaces", headers={"Authorization": "Bearer tok-3"})
    assert r.status_code == 401
    assert errors(r) == BAD_CREDENTIALS


def test_unknown_path_needs_auth_first_then_404(sandbox):
    r = requests.get(f"{sandbox.url}/v2/no-such-thing", timeout=10)
    assert r.status_code == 401
    r = get(sandbox, "/v2/no-such-thing")
    assert r.status_code == 404
    assert errors(r) == ["Not Found"]


@pytest.mark.contract_exempt("405 is not in the spec; real Gong sends it (observed)")
def test_wrong_verb_is_405(sandbox):
    r = get(sandbox, "/v2/calls/extensive")
    assert r.status_code == 405
    assert errors(r) == ["Method Not Allowed"]
    r = session(sandbox).delete(f"{sandbox.url}/v2/users")
    assert r.status_code == 405


@pytest.mark.contract_exempt("415 is not in the spec; real Gong sends it (observed)")
def test_non_json_body_is_415(sandbox):
    r = session(sandbox).post(
        f"{sandbox.url}/v2/calls/extensive", data="filter=x", headers={"Content-Type": "text/plain"}
    )
    assert r.status_code == 415
    assert errors(r) == ["Unsupported Media Type"]


def test_malformed_json_is_400(sandbox):
    r = session(sandbox).post(
        f"{sandbox.url}/v2/calls/extensive",
        data=b'{"filter": {',
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 400
    assert errors(r) == ["Bad request"]
    r = post(sandbox, "/v2/calls/extensive", [1, 2])
    assert r.status_code == 400
    assert errors(r) == ["Bad request"]


def test_missing_filter_is_400(sandbox):
    r = post(sandbox, "/v2/calls/transcript", {})
    assert r.status_code == 400
    assert errors(r) == ["filter is required"]


def test_every_response_has_gongs_headers_and_request_id(sandbox):
    ok, missing, unknown = (
        get(sandbox, "/v2/workspaces"),
        get(sandbox, "/v2/nope"),
        post(sandbox, "/v2/x", {}),
    )
    # real Gong spells the content type differently for successes and errors (recorded)
    assert ok.headers["content-type"] == "application/json;charset=UTF-8"
    assert missing.headers["content-type"] == "application/json; charset=utf-8"
    for r in (ok, missing, unknown):
        body = r.json()
        assert re.fullmatch(r"[0-9a-z]{17,19}", body["requestId"])
        assert r.headers["x-traceid"] == body["requestId"]
        assert r.headers["x-gong-service-version"] == "PublicApiServer:17.main.19292"
        assert "server" not in r.headers
    ids = {get(sandbox, "/v2/workspaces").json()["requestId"] for _ in range(5)}
    assert len(ids) == 5


SCOPED = [
    ("GET", "/v2/users", None, "api:users:read"),
    ("POST", "/v2/users/extensive", {"filter": {}}, "api:users:read"),
    ("GET", "/v2/calls", None, "api:calls:read:basic"),
    ("POST", "/v2/calls/extensive", {"filter": {}}, "api:calls:read:extensive"),
    ("POST", "/v2/calls/transcript", {"filter": {}}, "api:calls:read:transcript"),
    ("POST", "/v2/stats/activity/aggregate",
     {"filter": {"fromDate": "2026-06-01", "toDate": "2026-06-02"}}, "api:stats:user-actions"),
    ("POST", "/v2/stats/activity/aggregate-by-period",
     {"aggregationPeriod": "WEEK", "filter": {"fromDate": "2026-06-01", "toDate": "2026-06-02"}},
     "api:stats:user-actions"),
    ("POST", "/v2/stats/activity/day-by-day",
     {"filter": {"fromDate": "2026-06-01", "toDate": "2026-06-02"}},
     "api:stats:user-actions:detailed"),
    ("POST", "/v2/stats/interaction",
     {"filter": {"fromDate": "2026-06-01", "toDate": "2026-06-02"}}, "api:stats:interaction"),
    ("POST", "/v2/stats/activity/scorecards", {"filter": {}}, "api:stats:scorecards"),
    ("GET", "/v2/settings/scorecards", None, "api:settings:scorecards:read"),
    ("GET", "/v2/settings/trackers", None, "api:settings:trackers:read"),
    ("GET", "/v2/workspaces", None, "api:workspaces:read"),
    ("GET", "/v2/library/folders", None, "api:library:read"),
    ("GET", "/v2/call-outcomes", None, "api:call-outcomes:read"),
]  # fmt: skip


def test_each_endpoint_needs_its_scope(make_sandbox):
    sb = make_sandbox(
        bearer_tokens=("narrow", "full"),
        scopes={"narrow": frozenset(), "full": ALL_SCOPES},
    )
    user_id = sb.company.users()[0]["id"]
    cases = [*SCOPED, ("GET", f"/v2/users/{user_id}/settings-history", None, "api:users:read")]
    for method, path, body, scope in cases:
        narrow = requests.request(
            method, f"{sb.url}{path}", json=body, headers={"Authorization": "Bearer narrow"}
        )
        assert narrow.status_code == 401, path
        assert errors(narrow) == [f"You don't have permission to use '{scope}' in your app."]
        assert "WWW-Authenticate" not in narrow.headers
        full = requests.request(
            method, f"{sb.url}{path}", json=body, headers={"Authorization": "Bearer full"}
        )
        assert full.status_code in (200, 404), (path, full.text)
    # a credential not in the mapping is unrestricted
    assert get(sb, "/v2/workspaces").status_code == 200
    assert (
        messages.MISSING_SCOPE.format(scope="x")
        == "You don't have permission to use 'x' in your app."
    )


def test_media_urls_need_their_own_scope(make_sandbox):
    sb = make_sandbox(bearer_tokens=("t",), scopes={"t": ALL_SCOPES})
    headers = {"Authorization": "Bearer t"}
    body = {"filter": {}, "contentSelector": {"exposedFields": {"media": True}}}
    r = requests.post(f"{sb.url}/v2/calls/extensive", json=body, headers=headers)
    assert r.status_code == 401
    assert errors(r) == ["You don't have permission to use 'api:calls:read:media-url' in your app."]
    body["contentSelector"]["exposedFields"]["media"] = False
    assert requests.post(f"{sb.url}/v2/calls/extensive", json=body, headers=headers).ok


def test_secret_never_appears_in_repr_or_responses(make_sandbox):
    sb = make_sandbox(access_key_secret="very-secret-value", bearer_tokens=("tok-secret",))
    assert "very-secret-value" not in repr(sb.config)
    assert "tok-secret" not in repr(sb.config)
    r = requests.get(f"{sb.url}/v2/users", auth=("sandbox-access-key", "nope"))
    assert b"very-secret-value" not in r.content


def _refresh(sb, refresh_token, client=("sandbox-client-id", "sandbox-client-secret")):
    return requests.post(
        sb.token_url,
        params={"grant_type": "refresh_token", "refresh_token": refresh_token},
        headers={"Authorization": _basic(*client)},
        timeout=30,
    )


@pytest.mark.parametrize("text", ["expired", "generic"])
def test_oauth_tokens_are_short_lived_and_refresh_tokens_single_use(make_sandbox, text):
    sb = make_sandbox(oauth_refresh_tokens=("rt-0",), oauth_access_token_seconds=600,
                      oauth_expired_token_text=text, freeze_clock=True)  # fmt: skip
    assert _refresh(sb, "rt-0", ("sandbox-client-id", "wrong")).json() == {
        "error": "invalid_client"
    }
    r = _refresh(sb, "rt-0")
    assert r.status_code == 200
    answer = r.json()
    assert set(answer) == {"access_token", "refresh_token", "expires_in", "scope",
                           "token_type", "api_base_url_for_customer"}  # fmt: skip
    assert (answer["expires_in"], answer["api_base_url_for_customer"]) == (600, sb.url)
    bearer = {"Authorization": f"Bearer {answer['access_token']}"}
    assert requests.get(f"{sb.url}/v2/workspaces", headers=bearer).status_code == 200
    again = _refresh(sb, "rt-0")  # single use
    assert (again.status_code, again.json()) == (400, {"error": "invalid_grant"})
    sb.clock.advance(599)
    assert requests.get(f"{sb.url}/v2/workspaces", headers=bearer).status_code == 200
    sb.clock.advance(1)
    r = requests.get(f"{sb.url}/v2/workspaces", headers=bearer)
    assert r.status_code == 401
    expected = messages.ACCESS_TOKEN_EXPIRED if text == "expired" else BAD_CREDENTIALS[0]
    assert errors(r) == [expected]
    nxt = _refresh(sb, answer["refresh_token"])  # the rotated one works, once
    assert nxt.status_code == 200 and nxt.json()["refresh_token"] != answer["refresh_token"]
    assert (sb.oauth.refreshes, sb.oauth.refused) == (2, 2)
