"""Small helpers the sandbox tests share: an authenticated session, paging, selectors."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import requests

from dlt_gong.options import ALL_CONTENT as SOURCE_DEFAULT_CONTENT
from dlt_gong.sandbox import RunningSandbox

# the source's own default selector: every section, media off
ALL_CONTENT = copy.deepcopy(SOURCE_DEFAULT_CONTENT)


def session(sb: RunningSandbox) -> requests.Session:
    """A requests session with the sandbox's Basic credentials."""
    s = requests.Session()
    s.auth = (sb.config.access_key, sb.config.access_key_secret)
    return s


def get(sb: RunningSandbox, path: str, **params: Any) -> requests.Response:
    """An authenticated GET."""
    return session(sb).get(f"{sb.url}{path}", params=params or None, timeout=30)


def post(sb: RunningSandbox, path: str, body: Any) -> requests.Response:
    """An authenticated JSON POST."""
    return session(sb).post(f"{sb.url}{path}", json=body, timeout=30)


def pages(sb: RunningSandbox, method: str, path: str, body: dict[str, Any] | None = None,
          params: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:  # fmt: skip
    """Every page of a paged endpoint, following ``records.cursor`` the way Gong wants."""
    s = session(sb)
    body = dict(body or {})
    params = dict(params or {})
    while True:
        if method == "GET":
            r = s.get(f"{sb.url}{path}", params=params, timeout=30)
        else:
            r = s.post(f"{sb.url}{path}", json=body, timeout=30)
        assert r.status_code == 200, r.text
        page = r.json()
        yield page
        cursor = page["records"].get("cursor")
        if cursor is None:
            return
        if method == "GET":
            params["cursor"] = cursor
        else:
            body["cursor"] = cursor


def errors(response: requests.Response) -> list[str]:
    """The ``errors`` of a Gong error body, checking its shape on the way."""
    body = response.json()
    assert set(body) == {"requestId", "errors"}, body
    assert response.headers["x-traceid"] == body["requestId"]
    return list(body["errors"])
