"""Shared fixtures: running Gong sandboxes whose every exchange is held to Gong's contract.

``sandbox`` (one per session: a small company, rate limit and quota off, clock fixed and frozen)
and ``make_sandbox(**config)`` (as many as a test wants, stopped after it) both yield a
:class:`~dlt_gong.sandbox.RunningSandbox`. Each ``/v2`` exchange they serve goes to
``tests/contract.py``'s ``ContractValidator`` when that module exists; problems fail the
test that caused them. Leniency, and only this:

* injected faults (the exchange names one) may break the transport;
* a request the sandbox *rejected* with a 4xx may be out of contract (the test sent it on
  purpose; the response is still checked);
* ``@pytest.mark.contract_exempt("why")`` skips the check for deliberately foreign traffic.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dlt
import pytest

if TYPE_CHECKING:  # the sandbox needs its extra; tests that do not use it run without
    from dlt_gong.sandbox import RunningSandbox, SandboxConfig

from contract_watch import FACTORY_DEFAULTS, SESSION_CONFIG, WATCH


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "contract_exempt(reason): do not check this test's exchanges against the spec"
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    WATCH.begin(exempt=item.get_closest_marker("contract_exempt") is not None)
    try:
        result = yield
    except BaseException:
        WATCH.end()
        raise
    problems = WATCH.end()
    if problems:
        shown = "\n  ".join(problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise AssertionError(f"the sandbox broke Gong's contract:\n  {shown}{more}")
    return result


# -- under pytest-xdist (make test runs 2 workers): the controller writes the reliability
# report from every worker's outcomes. Its conftest (tests/reliability/) is not loaded on
# the controller, which collects nothing, so the controller's side lives here.

_COLLECTED: list[str] = []
_OUTCOMES: dict[str, list[dict[str, Any]]] = {}


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node: Any, ids: list[str]) -> None:
    if not _COLLECTED:  # every worker collects the same tests
        _COLLECTED.extend(ids)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    _OUTCOMES.update(getattr(node, "workeroutput", {}).get("reliability_outcomes", {}))


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    if hasattr(config, "workeroutput") or not config.pluginmanager.has_plugin("dsession"):
        return  # a worker, or no xdist: tests/reliability/conftest.py writes it
    from reliability.report import Report

    merged = Report()
    merged.merge_json(_OUTCOMES)
    merged.write_if_complete(
        _COLLECTED, config.rootpath, session.testsfailed,
        config.getoption("keyword"), config.getoption("markexpr") or "",
    )  # fmt: skip


def _start(stack: contextlib.ExitStack, config: SandboxConfig) -> RunningSandbox:
    from dlt_gong.sandbox import run_sandbox

    sandbox = stack.enter_context(run_sandbox(config))
    sandbox.on_exchange.append(WATCH)
    return sandbox


@pytest.fixture(scope="session")
def sandbox() -> Iterator[RunningSandbox]:
    """One sandbox for the session. Do not move its clock: use ``make_sandbox`` for that."""
    from dlt_gong.sandbox import SandboxConfig

    with contextlib.ExitStack() as stack:
        yield _start(stack, SandboxConfig(**SESSION_CONFIG))


@pytest.fixture
def make_sandbox() -> Iterator[Callable[..., RunningSandbox]]:
    """``make_sandbox(**config)`` starts a sandbox (small test defaults) stopped after the test."""
    from dlt_gong.sandbox import SandboxConfig

    with contextlib.ExitStack() as stack:

        def make(**config: Any) -> RunningSandbox:
            return _start(stack, SandboxConfig(**{**FACTORY_DEFAULTS, **config}))

        yield make


@pytest.fixture(
    params=["duckdb", pytest.param("postgres", marks=[pytest.mark.postgres, pytest.mark.slow])]
)
def make_pipeline(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[..., dlt.Pipeline]:
    """`make_pipeline(name)`: a pipeline into DuckDB, or into PostgreSQL (the Makefile
    starts a server and passes its DSN in DLT_GONG_TEST_POSTGRES; CI must have it). The
    PostgreSQL variants run in `make test-slow`, which CI runs after `make test`: `make
    test` keeps PostgreSQL's own tests (test_postgres.py) within its ten minutes."""
    from e2e_helpers import pipeline

    if request.param == "duckdb":
        return lambda name="gong_e2e": pipeline(tmp_path, name)
    dsn = os.environ.get("DLT_GONG_TEST_POSTGRES")
    if not dsn:
        if os.environ.get("CI"):
            pytest.fail("DLT_GONG_TEST_POSTGRES is not set: CI must run against PostgreSQL")
        pytest.skip("no PostgreSQL server (make test starts one)")
    destination = dlt.destinations.postgres(dsn)
    return lambda name="gong_e2e": pipeline(
        tmp_path, name, destination, f"{name}_{uuid.uuid4().hex[:8]}"
    )
