"""The sandbox against real Gong: every recorded response it can reproduce, it reproduces.

``spec/observed-responses.json`` holds responses recorded from a real Gong tenant that had
no calls and keys without some scopes. A sandbox set up the same way (no calls; the requests
Gong refused for a missing scope sent with a token that has none) must answer each recorded
request of an endpoint it serves with the same status; 200 bodies must have the same shape (keys and value types, recursively; null is
compatible with anything), error bodies the same ``errors``.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

contract = pytest.importorskip("contract", reason="tests/contract.py provides the recordings")

# The recordings were made with keys that lacked some scopes (stats, coaching, CRM): those
# requests are replayed with a token that has no scope at all, so the sandbox must name the
# same scope Gong named; everything else with the unrestricted key.
NO_SCOPES_TOKEN = "recordings-token-without-scopes"
# The one recording that contradicts the spec: a /v2/library/folders response with a
# `records` object (another recording of the same endpoint has none, like the spec).
# API.md §2.1 marks it UNCERTAIN; the sandbox follows the spec.
SPEC_WINS = {("GET", "/v2/library/folders", "records")}


def _covered() -> list[dict[str, Any]]:
    out = []
    for obs in contract.load_observations():
        operation = contract.read_operation(obs["method"], obs["path"])
        if operation is None or obs["status"] not in (200, 400, 401, 404, 500):
            continue
        if obs["status"] == 200 and "records" in obs["body"] and (
            *operation, "records") in SPEC_WINS:  # fmt: skip
            continue
        out.append({**obs, "operation": operation})
    return out


OBSERVATIONS = _covered()


@pytest.fixture(scope="module")
def tenant_like_nangos():
    """A sandbox like the recorded tenant: no calls; a token without scopes for the 401s."""
    from contract_watch import TEST_NOW, WATCH
    from dlt_gong.sandbox import SandboxConfig, run_sandbox

    config = SandboxConfig(
        seed=7,
        users=4,
        calls=0,
        now=TEST_NOW,
        rate_limit_per_second=None,
        daily_quota=None,
        bearer_tokens=(NO_SCOPES_TOKEN,),
        scopes={NO_SCOPES_TOKEN: frozenset()},
    )
    with run_sandbox(config) as sb:
        sb.on_exchange.append(WATCH)
        yield sb


def _request_for(sb: Any, obs: dict[str, Any]) -> tuple[str, dict[str, Any], Any]:
    """The recorded request, with the tenant's ids swapped for the sandbox's."""
    _, template = obs["operation"]
    path = template.replace("{id}", sb.company.users()[0]["id"])
    request = obs.get("request") or {}
    params = dict(request.get("params") or {})
    if "workspaceId" in params:
        params["workspaceId"] = sb.company.workspaces()[0]["id"]
    if "folderId" in params:
        params["folderId"] = sb.company.library_folders()[0]["id"]  # a root: no calls
    for email in ("flowOwnerEmail", "flowFolderOwnerEmail"):  # the recording tenant's own user
        if email in params:
            params[email] = sb.company.users()[0]["emailAddress"]
    return path, params, request.get("data")


def test_recordings_cover_the_endpoints_we_compare():
    operations = {o["operation"] for o in OBSERVATIONS}
    assert ("GET", "/v2/users") in operations
    assert ("POST", "/v2/calls/extensive") in operations
    assert len(OBSERVATIONS) >= 25


@pytest.mark.parametrize(
    "obs", OBSERVATIONS, ids=[f"{o['method']} {o['path']} {o['status']}" for o in OBSERVATIONS]
)
def test_sandbox_answers_like_the_recording(tenant_like_nangos, obs):
    sb = tenant_like_nangos
    path, params, data = _request_for(sb, obs)
    lacks_scope = obs["status"] == 401 and "permission to use" in obs["body"]["errors"][0]
    r = requests.request(
        obs["method"],
        f"{sb.url}{path}",
        params=params or None,
        json=data,
        auth=None if lacks_scope else (sb.config.access_key, sb.config.access_key_secret),
        headers={"Authorization": f"Bearer {NO_SCOPES_TOKEN}"} if lacks_scope else None,
        timeout=30,
    )
    assert r.status_code == obs["status"], r.text
    body = r.json()
    recorded = obs["body"]
    if obs["status"] == 200:
        assert contract.same_shape(recorded, body) == []
    else:
        assert body["errors"] == recorded["errors"]
        assert set(body) == set(recorded) == {"requestId", "errors"}
    for header in ("content-type", "x-gong-service-version"):
        if header in (obs.get("headers") or {}):
            assert r.headers[header] == obs["headers"][header]
    assert r.headers["x-traceid"] == body["requestId"]
