"""What the CLI's commands do, apart from parsing: run and report, plan, check, demo."""

from __future__ import annotations

import contextlib
import json
import logging
import shlex
import shutil
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import click
import dlt
from dlt.common.pipeline import LoadInfo, get_dlt_pipelines_dir
from dlt.common.runtime.collector import NULL_COLLECTOR
from filelock import FileLock, Timeout

from dlt_gong import endpoints as ep
from dlt_gong import lake, personal_data, reconcile, wording
from dlt_gong.chunked import run_in_packages
from dlt_gong.client import GongClient
from dlt_gong.companies import company_source, run_companies
from dlt_gong.errors import GongAuthError, GongBusyError, GongConfigError, GongError
from dlt_gong.plan import (
    ACTIVITY_PROBE,
    ACTIVITY_PROBE_FORMULA,
    CALL_LOOKUPS,
    LEGEND,
    RECONCILE,
    RECONCILE_FORMULA,
    seconds_at,
)
from dlt_gong.planning import make_plan, run_is_incremental
from dlt_gong.preflight import (
    check_destination,
    check_pipeline_name,
    prove_credentials,
    stored_dataset_name,
)
from dlt_gong.privacy import LeftOut
from dlt_gong.resume import undo_interrupted_jobs
from dlt_gong.run_defaults import (
    arrow_uses_system_memory,
    dlt_defaults,
    duckdb_kept_open,
    fewer_malloc_arenas,
    loads_into_duckdb,
    normalize_workers,
    package_bytes,
    release_freed_memory,
)
from dlt_gong.source import (
    client_of,
    gong_source,
    left_out_of,
    options_of,
    personal_of,
)
from dlt_gong.tables import BY_NAME, TABLES, Probe, ProbeContext
from dlt_gong.wording import DEFAULT_DAILY_QUOTA, daily_quota

logger = logging.getLogger("dlt_gong")


def _source(company: str | None = None, **kw: Any) -> Any:
    """`gong_source` with only the options the user gave, so dlt config fills the rest
    (a company's from its own section, `companies.company_source`)."""
    given = {k: v for k, v in kw.items() if v is not None}
    if company is not None:
        return company_source(company, **given)
    return gong_source(**given)


def _previous_positions(pipeline: dlt.Pipeline) -> dict[str, Any]:
    try:
        state = pipeline.state
    except Exception:  # a new pipeline has no state yet
        return {}
    source_state: dict[str, Any] = state.get("sources", {}).get("gong", {})
    return source_state


@dataclass
class RunReport:
    info: LoadInfo
    pipeline: dlt.Pipeline
    client: GongClient
    seconds: float
    incremental: bool
    row_counts: dict[str, int]
    """Rows normalised per table, over all the run's packages."""
    pending: LoadInfo | None = None
    """The load an earlier run left pending (refused by the destination, or cut off by a
    kill), finished first."""
    undone: int = 0
    """Rows a killed load had committed without dlt recording it, removed before its replay."""
    reconciled: reconcile.Tally | None = None
    """What the reconcile pass checked and removed (None: no pass in this load)."""
    quota: int = DEFAULT_DAILY_QUOTA
    """The company's daily quota, as configured."""
    left_out: LeftOut | None = None
    """What the exclude rules and the retention left out as the run read Gong."""
    options: Any = None
    """The load's `LoadOptions`."""
    reloaded: bool = False
    """Every table was dropped first (`--full-reload`)."""


def run_pipeline(
    *,
    destination: Any = "duckdb",
    dataset_name: str = "gong_data",
    pipeline_name: str = "gong",
    progress: str = "log",
    credentials: Any = None,
    pipelines_dir: str | None = None,
    company: str | None = None,
    full_reload: bool = False,
    **source_kw: Any,
) -> RunReport:
    """Runs one load and returns what a summary needs; with `company`, that company's, from
    its own config section (`companies.py`). With `full_reload`, every table of the
    dataset and every saved position is dropped first, and the load starts afresh (the way
    to switch `hash_personal_data` on for a dataset that holds raw data).

    Nothing is created (no pipeline folder, state or destination file) until the names,
    the options, the destination's configuration and the Gong credentials have passed
    (`preflight.py`): a refused run leaves nothing behind."""
    fewer_malloc_arenas()
    arrow_uses_system_memory()
    check_pipeline_name(pipeline_name)
    dataset_name = stored_dataset_name(dataset_name)
    destination = check_destination(destination, pipeline_name, dataset_name)
    appending_said = lake.warn_if_appending(destination)
    source = _source(company, credentials=credentials, **source_kw)
    client = client_of(source)
    package_bytes(paced=client.paced)  # a wrong package_megabytes is refused now
    prove_credentials(client, options_of(source))
    pipeline = dlt.pipeline(
        pipeline_name=pipeline_name,
        destination=destination,
        dataset_name=dataset_name,
        progress=_collector(progress),
        pipelines_dir=pipelines_dir,  # type: ignore[arg-type]  # None: dlt's default
    )
    lock = _one_run_at_a_time(pipeline)
    try:
        _refuse_stale_destination(pipeline)
        return _run_locked(
            pipeline, source, progress, warn_appending=not appending_said, full_reload=full_reload
        )
    finally:
        lock.release()


def _one_run_at_a_time(pipeline: dlt.Pipeline) -> FileLock:
    """Taken for the whole run; a second run of the same pipeline fails at once with one
    line (GongBusyError, exit 1) instead of sharing its staging, state and rate limit."""
    path = Path(pipeline.working_dir).parent / f"{pipeline.pipeline_name}.run.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(path), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise GongBusyError(
            f"another run of pipeline '{pipeline.pipeline_name}' is in progress (lock {path}); "
            "runs of one pipeline, backfill windows included, go one at a time"
        ) from None
    return lock


def _run_locked(
    pipeline: dlt.Pipeline,
    source: Any,
    progress: str = "log",
    *,
    warn_appending: bool = True,
    full_reload: bool = False,
) -> RunReport:
    started = time.monotonic()
    lake.prepare(pipeline, source, warn=warn_appending)  # Delta tables, before a request
    client = client_of(source)
    packages = package_bytes(paced=client.paced)
    file_formats(pipeline, source)
    with dlt_defaults(pipeline, packages=packages), contextlib.ExitStack() as held:
        # dlt's `run` only loads a package an earlier run left pending and then returns
        # without extracting: finish that first, so this run still fetches what is new
        # (it also restores the state from the destination, before the source reads it)
        undone = 0
        if pipeline.has_pending_data:
            undone = undo_interrupted_jobs(pipeline)  # a killed load must not load rows twice
        pending = pipeline.run()
        # opened by dlt's run first, which says in one line why a destination cannot open
        checkpoint = held.enter_context(duckdb_kept_open(pipeline, packages))
        reloaded = full_reload and _drop_everything(pipeline, source)
        previous = _previous_positions(pipeline)
        incremental = run_is_incremental(previous)
        # before a request: a dataset never holds hashed and raw personal data together
        personal_data.refuse_mixing(previous, personal_of(source))
        if packages:
            # dlt's display would print its three steps for every package (hundreds of
            # lines on a thousand calls): a line a package says as much
            on_package = None
            if progress == "log":
                pipeline.collector, on_package = NULL_COLLECTOR, _print
            packaged = run_in_packages(
                pipeline, source, package_bytes=packages,
                on_package=on_package, after_package=checkpoint, paced=client.paced,
            )  # fmt: skip
            info, counts = packaged.info, packaged.row_counts
        else:
            info, counts = _one_package(pipeline, source)
    seconds = time.monotonic() - started
    return RunReport(
        info, pipeline, client, seconds, incremental, counts, pending, undone,
        reconciled=reconcile.tally_of(source), quota=daily_quota(),
        left_out=left_out_of(source), options=options_of(source), reloaded=reloaded,
    )  # fmt: skip


def _drop_everything(pipeline: dlt.Pipeline, source: Any) -> bool:
    """`--full-reload`: drops every table of the source's schema in the destination and
    its whole saved state, in a load of its own (dlt's `pipeline drop --drop-all`), so the
    run that follows is a first run. False when nothing was loaded yet."""
    from dlt.pipeline.helpers import pipeline_drop

    name = source.schema.name
    if pipeline.first_run or name not in pipeline.schemas:
        return False
    pipeline_drop(pipeline, schema_name=name, drop_all=True, state_paths="*")()
    return True


def _one_package(pipeline: dlt.Pipeline, source: Any) -> tuple[LoadInfo, Any]:
    """dlt's steps one after another, as `pipeline.run` takes them, but with the normalise
    in as many processes as the extracted package is worth (`normalize_workers`)."""
    steps = [("extract", time.monotonic())]
    pipeline.extract(source)
    steps.append(("normalize", time.monotonic()))
    release_freed_memory()
    normalized = pipeline.normalize(workers=normalize_workers(pipeline))
    steps.append(("load", time.monotonic()))
    release_freed_memory()
    info = pipeline.load()
    ended = time.monotonic()
    logger.info(
        "package 1 loaded (%s), the last",
        ", ".join(
            f"{name} {end - begin:.1f} s"
            for (name, begin), (_, end) in zip(steps, [*steps[1:], ("", ended)], strict=True)
        ),
    )
    return info, dict(normalized.row_counts) if normalized is not None else {}


def _refuse_stale_destination(pipeline: dlt.Pipeline) -> None:
    """One line, exit 2, when a pipeline that ran before loads into a DuckDB file whose
    folder is gone.

    dlt puts a pipeline's DuckDB file in the folder where the pipeline first ran and
    remembers it in the pipeline's local state (under dlt's pipelines folder, not the
    working directory), so a later run from anywhere else still writes there. Once that
    folder is deleted, DuckDB's own error ("Cannot open file") says neither which pipeline
    nor how to start over.
    """
    if pipeline.first_run or not loads_into_duckdb(pipeline):
        return
    try:
        credentials = getattr(pipeline.destination_client().config, "credentials", None)
    except Exception:  # a destination that cannot be configured says so itself, later
        return
    database = getattr(credentials, "database", None)
    if not isinstance(database, str) or database == ":memory:" or ":" in database[:3]:
        return  # in memory, or MotherDuck ("md:"): no folder to lose
    folder = Path(database).parent
    if folder.exists():
        return
    name = pipeline.pipeline_name
    raise GongConfigError(
        f"pipeline '{name}' loads into {database}, but {folder} no longer exists (dlt "
        f"keeps the pipeline in {pipeline.working_dir} and puts its DuckDB file in the "
        "folder where it first ran, unless destination.duckdb.credentials names a file): "
        f"start afresh with a new --pipeline-name, or forget the old pipeline with "
        f"`rm -r {shlex.quote(pipeline.working_dir)}` and run again"
    )


def file_formats(pipeline: dlt.Pipeline, source: Any) -> None:
    """jsonl for the rows DuckDB loads, which it reads with one COPY: the benchmark
    measured dlt's default there (a file of INSERT statements) at 4 times the load time and
    gigabytes of memory. Set on each resource, not as the run's `loader_file_format`, which
    would turn the Arrow tables (`Table.frame`) into jsonl too: they stay Parquet. Other
    destinations keep their own defaults."""
    if not loads_into_duckdb(pipeline):
        return
    for resource in source.resources.values():
        table = BY_NAME.get(resource.name)
        if table is None or table.frame is None:
            resource.apply_hints(file_format="jsonl")


def _print(line: str) -> None:
    print(line, flush=True)


def _collector(progress: str) -> Any:
    """dlt's progress display; the log one without psutil's memory stats."""
    if progress == "none":
        return NULL_COLLECTOR
    if progress == "log":
        return dlt.progress.log(log_period=5, dump_system_stats=False)
    return progress


def run_and_report(**kw: Any) -> None:
    """A run and its summary; a quota stop is said once, by the exit line (the source's
    warning, meant for Python callers, would say it first)."""
    quiet = QuotaStopSaidOnce()
    logging.getLogger("dlt_gong").addFilter(quiet)
    try:
        report = run_pipeline(**kw)
    finally:
        logging.getLogger("dlt_gong").removeFilter(quiet)
    print_summary(report)
    if report.client.quota_exhausted is not None:
        raise report.client.quota_exhausted  # exit 1, after the summary of what loaded


def run_companies_and_report(
    companies: list[str], parallel: int | None = None, debug: bool = False, **kw: Any
) -> None:
    """Each company in its own process (`companies.run_companies`), each printing its own
    summary as it finishes; then a line per company. Raises a one-line failure naming the
    companies that did not load: exit 2 if any needs its configuration fixed, else 1."""
    from dlt_gong.cli import EXIT_CONFIG, EXIT_FAILED, UserFacingFailure

    outcomes = run_companies(companies, parallel=parallel, debug=debug, **kw)
    echo = click.echo
    echo("")
    echo(f"dlt-gong: {len(outcomes)} companies, each in its own pipeline and dataset")
    for o in outcomes:
        if o.loaded:
            status = f"loaded {o.rows:,} rows with {o.requests_sent:,} requests"
        elif o.resets_at is not None:
            status = f"stopped by its daily quota (exit {o.code}): {o.message}"
        else:
            status = f"failed (exit {o.code}): {o.message}"
        echo(f"  {o.company:<16}{o.dataset_name:<28}{status}")
    failed = [o for o in outcomes if not o.loaded]
    if failed:
        code = EXIT_CONFIG if any(o.code == EXIT_CONFIG for o in failed) else EXIT_FAILED
        names = ", ".join(o.company for o in failed)
        raise UserFacingFailure(
            f"{len(failed)} of {len(outcomes)} companies did not load ({names}); the others "
            "did, and each continues from its own positions on the next run",
            code,
        )


class QuotaStopSaidOnce(logging.Filter):
    """Keeps the source's quota-stop warning off the screen of a `dlt-gong run`, which
    says it in its last line (still logged at debug)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "gong_quota_stop", False):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
        return True


def _where(pipeline: dlt.Pipeline) -> str:
    if pipeline.destination.destination_name == "duckdb":
        with pipeline.sql_client() as sql:
            path = sql.native_connection.execute(
                "select path from duckdb_databases() where database_name = current_database()"
            ).fetchone()
        return str(path[0]) if path and path[0] else "duckdb"
    if lake.is_filesystem(pipeline):
        kind = "Delta tables" if lake.available() else "files, appended to"
        return f"{lake.bucket_url(pipeline)} ({kind})"
    return pipeline.destination.destination_name


def _dataset_as_stored(pipeline: dlt.Pipeline) -> str:
    """The dataset's name as the destination stored it (dlt normalises it: `x-y z` is
    stored as `x_y_z`), which is what a query must name."""
    try:
        with pipeline.sql_client() as sql:
            return str(sql.dataset_name)
    except Exception:  # a destination without SQL keeps the name as given
        return str(pipeline.dataset_name)


def print_summary(report: RunReport) -> None:
    pipeline = report.pipeline
    counts = report.row_counts
    tally = report.reconciled
    removed = tally.removed if tally is not None else {}
    tombstones = tally.tombstones if tally is not None else {}
    kind = wording.run_kind(report.incremental) + (
        " (continuing from the saved positions)"
        if report.incremental
        else " (full history from start_date)"
    )
    echo = click.echo
    echo("")
    echo(f"dlt-gong: {kind}, finished in {wording.duration(report.seconds)}")
    if report.pending is not None:
        ids = ", ".join(report.pending.loads_ids)
        echo(f"  first loaded what an earlier run had left pending (load {ids})")
        if report.undone:
            echo(
                f"  removed {report.undone} rows an interrupted load had written without "
                "recording them, so that they load once"
            )
    echo(f"  {'table':<28}{'rows loaded':>12}{'rows removed':>14}   child tables (rows)")
    roots = [t.name for t in TABLES if t.name in counts or t.name in removed]
    for name in roots:
        children = [n for n in counts if n.startswith(name + "__")]
        nested = f"{len(children)} ({sum(counts[n] for n in children):,})" if children else ""
        gone = removed.get(name, 0)
        loaded = counts.get(name, 0) - tombstones.get(name, 0)  # rows loaded to delete one
        echo(f"  {name:<28}{loaded:>12,}{gone:>14,}   {nested}".rstrip())
    if tally is not None:
        for line in _reconciled(tally, report.options):
            echo(f"  {line}")
    for line in _left_out(report):
        echo(f"  {line}")
    sent = report.client.requests_sent
    if report.client.quota_exhausted is not None:
        spent = "until the daily quota ran out"
    else:
        spent = f"{wording.percent(sent, report.quota)} of the daily quota of {report.quota:,}"
    echo(
        f"  requests sent to Gong: {wording.requests(sent)} ({spent}), "
        f"{report.client.retries} retried"
    )
    where = _where(pipeline)
    destination = pipeline.destination.destination_name
    echo(f"  data: {destination} dataset '{_dataset_as_stored(pipeline)}' in {where}")
    for hint in hints(pipeline, where, pipeline.default_schema.tables):
        echo(f"  try:  {hint}")


def _left_out(report: RunReport) -> list[str]:
    """What the rules and the retention kept out of this run, and a full reload."""
    options, left = report.options, report.left_out
    found = []
    if report.reloaded:
        found.append("full reload: every table and saved position was dropped first")
    if options is not None and left is not None:
        found.extend(_left_out_calls(options, left))
    if options is not None and options.hash_personal_data:
        names = ", names" if options.hash_names else ""
        found.append(f"personal data: email addresses, phone numbers{names} hashed")
    return found


def _left_out_calls(options: Any, left: LeftOut) -> list[str]:
    """The calls the rules left out as they were read, and the rows of other tables that
    name such a call, or a call older than the retention (answered scorecards, library
    folder calls; audit log entries by rule only), by table in the catalogue's order."""
    named = ", ".join(f"{left.rows[t.name]:,} in {t.name}" for t in TABLES
                      if left.rows.get(t.name))  # fmt: skip
    if not options.exclude:
        return [f"left out: rows naming calls started before the retention, as they were "
                f"read: {named}"] if named else []  # fmt: skip
    line = (
        f"left out: {left.calls:,} call{'' if left.calls == 1 else 's'} matching "
        "exclude_titles or exclude_domains as they were read (no transcript asked for)"
    )
    if not named:
        return [line]
    older = " or calls started before the retention" if options.retained_from else ""
    return [f"{line}, and rows naming such calls{older}: {named}"]


def _reconciled(tally: reconcile.Tally, options: Any = None) -> list[str]:
    """The reconcile pass's lines: what it checked and the calls it removed, and the
    loaded calls a rule or the retention removed."""
    found = [_compared(tally)] if tally.reconciles else []
    if options is not None and options.exclude:
        found.append(
            f"exclude rules: removed {tally.excluded:,} loaded call"
            f"{'' if tally.excluded == 1 else 's'} they now leave out"
        )
    retained = options.retained_from if options is not None else None
    if retained is not None:
        found.append(
            f"retention ({options.retention_days:g} days): removed {tally.expired:,} loaded "
            f"call{'' if tally.expired == 1 else 's'} started before {retained:%Y-%m-%d %H:%M} "
            "UTC, and stats of periods ended by then"
        )
    return found


def _compared(tally: reconcile.Tally) -> str:
    """The reconcile pass's line: what it checked, and the calls it removed."""
    span = round(tally.days, 1)
    days = f"{span:g} day" + ("" if span == 1 else "s")
    checked = (
        f"calls started {tally.span.start:%Y-%m-%d %H:%M} .. {tally.span.end:%Y-%m-%d %H:%M} UTC"
    )
    if tally.skipped is not None:
        return f"reconcile: skipped ({tally.skipped}); nothing removed"
    if not tally.ran or not tally.checked:
        return f"reconcile: checked {days} ({checked}): no call loaded there yet, none removed"
    calls = tally.removed_calls
    return (
        f"reconcile: checked {days} ({checked}, {tally.checked:,} loaded calls), "
        f"removed {calls:,} call"
        f"{'' if calls == 1 else 's'} ({tally.deleted:,} deleted in Gong, "
        f"{tally.private:,} made private)"
    )


def hints(pipeline: dlt.Pipeline, where: str, tables: Iterable[str]) -> list[str]:
    """Commands to look at what was loaded, each runnable as printed in the user's shell:
    this interpreter by its full path (the one that has duckdb, whether or not its venv is
    active) and dlt's own command beside it, told where the pipeline lives when that is
    not dlt's default."""
    here = Path(sys.executable).parent
    dlt_cli = here / "dlt"
    command = [str(dlt_cli) if dlt_cli.exists() else "dlt", "pipeline"]
    if Path(pipeline.pipelines_dir) != Path(get_dlt_pipelines_dir()):
        command += ["--pipelines-dir", pipeline.pipelines_dir]
    found = [shlex.join([*command, pipeline.pipeline_name, "info"])]
    if pipeline.destination.destination_name == "duckdb" and "calls" in tables:
        query = (
            f'SELECT title, started, duration FROM "{_dataset_as_stored(pipeline)}".calls '
            "ORDER BY started DESC LIMIT 5"
        )
        # double-quoted Python strings, so the shell's single quotes wrap them cleanly
        path, sql = json.dumps(where), json.dumps(query)
        code = f"import duckdb; duckdb.connect({path}, read_only=True).sql({sql}).show()"
        found.append(shlex.join([sys.executable, "-c", code]))
    return found


# -- plan ---------------------------------------------------------------------------------


OTHER_FORMULAS = {
    RECONCILE: RECONCILE_FORMULA,
    ACTIVITY_PROBE: ACTIVITY_PROBE_FORMULA,
    **CALL_LOOKUPS,
}
"""The formulas of the plan's lines that are not tables."""


def _attached(pipeline_name: str, pipelines_dir: str | None) -> dlt.Pipeline | None:
    """The pipeline an earlier run left (None: a first run)."""
    try:
        return dlt.attach(pipeline_name=pipeline_name, pipelines_dir=pipelines_dir)  # type: ignore[arg-type]
    except Exception:  # no such pipeline yet
        return None


def _in_flight(source: Any) -> int:
    """The requests a paced run keeps on the wire at once (`max_in_flight`, default 3)."""
    found = getattr(options_of(source), "max_in_flight", None)
    if found is None:
        found = getattr(client_of(source), "max_in_flight", None)
    if found is None:
        found = dlt.config.get("sources.gong.max_in_flight")
    try:
        return max(1, int(found)) if found is not None else 3
    except (TypeError, ValueError):
        return 3


def print_plan(
    pipeline_name: str = "gong",
    pipelines_dir: str | None = None,
    company: str | None = None,
    **kw: Any,
) -> None:
    """Counts with a few cheap requests, then prints the formula's answer per table, for
    the very run `run` would make: the same options (flags, config.toml, environment,
    defaults, `now`) and the same saved positions (a company's: its own pipeline's)."""
    source = _source(company, **kw)
    if company is not None:
        pipeline_name = f"{pipeline_name}_{company}"
        click.echo(f"company '{company}' (pipeline {pipeline_name}):")
    client = client_of(source)
    opts = options_of(source)  # the very options the run would load with
    prove_credentials(client, opts)  # its answer is kept for the count of users below
    pipeline = _attached(pipeline_name, pipelines_dir)
    saved = _previous_positions(pipeline) if pipeline is not None else {}
    quota = daily_quota()
    plan = make_plan(client, opts, saved, pipeline, in_flight=_in_flight(source))
    end = opts.end_date or f"now ({opts.now:%Y-%m-%d %H:%M} UTC)"
    click.echo(
        f"Plan for {'an' if plan.incremental else 'a'} {wording.run_kind(plan.incremental)} "
        f"of {', '.join(opts.tables)}, "
        f"{opts.start_date} .. {end}: {plan.users:,} users, {plan.calls:,} calls in the calls "
        f"window from {plan.calls_from:%Y-%m-%d %H:%M} UTC "
        f"(counted with {wording.requests(plan.counted_with)}):"
    )
    for name, n in plan.per_table.items():
        formula = BY_NAME[name].formula if name in BY_NAME else OTHER_FORMULAS[name]
        click.echo(f"  {name:<28}{n:>8,} {'request ' if n == 1 else 'requests'}   {formula}")
    total = plan.total
    time_needed = (
        f"about {wording.duration(seconds_at(total, plan.per_second))} "
        if plan.per_second is not None
        else ""
    )
    click.echo(
        f"  {'total':<28}{total:>8,} {'request' if total == 1 else 'requests'}: {time_needed}"
        f"{wording.pace(plan.per_second, plan.in_flight)}; "
        f"{wording.percent(total, quota)} of the daily quota of {quota:,}"
    )
    click.echo(f"  ({LEGEND})")


# -- check --------------------------------------------------------------------------------


def check(base_url: str | None = None, company: str | None = None) -> None:
    """Prints which tables this key (a company's, with `company`) can load, and the scope
    each needs; exit 2 when the credentials are rejected."""
    source = _source(company, base_url=base_url)
    client = client_of(source)
    answers: dict[str, Any] = {}

    def ask(probe: Probe) -> Any:
        """Each distinct request once: a probe another already sent has its answer."""
        key = repr((probe.endpoint.name, probe.params, probe.body, probe.path_params))
        if key not in answers:
            try:
                answers[key] = client.request(
                    probe.endpoint, params=probe.params, body=probe.body,
                    path_params=probe.path_params,
                )  # fmt: skip
            except GongError as exc:
                answers[key] = exc
        if isinstance(answers[key], GongError):
            raise answers[key]
        return answers[key]

    ask(Probe(ep.USERS))  # a bad key fails here, after one request
    ctx = ProbeContext(now=options_of(source).now, ask=ask)
    click.echo(f"Credentials accepted by {client.base_url}.")
    statuses: dict[str, str] = {}
    refused: list[str] = []
    for table in TABLES:
        try:
            ask(table.probe_request(ctx))
            statuses[table.name] = "ok"
        except GongAuthError as exc:
            if exc.scope:
                refused.append(exc.scope)
            statuses[table.name] = (
                f"missing scope {exc.scope}" if exc.scope else f"refused ({exc.status})"
            )
        except GongError as exc:
            statuses[table.name] = f"error: {exc}"
    loadable: list[str] = []
    click_lines: list[str] = []
    for table in TABLES:
        status = statuses[table.name]
        lacking = [s for s in table.scopes if s in refused]
        if status == "ok" and lacking:  # its parent (calls for transcripts) is refused
            status = f"missing scope {lacking[0]}"
        if not status.startswith(("missing", "refused")):
            loadable.append(table.name)
        default = "yes" if table.default else "no"
        click_lines.append(
            f"  {table.name:<26}{table.endpoint.name:<44}{table.scope:<34}{default:<9}{status}"
        )
    click.echo(f"  {'table':<26}{'endpoint':<44}{'scope':<34}{'default':<9}status")
    for line in click_lines:
        click.echo(line)
    click.echo(f"{len(loadable)} of {len(TABLES)} tables can be loaded with this key "
               f"({client.requests_sent} requests spent).")  # fmt: skip
    for line in _check_footer(loadable, ask, ctx):
        click.echo(line)


def _check_footer(loadable: list[str], ask: Callable[[Probe], Any], ctx: ProbeContext) -> list[str]:
    """What a newcomer acts on after `check`: the scopes a run needs (the default tables',
    every table's), the workspace ids `--workspace-id` takes, and a `--resources` value
    of every table this key can load."""
    needed = [s for t in TABLES if t.default for s in t.scopes]
    every = [s for t in TABLES for s in t.scopes]
    lines = [
        f"  scopes the default tables need: {', '.join(dict.fromkeys(needed))}",
        f"  scopes every table needs: {', '.join(dict.fromkeys(every))}",
    ]
    workspaces_table = BY_NAME["workspaces"]
    try:
        answer = ask(workspaces_table.probe_request(ctx))
    except GongError as exc:
        lines.append(f"  workspaces (for --workspace-id): not listed ({exc})")
    else:
        found = (answer or {}).get(workspaces_table.endpoint.data_key or "") or []
        listed = ", ".join(f"{w.get('id')} ({w.get('name')})" for w in found) or "none"
        lines.append(f"  workspaces (for --workspace-id): {listed}")
    if loadable:
        lines.append(f"  every table this key can load: --resources {','.join(loadable)}")
    return lines


# -- demo -----------------------------------------------------------------------------------


def demo(
    users: int, calls: int, days: int, seed: int, rate_limit: bool, pipeline_name: str
) -> None:
    """The sandbox company into gong.duckdb; run it twice to see an incremental load."""
    from dlt_gong.credentials import GongApiKeyCredentials
    from dlt_gong.sandbox import SandboxConfig, run_sandbox

    config = SandboxConfig(
        seed=seed, users=users, calls=calls, days=days,
        rate_limit_per_second=3 if rate_limit else None, daily_quota=None,
    )  # fmt: skip
    pace = "3 requests/s like Gong" if rate_limit else "no rate limit"
    click.echo(
        f"Starting the Gong sandbox: {users} users, {calls} calls over {days} days "
        f"(seed {seed}, {pace})."
    )
    database = Path(f"{pipeline_name}.duckdb").resolve()
    state_dir = Path(".gong-demo").resolve()  # the demo's pipeline state, beside its data
    if not database.exists():
        shutil.rmtree(state_dir, ignore_errors=True)  # no data: start over, not incrementally
    with run_sandbox(config) as sandbox:
        credentials = GongApiKeyCredentials(
            access_key=config.access_key, access_key_secret=config.access_key_secret
        )
        run_and_report(
            destination=dlt.destinations.duckdb(str(database)),
            pipelines_dir=str(state_dir),
            dataset_name="gong_data",
            pipeline_name=pipeline_name,
            progress="log",
            credentials=credentials,
            base_url=sandbox.url,
            start_date=(date.today() - timedelta(days=days)).isoformat(),
            requests_per_second=3 if rate_limit else None,
        )
        served = sandbox.stats()
        click.echo(f"  the sandbox served {served['requests']:,} requests: {served['by_status']}")
