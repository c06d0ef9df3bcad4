"""Several Gong companies loaded side by side, each in a process of its own.

A company is a name and a dlt config section, ``[sources.gong.<company>]``: its
credentials, base URL, rate limit, token store and any other `gong_source` option. What a
company does not set falls back to ``[sources.gong]`` (dlt's own lookup: shared options
such as ``start_date`` or ``resources`` are set once), except the credentials: a company
without credentials of its own is refused, so that it never loads with the shared ones,
another company's. Each company loads into a pipeline and a dataset of its own,
``<pipeline_name>_<company>`` and ``<dataset_name>_<company>``, so their positions
(pipeline state), staging folders and tables never meet.

Why processes, not threads: a run changes what is the process's, not the run's. dlt's
settings for the run are environment variables (`run_defaults.dlt_defaults`), malloc's
arenas are capped for the process, dlt installs its signal handlers in the main thread
only, and dlt's extract, normalise and DuckDB's load would take turns for one interpreter
lock, delaying each company's paced requests. Those in-process settings are guarded for
overlapping runs (counted, not undone under a run in flight), but a process per company
shares nothing at all: each has its own rate limiter (its own 3/s), OAuth session, logging
and failures. A company that fails, is stopped by its quota or dies is reported, and the
others go on. Processes are started with `spawn`: a forked copy of a process with threads
(a sandbox, a scheduler's) can inherit a lock held by a thread that does not exist in the
copy.
"""

from __future__ import annotations

import contextlib
import io
import logging
import multiprocessing
import re
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing.connection import Connection, wait
from typing import Any

import dlt
from dlt.common.configuration import resolve_configuration
from dlt.common.configuration.inject import get_fun_spec
from dlt.extract.source import DltSource

from dlt_gong.credentials import GongApiKeyCredentials, GongOAuthCredentials
from dlt_gong.errors import GongConfigError

COMPANY_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
"""A company's name is a dlt config section and part of its pipeline's and dataset's
names: lower-case letters, digits and underscores, from a letter."""

OWN_CREDENTIAL_KEYS = ("access_key", "access_token", "refresh_token")
"""A company's section has credentials of its own when it names one of these."""

DEFAULT_PARALLEL = 4
"""Companies loaded at once unless `parallel` says otherwise: a paced run peaks at about
350 MB (README, Performance), so four fit a 2 GB worker; a company waits for a free place
otherwise."""


def check_company(company: str, where: str = "the company name") -> str:
    if not COMPANY_NAME.fullmatch(company):
        raise GongConfigError(
            f"{where} {company!r} is not a company name: use lower-case letters, digits and "
            "underscores, starting with a letter (it names the config section "
            "sources.gong.<company>, the pipeline and the dataset)"
        )
    if company in _reserved():
        raise GongConfigError(
            f"{where} {company!r} cannot name a company: sources.gong.{company} is "
            "already a dlt-gong option; name the company otherwise"
        )
    return company


def _reserved() -> set[str]:
    """Keys under ``[sources.gong]`` that are not companies: the source's options, and the
    list of companies."""
    return {*_source_options(), "companies", "package_megabytes"}


def configured_companies() -> list[str]:
    """`sources.gong.companies` (a list of names), for a scheduler's partitions."""
    listed: Any = dlt.config.get("sources.gong.companies", list)
    return [check_company(str(n), "sources.gong.companies lists") for n in listed or []]


def _section(company: str) -> str:
    return f"sources.gong.{company}"


def _variable(key: str) -> str:
    return key.upper().replace(".", "__")


def require_own_credentials(company: str) -> None:
    """A company's credentials come from its own section, never from the shared one."""
    prefix = f"{_section(company)}.credentials"
    for key in OWN_CREDENTIAL_KEYS:
        found = f"{prefix}.{key}"
        if dlt.secrets.get(found) is not None or dlt.config.get(found) is not None:
            return
    raise GongConfigError(
        f"company '{company}' has no Gong credentials of its own: set {prefix}.access_key "
        f"and access_key_secret in .dlt/secrets.toml (or {_variable(prefix)}__ACCESS_KEY "
        f"and {_variable(prefix)}__ACCESS_KEY_SECRET; for OAuth, access_token, or "
        "client_id, client_secret and refresh_token); a named company never uses "
        "sources.gong.credentials, which would load another company's data"
    )


def company_arguments(company: str, **explicit: Any) -> dict[str, Any]:
    """`gong_source`'s arguments for `company`: each given here, else read from
    ``[sources.gong.<company>]``, else from ``[sources.gong]``, else its default. Reads
    config only: no request is sent (an OAuth refresh happens when the source is built)."""
    check_company(company)
    if explicit.get("credentials") is None:
        require_own_credentials(company)
    from dlt_gong.source import gong_source

    spec = get_fun_spec(gong_source)
    given = {k: v for k, v in explicit.items() if v is not None}
    resolved = resolve_configuration(
        spec(), sections=("sources", "gong", company), explicit_value=given
    )
    return {name: getattr(resolved, name) for name in spec.get_resolvable_fields()}


def company_source(company: str, **explicit: Any) -> DltSource:
    """`gong_source` for one company of several, configured from its own section.

    The source keeps its name, ``gong`` (its schema and its state are named so in the
    company's own pipeline), so every company's tables and positions look alike."""
    from dlt_gong.source import gong_source

    return gong_source(**company_arguments(company, **explicit))


def company_pipeline(
    company: str,
    destination: Any = "duckdb",
    *,
    pipeline_name: str = "gong",
    dataset_name: str = "gong_data",
    **kw: Any,
) -> dlt.Pipeline:
    """The company's own pipeline, `<pipeline_name>_<company>`, loading into its own
    dataset, `<dataset_name>_<company>` (DuckDB: its own file, `<pipeline>.duckdb`)."""
    check_company(company)
    return dlt.pipeline(
        pipeline_name=f"{pipeline_name}_{company}",
        destination=destination,
        dataset_name=f"{dataset_name}_{company}",
        **kw,
    )


def _identity(credentials: Any) -> tuple[str, ...]:
    """What makes two companies' credentials the same Gong account (compared, never shown)."""
    if isinstance(credentials, GongApiKeyCredentials):
        return ("access key", str(credentials.access_key))
    if isinstance(credentials, GongOAuthCredentials) and credentials.can_refresh():
        return (
            "OAuth app authorization",
            str(credentials.client_id),
            str(credentials.refresh_token),
        )
    return ("OAuth access token", str(getattr(credentials, "access_token", "")))


def check_apart(arguments: dict[str, dict[str, Any]]) -> None:
    """Refuses companies that would share a Gong account or an OAuth token store: one would
    load the other's data, or spend the other's refresh token."""
    seen: dict[tuple[str, ...], str] = {}
    stores: dict[str, str] = {}
    for company, args in arguments.items():
        credentials = args["credentials"]
        identity = _identity(credentials)
        if identity in seen:
            raise GongConfigError(
                f"companies '{seen[identity]}' and '{company}' are configured with the same "
                f"Gong credentials ({identity[0]}): give each company its own in "
                f"sources.gong.<company>.credentials"
            )
        seen[identity] = company
        store = getattr(credentials, "token_store", None)
        if store:
            if store in stores:
                raise GongConfigError(
                    f"companies '{stores[store]}' and '{company}' keep their OAuth tokens in "
                    f"the same token_store {store}: each would overwrite the other's refresh "
                    "token; set sources.gong.<company>.credentials.token_store per company"
                )
            stores[store] = company


@dataclass
class CompanyOutcome:
    """How one company's load ended."""

    company: str
    pipeline_name: str
    dataset_name: str
    code: int
    """dlt-gong's exit code for it: 0 loaded, 1 failed or stopped by the quota (what was
    extracted is loaded; run again), 2 configuration or credentials (fix, do not retry)."""
    message: str = ""
    """One line saying why it did not load (empty when it did)."""
    rows: int = 0
    row_counts: dict[str, int] = field(default_factory=dict)
    requests_sent: int = 0
    resets_at: datetime | None = None
    """When the company's quota resets, if its quota stopped the load."""

    @property
    def loaded(self) -> bool:
        return self.code == 0


@dataclass(frozen=True)
class _Job:
    company: str
    run_kw: dict[str, Any]
    debug: bool


class _Prefixed(io.TextIOBase):
    """Each whole line written, prefixed with the company, to `stream`: the companies'
    processes share the terminal, and a line written at once is not torn by another's."""

    def __init__(self, stream: Any, prefix: str) -> None:
        self._stream, self._prefix, self._partial = stream, prefix, ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        lines = (self._partial + text).split("\n")
        self._partial = lines.pop()
        if lines:
            self._stream.write("".join(f"{self._prefix}{line}\n" for line in lines))
            self._stream.flush()
        return len(text)

    def flush(self) -> None:
        if self._partial:
            self.write("\n")
        self._stream.flush()


@contextlib.contextmanager
def _prefixed_output(company: str, debug: bool) -> Iterator[None]:
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Prefixed(out, f"[{company}] "), _Prefixed(err, f"[{company}] ")
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        force=True,
    )
    if not debug:
        logging.getLogger("dlt").setLevel(logging.ERROR)
    try:
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        sys.stdout, sys.stderr = out, err


def load_company(company: str, *, debug: bool = False, **run_kw: Any) -> CompanyOutcome:
    """Loads one company in this process and prints its summary; never raises for the
    load's own failures, which the outcome tells."""
    from dlt_gong import runner
    from dlt_gong.cli import EXIT_FAILED, classify

    pipeline_name = f"{run_kw.pop('pipeline_name', 'gong')}_{company}"
    dataset_name = f"{run_kw.pop('dataset_name', 'gong_data')}_{company}"
    outcome = CompanyOutcome(company, pipeline_name, dataset_name, code=0)
    try:
        report = runner.run_pipeline(
            company=company, pipeline_name=pipeline_name, dataset_name=dataset_name, **run_kw
        )
    except Exception as exc:
        failure = classify(exc)
        if debug:
            import traceback

            traceback.print_exception(exc)
        outcome.code, outcome.message = failure.code, in_company_section(str(failure), company)
        print(f"dlt-gong: {outcome.message}", file=sys.stderr, flush=True)
        return outcome
    runner.print_summary(report)
    counts = report.row_counts
    outcome.row_counts = dict(counts)
    outcome.rows = sum(n for table, n in counts.items() if not table.startswith("_dlt"))
    outcome.requests_sent = report.client.requests_sent
    stop = report.client.quota_exhausted
    if stop is not None:
        outcome.code, outcome.message, outcome.resets_at = EXIT_FAILED, str(stop), stop.resets_at
    return outcome


SHARED_KEYS = re.compile(r"\bsources\.gong\.(credentials|base_url)\b")


def in_company_section(message: str, company: str) -> str:
    """A message naming the shared keys (``sources.gong.credentials``, as the client and
    OAuth say it) names the company's own instead, where its values came from."""
    return SHARED_KEYS.sub(rf"sources.gong.{company}.\1", message)


def _child(job: _Job, send: Connection) -> None:
    """A company's process: its load, its output prefixed, its outcome sent back."""
    from dlt_gong.run_defaults import arrow_uses_system_memory, fewer_malloc_arenas, spawn_normalize

    fewer_malloc_arenas()
    arrow_uses_system_memory()
    spawn_normalize()  # the parent's main module, which run_companies needs guarded
    with _prefixed_output(job.company, job.debug):
        outcome = load_company(job.company, debug=job.debug, **job.run_kw)
    send.send(outcome)
    send.close()


def run_companies(
    companies: Sequence[str],
    *,
    parallel: int | None = None,
    debug: bool = False,
    **run_kw: Any,
) -> list[CompanyOutcome]:
    """Loads `companies` side by side, each in its own process, at most `parallel` at once
    (`DEFAULT_PARALLEL`); returns each one's outcome, in the order given.

    `run_kw` are `dlt-gong run`'s options (`runner.run_pipeline`'s arguments: destination,
    pipeline_name and dataset_name, which get ``_<company>`` appended, and source options,
    which override every company's section). Before any process starts, the companies'
    configuration is read: two companies with the same credentials or token store are
    refused (GongConfigError, nothing loaded); a company whose own configuration is wrong
    gets its outcome (exit code 2) and the others load.
    """
    from dlt_gong.cli import EXIT_FAILED, classify

    names = [check_company(c) for c in companies]
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise GongConfigError(f"company {', '.join(map(repr, twice))} is given more than once")
    source_kw = {k: v for k, v in run_kw.items() if k in _source_options()}
    outcomes: dict[str, CompanyOutcome] = {}
    arguments: dict[str, dict[str, Any]] = {}
    for company in names:
        try:
            arguments[company] = company_arguments(company, **source_kw)
        except Exception as exc:  # this company's configuration: reported, the rest go on
            failure = classify(exc)
            outcomes[company] = CompanyOutcome(
                company,
                f"{run_kw.get('pipeline_name', 'gong')}_{company}",
                f"{run_kw.get('dataset_name', 'gong_data')}_{company}",
                code=failure.code,
                message=in_company_section(str(failure), company),
            )
    check_apart(arguments)
    jobs = [_Job(c, dict(run_kw), debug) for c in names if c not in outcomes]
    context = multiprocessing.get_context("spawn")
    limit = max(1, parallel or DEFAULT_PARALLEL)
    running: dict[Connection, tuple[_Job, Any]] = {}
    try:
        with _terminated_as_exit():
            while jobs or running:
                while jobs and len(running) < limit:
                    job = jobs.pop(0)
                    receive, send = context.Pipe(duplex=False)
                    process = context.Process(
                        target=_child, args=(job, send), name=f"dlt-gong {job.company}"
                    )
                    process.start()
                    send.close()  # the child holds the only sending end: EOF when it is gone
                    running[receive] = (job, process)
                for ready in wait(list(running)):
                    assert isinstance(ready, Connection)
                    job, process = running.pop(ready)
                    try:
                        outcomes[job.company] = ready.recv()
                    except EOFError:  # it died before it could tell (killed, out of memory)
                        process.join()
                        outcomes[job.company] = CompanyOutcome(
                            job.company,
                            f"{run_kw.get('pipeline_name', 'gong')}_{job.company}",
                            f"{run_kw.get('dataset_name', 'gong_data')}_{job.company}",
                            code=EXIT_FAILED,
                            message=f"its process ended (exit code {process.exitcode}) before "
                            "the load finished; the next run continues from what it loaded",
                        )
                    ready.close()
                    process.join()
    finally:
        for _job, process in running.values():  # interrupted: stop the companies in flight
            process.terminate()
            process.join()
    return [outcomes[c] for c in names]


@contextlib.contextmanager
def _terminated_as_exit() -> Iterator[None]:
    """SIGTERM (a scheduler or a container stopping the run) ends this process as Ctrl-C
    would, through `run_companies`'s cleanup, which passes it on to each company's process:
    dlt stops there at a safe point, and nothing is left running unseen. Only the main
    thread can take a signal; elsewhere the handler stays as it was."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _source_options() -> set[str]:
    from dlt_gong.source import gong_source

    return set(get_fun_spec(gong_source).get_resolvable_fields())


__all__ = [
    "CompanyOutcome",
    "check_company",
    "company_arguments",
    "company_pipeline",
    "company_source",
    "configured_companies",
    "load_company",
    "run_companies",
]
