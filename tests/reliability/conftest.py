"""The reliability suite: faults, crashes, the quota, bad input and secrets.

Every test here is marked ``reliability`` (``pytest -m reliability`` runs them alone);
``DLT_GONG_SOAK=1`` (``make soak``) makes each scenario heavier. The ``report`` fixture
collects each scenario's measured outcome into docs/reliability.md, which is rewritten
only by a run of the whole suite (every file, no ``-k``) in which everything passed, so a
partial or failed run never leaves a partial report.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from report import DOC, Outcome, Report

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


@pytest.fixture(scope="session", autouse=True)
def _write_reliability_doc(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    session = request.session
    ours = [i.nodeid for i in session.items if Path(str(i.fspath)).parent == _HERE]
    files = {Path(str(i.fspath)).name for i in session.items if Path(str(i.fspath)).parent == _HERE}
    complete = (
        ours
        and files == {f.name for f in _HERE.glob("test_*.py")}
        and not request.config.getoption("keyword")
        and session.testsfailed == 0
        and all(nodeid in _REPORT.outcomes for nodeid in ours)
    )
    if complete:
        marks = request.config.getoption("markexpr") or ""
        command = f"pytest -m '{marks}'" if marks else "pytest"
        if os.environ.get("DLT_GONG_SOAK"):
            command = f"DLT_GONG_SOAK=1 {command} (make soak)"
        DOC.write_text(_REPORT.markdown(command))
