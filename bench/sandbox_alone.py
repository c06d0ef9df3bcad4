"""The sandbox alone: how fast it serves every page of calls (all content) and the
transcripts of each page, to a plain ``requests`` loop with no dlt. If it serves slower
than a pipeline consumes, a pipeline figure would measure the sandbox, not the pipeline.
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

import requests

from bench.sandbox_process import ACCESS_KEY, ACCESS_KEY_SECRET
from dlt_gong.options import ALL_CONTENT


def serve_all_calls(url: str, start: date, max_calls: int | None = None) -> dict[str, Any]:
    """Pages through ``POST /v2/calls/extensive`` and ``/v2/calls/transcript`` like ours
    does (100 calls, then their transcripts, per step) and times it."""
    session = requests.Session()
    session.auth = (ACCESS_KEY, ACCESS_KEY_SECRET)
    body: dict[str, Any] = {
        "filter": {"fromDateTime": f"{start.isoformat()}T00:00:00Z"},
        "contentSelector": ALL_CONTENT,
    }
    calls = transcripts = pages = nbytes = 0
    started = time.perf_counter()
    while True:
        response = session.post(f"{url}/v2/calls/extensive", json=body, timeout=120)
        response.raise_for_status()
        data = response.json()
        nbytes += len(response.content)
        pages += 1
        page = data["calls"]
        calls += len(page)
        ids = [c["metaData"]["id"] for c in page if not c["metaData"]["isPrivate"]]
        if ids:
            found = session.post(
                f"{url}/v2/calls/transcript", json={"filter": {"callIds": ids}}, timeout=120
            )
            found.raise_for_status()
            nbytes += len(found.content)
            transcripts += len(found.json()["callTranscripts"])
        cursor = data["records"].get("cursor")
        if not cursor or (max_calls is not None and calls >= max_calls):
            break
        body["cursor"] = cursor
    seconds = time.perf_counter() - started
    return {
        "calls": calls,
        "transcripts": transcripts,
        "pages": pages,
        "megabytes": round(nbytes / 1e6, 1),
        "seconds": seconds,
        "calls_per_second": calls / seconds if seconds else 0.0,
        "complete": cursor is None or not cursor,
    }
