"""What the orchestrator tests share: a small frozen sandbox company and the environment
that points an example's `gong_source()` at it (dlt reads it at each run)."""

from __future__ import annotations

import importlib.util
import json
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from dlt_gong.options import ALL_CONTENT
from dlt_gong.sandbox import RunningSandbox, SandboxConfig
from dlt_gong.windows import gong_datetime
from instants import NOW

ROOT = Path(__file__).resolve().parents[2]
START = (NOW - timedelta(days=4)).replace(hour=0, minute=0, second=0, microsecond=0)
RESOURCES = ["calls", "call_transcripts", "call_transcript_text"]


def config(**overrides: Any) -> SandboxConfig:
    base: dict[str, Any] = dict(seed=11, users=8, calls=60, days=3, now=NOW, freeze_clock=True,
                                rate_limit_per_second=None, daily_quota=None)  # fmt: skip
    return SandboxConfig(**{**base, **overrides})


def point_at(monkeypatch: pytest.MonkeyPatch, sb: RunningSandbox, tmp_path: Path) -> None:
    """The example's source loads from `sb` at its clock, its DuckDB file in `tmp_path`."""
    monkeypatch.chdir(tmp_path)
    for key, value in {
        "SOURCES__GONG__BASE_URL": sb.url,
        "SOURCES__GONG__CREDENTIALS__ACCESS_KEY": sb.config.access_key,
        "SOURCES__GONG__CREDENTIALS__ACCESS_KEY_SECRET": sb.config.access_key_secret,
        "SOURCES__GONG__REQUESTS_PER_SECOND": "0",
        "SOURCES__GONG__MAX_RETRY_AFTER_SECONDS": "60",
        "SOURCES__GONG__START_DATE": START.isoformat(),
        "SOURCES__GONG__RESOURCES": json.dumps(RESOURCES),
        "SOURCES__GONG__NOW": sb.clock.now().isoformat(),
        "DLT_DATA_DIR": str(tmp_path / ".dlt-data"),
        "RUNTIME__LOG_LEVEL": "WARNING",
    }.items():
        monkeypatch.setenv(key, value)


def load_example(name: str) -> ModuleType:
    """Imports examples/<name>.py afresh (its definitions read the environment)."""
    spec = importlib.util.spec_from_file_location(
        f"example_{name}", ROOT / "examples" / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def public_calls(sb: RunningSandbox) -> list[dict[str, Any]]:
    """The public calls since START, as the sandbox's clock stands."""
    calls = sb.company.calls(START, None, content_selector=ALL_CONTENT)
    return [c for c in calls if not c["metaData"]["isPrivate"]]


def spoken_calls(sb: RunningSandbox) -> list[str]:
    """Ids of the public calls with a transcript someone speaks in."""
    public = [c["metaData"]["id"] for c in public_calls(sb)]
    return sorted(t["callId"] for t in sb.company.transcripts(call_ids=public) if t["transcript"])


def incremental_start(previous_newest: str, lookback_days: float = 3) -> str:
    """The `fromDateTime` a run sends after one whose newest call started then."""
    newest = datetime.fromisoformat(previous_newest)
    return gong_datetime(newest - timedelta(days=lookback_days))
