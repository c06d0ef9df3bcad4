"""The reliability suite: faults, crashes, the quota, bad input and secrets.

Every test here is marked ``reliability`` (``pytest -m reliability`` runs them alone);
``DLT_GONG_SOAK=1`` (``make soak``) makes each scenario heavier. The ``report`` fixture
collects each scenario's measured outcome into docs/reliability.md, which is rewritten
only by a run of the whole suite (every file, no ``-k``) in which everything passed, so a
partial or failed run never leaves a partial report.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from report import Outcome, Report

_REPORT = Report()
_HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).parent == _HERE:
            item.add_marker(pytest.mark.reliability)


class Recording:
    """What a test uses to add its rows: ``report(Outcome(...))``."""

    def __init__(self, nodeid: str) -> None:
        self.nodeid = nodeid

    def __call__(self, outcome: Outcome) -> None:
        _REPORT.add(self.nodeid, outcome)


@pytest.fixture
def report(request: pytest.FixtureRequest) -> Recording:
    return Recording(request.node.nodeid)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Without xdist: write the report if the session was complete. In an xdist worker:
    hand the outcomes to the controller, which writes it (tests/conftest.py)."""
    config = session.config
    if hasattr(config, "workeroutput"):
        config.workeroutput["reliability_outcomes"] = _REPORT.to_json()
    elif not config.pluginmanager.has_plugin("dsession"):
        _REPORT.write_if_complete(
            [i.nodeid for i in session.items], config.rootpath, session.testsfailed,
            config.getoption("keyword"), config.getoption("markexpr") or "",
        )  # fmt: skip
