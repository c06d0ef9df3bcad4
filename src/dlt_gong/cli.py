"""The `dlt-gong` command: run a load, check a key, plan a backfill, try the sandbox.

Exit codes: 0 success; 2 a configuration or credential problem, told in one line (no
traceback unless --debug); 130 stopped by Ctrl-C (128 + the signal's number for another
signal); 1 anything else, including a load stopped by Gong's daily quota. Credentials are
never taken on the command line: they belong in `.dlt/secrets.toml` or
`SOURCES__GONG__CREDENTIALS__*` environment variables.

A wrong value is named as the user wrote it and where: the command line's flag
(`--lookback-days 1e9`), the environment variable (`SOURCES__GONG__RESOURCES=...`) or the
line of config.toml or secrets.toml (`origins.py`), followed by what is allowed.

Where the line between 2 and 1 falls: 2 is what only an edit of the options or of the
Gong credentials fixes (a bad date or resource name, a rejected key, a missing scope,
missing credentials). A base URL that cannot be reached, or answers with something that
is not Gong's API (a proxy's HTML page), is 1: the network or a proxy can cause it as
well as a wrong URL, and the message names the URL to check. So is a destination that
cannot be opened or refuses the load (a locked DuckDB file, a read-only database): what
was loaded before is untouched, and what the run extracted waits in the pipeline's
pending package, which the next run loads before it asks Gong for anything new.
"""

from __future__ import annotations

import logging
import os
import re
import shlex
import signal
import sys
from collections.abc import Callable
from typing import Any, NoReturn

import click
from click.core import ParameterSource

from dlt_gong import run_defaults
from dlt_gong.errors import GongAuthError, GongConfigError, GongError
from dlt_gong.options import (
    DEFAULT_BASE_URL,
    DEFAULT_LOOKBACK_DAYS,
    DEFAULT_RECONCILE_DAYS,
    PROBLEMS,
)
from dlt_gong.tables import BY_NAME, DEFAULT_TABLES, TABLES

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2
EXIT_SIGNAL = 128
"""A process stopped by signal N exits 128 + N, as shells report it (Ctrl-C: 130)."""

STOPPED = "stopped ({}): what was loaded stays, and the next run resumes from the saved positions"

MISSING_CREDENTIALS = (
    "Gong credentials are missing: set sources.gong.credentials.access_key and "
    "access_key_secret in .dlt/secrets.toml, or the environment variables "
    "SOURCES__GONG__CREDENTIALS__ACCESS_KEY and SOURCES__GONG__CREDENTIALS__ACCESS_KEY_SECRET "
    "(for an OAuth app: SOURCES__GONG__CREDENTIALS__ACCESS_TOKEN, or CLIENT_ID, CLIENT_SECRET "
    "and REFRESH_TOKEN to refresh it)"
)


class UserFacingFailure(Exception):
    """A failure already phrased for the user, with its exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception and everything it wraps (dlt wraps resource errors several times)."""
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop(0)
        if e is None or any(e is s for s in seen):
            continue
        seen.append(e)
        todo.extend([e.__cause__, e.__context__, getattr(e, "exception", None)])
    return seen


def classify(exc: BaseException) -> UserFacingFailure:
    """Turns whatever a load raised into one line and an exit code."""
    from dlt.common.configuration.exceptions import (
        ConfigFieldMissingException,
        ConfigValueCannotBeCoercedException,
    )
    from dlt.common.destination.client import DestinationClientConfiguration
    from dlt.common.exceptions import SignalReceivedException
    from dlt.pipeline.exceptions import PipelineStepFailed

    from dlt_gong.preflight import missing_destination_config

    causes = _causes(exc)
    for e in causes:
        if isinstance(e, UserFacingFailure):
            return e
        if isinstance(e, (KeyboardInterrupt, SignalReceivedException)):
            return stopped(getattr(e, "signal_code", signal.SIGINT))
        if isinstance(e, GongConfigError):
            return UserFacingFailure(told(e), EXIT_CONFIG)
        if isinstance(e, GongAuthError):
            return UserFacingFailure(str(e), EXIT_CONFIG)
        if isinstance(e, ConfigValueCannotBeCoercedException):
            return UserFacingFailure(_uncoerced(e), EXIT_CONFIG)
        if isinstance(e, ConfigFieldMissingException):
            if isinstance(e.config, DestinationClientConfiguration):
                name = e.config.destination_name or str(e.config.destination_type).split(".")[-1]
                return UserFacingFailure(missing_destination_config(e, name), EXIT_CONFIG)
            if any(
                "credentials" in str(f) for f in getattr(e, "fields", ())
            ) or "credentials" in str(e):
                return UserFacingFailure(MISSING_CREDENTIALS, EXIT_CONFIG)
            return UserFacingFailure(
                f"missing configuration: {', '.join(map(str, e.fields))}", EXIT_CONFIG
            )
    for e in causes:
        if isinstance(e, GongError):
            return UserFacingFailure(str(e), EXIT_FAILED)
    last = causes[-1]
    text = str(last).strip().splitlines()[0] if str(last).strip() else type(last).__name__
    step = next((e for e in causes if isinstance(e, PipelineStepFailed)), None)
    if step is not None and step.step in ("sync", "load"):
        destination = getattr(step.pipeline, "destination", None)
        name = destination.destination_name if destination is not None else "destination"
        if step.step == "sync":  # dlt opens the destination before extracting anything
            if REFUSED_LOGIN.search(text):
                return UserFacingFailure(
                    f"the {name} destination refused its credentials, so nothing was loaded: "
                    f"{text} (check destination.{name}.credentials in .dlt/secrets.toml or "
                    f"DESTINATION__{name.upper()}__CREDENTIALS)",
                    EXIT_CONFIG,
                )
            return UserFacingFailure(
                f"could not open the {name} destination, so nothing was loaded: {text}",
                EXIT_FAILED,
            )
        return UserFacingFailure(
            f"the {name} destination refused the load: {text} (what this run extracted is "
            "kept and loaded first by the next run)",
            EXIT_FAILED,
        )
    return UserFacingFailure(f"{type(last).__name__}: {text}", EXIT_FAILED)


REFUSED_LOGIN = re.compile(
    r"authentication failed|password|access denied|permission denied|not authori[sz]ed"
    r"|unauthori[sz]ed|invalid credentials|login failed|not permitted to log in"
    r'|role "[^"]*" does not exist',
    re.IGNORECASE,
)
"""How databases word a login they refused (PostgreSQL's "password authentication failed",
"role ... is not permitted to log in" and "role ... does not exist", MySQL's and
Snowflake's "access denied", SQL Server's "login failed", HTTP's 401)."""


def stopped(signal_code: int) -> UserFacingFailure:
    """Ctrl-C (or another signal dlt caught): one line, exit 128 + the signal."""
    what = "Ctrl-C" if signal_code == signal.SIGINT else f"signal {signal_code}"
    return UserFacingFailure(STOPPED.format(what), EXIT_SIGNAL + int(signal_code))


def told(error: GongConfigError) -> str:
    """The message, with the value named as the user wrote it and where (the command
    line's flag, an environment variable, a line of a TOML file), when that is known."""
    if error.option is None:
        return str(error)
    spelled = _on_command_line(error.option, error.value)
    if spelled is None:
        from dlt_gong.origins import spelled as in_config

        spelled = in_config(error.option)
    return error.told_as(spelled) if spelled is not None else str(error)


def _on_command_line(option: str, told_value: Any = None) -> str | None:
    """`--flag value`, when the running command got `option` on its command line."""
    ctx = click.get_current_context(silent=True)
    if ctx is None or option not in ctx.params:
        return None
    if ctx.get_parameter_source(option) is not ParameterSource.COMMANDLINE:
        return None
    param = next(p for p in ctx.command.params if p.name == option)
    value = ctx.params[option]
    if isinstance(value, (list, tuple)):  # a repeated flag: the value refused among them
        value = next((v for v in value if v == told_value), ",".join(map(str, value)))
    return f"{param.opts[0]} {shlex.quote(str(value))}"


def _uncoerced(e: Any) -> str:
    """A value dlt could not read as the option's type: the same line this package's own
    check would give."""
    from dlt_gong.origins import spelled

    name = str(e.field_name)
    where = spelled(name) or f"{name} {e.field_value!r}"
    problem = PROBLEMS.get(name, f"cannot be read as {getattr(e.hint, '__name__', e.hint)}")
    return f"{where} {problem}"


def _run_guarded(fn: Callable[[], None], debug: bool) -> NoReturn:
    try:
        fn()
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except click.exceptions.Abort:
        failure = stopped(signal.SIGINT)
        click.echo(f"dlt-gong: {failure}", err=True)
        sys.exit(failure.code)
    except KeyboardInterrupt:
        failure = stopped(signal.SIGINT)
        click.echo(f"dlt-gong: {failure}", err=True)
        sys.exit(failure.code)
    except Exception as exc:
        failure = classify(exc)
        if debug:
            import traceback

            traceback.print_exception(exc)
        click.echo(f"dlt-gong: {failure}", err=True)
        sys.exit(failure.code)
    sys.exit(EXIT_OK)


def _workspace_help() -> str:
    """Which tables `--workspace-id` narrows, from the catalogue (a table narrowed by it,
    or riding on one that is, as transcripts ride on calls)."""

    def narrowed(name: str) -> bool:
        table = BY_NAME[name]
        return "workspace_id" in table.filters or (
            table.parent is not None and narrowed(table.parent.table)
        )

    inside = [t.name for t in TABLES if narrowed(t.name)]
    outside = [t.name for t in TABLES if not narrowed(t.name)]
    return (
        f"Only this Gong workspace's {', '.join(inside)}; it does not narrow "
        f"{', '.join(outside)} (company-wide). An unknown id is refused, with the company's "
        "workspaces listed. [default: every workspace]"
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="dlt-gong", prog_name="dlt-gong")
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Load everything your company keeps in Gong into any warehouse dlt can load.

    Gong credentials come from .dlt/secrets.toml ([sources.gong.credentials] access_key
    and access_key_secret) or SOURCES__GONG__CREDENTIALS__ACCESS_KEY and
    SOURCES__GONG__CREDENTIALS__ACCESS_KEY_SECRET; every option below is also a key under
    [sources.gong] in .dlt/config.toml or a SOURCES__GONG__<NAME> environment variable.
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not debug:  # dlt's schema notices are for developers; errors still show
        logging.getLogger("dlt").setLevel(logging.ERROR)
        os.environ.setdefault("RUNTIME__LOG_LEVEL", "ERROR")


def load_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """The options `run` and `demo` share."""
    options = [
        click.option("--destination", default="duckdb", show_default=True,
                     help="Any dlt destination (duckdb, postgres, bigquery, snowflake, "
                          "filesystem, ...); its credentials come from "
                          "destination.<name>.credentials in .dlt/secrets.toml or "
                          "DESTINATION__<NAME>__CREDENTIALS."),
        click.option("--dataset-name", default="gong_data", show_default=True,
                     help="The dataset (schema) the tables load into, stored as the "
                          "destination names it: x-y z becomes x_y_z."),
        click.option("--pipeline-name", default="gong", show_default=True,
                     help="dlt's pipeline: where the saved positions live (~/.dlt/pipelines/"
                          "<name>); a scheduled run keeps the same one. Letters, digits, - "
                          "and _."),
        click.option("--start-date", metavar="DATE",
                     help="First day to load on a first run (YYYY-MM-DD or an ISO-8601 "
                          "date-time); not in the future. [default: a year ago]"),
        click.option("--end-date", metavar="DATE",
                     help="End (exclusive) of a backfill window; the window keeps its own "
                          "positions, so running it again continues it. [default: none, an "
                          "incremental load up to now]"),
        click.option("--resources", metavar="TABLES",
                     help="Comma-separated table names (`dlt-gong check` lists them all). "
                          f"[default: {', '.join(DEFAULT_TABLES)}]"),
        click.option("--lookback-days", metavar="DAYS",
                     help="Each run re-reads this many days before the last loaded call, "
                          "for calls Gong processed late (0 to 36,500; 0.5 is half a day). "
                          f"[default: {DEFAULT_LOOKBACK_DAYS:g}]"),
        click.option("--workspace-id", metavar="ID", help=_workspace_help()),
        click.option("--reconcile-days", metavar="DAYS",
                     help="Remove loaded calls of this many last days that Gong deleted or "
                          f"made private (0: off). [default: {DEFAULT_RECONCILE_DAYS:g}]"),
        click.option("--reconcile-from", metavar="DATE",
                     help="Instead, reconcile the calls started from this date (YYYY-MM-DD), "
                          "e.g. once over all history. [default: none]"),
        click.option("--reconcile-to", metavar="DATE",
                     help="End (exclusive) of --reconcile-from. [default: now]"),
        click.option("--exclude-titles", metavar="REGEX", multiple=True,
                     help="Leave out calls whose title matches this regular expression "
                          "(searched, case-insensitive, e.g. '^interview' or '1:1'): in no "
                          "table, their transcripts never asked for; repeat it for more. "
                          "[default: none]"),
        click.option("--exclude-domains", metavar="DOMAINS",
                     help="Leave out calls with a party from these email domains (and their "
                          "subdomains) or addresses, comma-separated: e.g. gmail.com,"
                          "ceo@example.com. [default: none]"),
        click.option("--retention-days", metavar="DAYS",
                     help="Keep only calls that started in this many last days (and stats "
                          "of those days): older ones are removed each run and never loaded. "
                          "[default: 0, keep everything]"),
        click.option("--hash-personal-data/--no-hash-personal-data", default=None,
                     help="Replace email addresses and phone numbers in every table, free "
                          "text included, by a keyed hash (HMAC-SHA256 with "
                          "sources.gong.personal_data_key from secrets.toml) before anything "
                          "is written. [default: off]"),
        click.option("--hash-names/--no-hash-names", default=None,
                     help="With --hash-personal-data, people's names too. [default: off]"),
        click.option("--progress", default="log", show_default=True,
                     type=click.Choice(["log", "tqdm", "enlighten", "alive_progress", "none"]),
                     help="How a run shows its progress: log prints a line per load package "
                          "(dlt's log lines when unpaced), tqdm, enlighten and alive_progress "
                          "are dlt's progress bars (install the package), none prints only "
                          "the summary."),
    ]  # fmt: skip
    for option in reversed(options):
        f = option(f)
    return f


BASE_URL_HELP = (
    "Gong API base URL, without /v2 (customers on a dedicated Gong host set theirs). "
    f"[default: sources.gong.base_url, else {DEFAULT_BASE_URL}]"
)


@cli.command()
@load_options
@click.option("--base-url", metavar="URL", help=BASE_URL_HELP)
@click.option("--plan", "plan_only", is_flag=True,
              help="Print the requests and time the load needs, then stop.")  # fmt: skip
@click.option(
    "--company",
    "companies",
    multiple=True,
    metavar="NAME",
    help="Load this company, configured in [sources.gong.NAME], into pipeline "
    "<pipeline-name>_NAME and dataset <dataset-name>_NAME; repeat it to load "
    "several side by side, each in its own process.",
)
@click.option("--parallel", type=click.IntRange(min=1),
              help="With several --company: how many load at once (default 4).")  # fmt: skip
@click.option("--full-reload", is_flag=True,
              help="Drop every table and saved position of the dataset first, then load "
                   "afresh from start_date (needed to switch --hash-personal-data on or off "
                   "for a dataset already loaded).")  # fmt: skip
@click.pass_context
def run(
    ctx: click.Context,
    plan_only: bool,
    companies: tuple[str, ...],
    parallel: int | None,
    **kw: Any,
) -> None:
    """Load Gong into a dlt destination, incrementally."""
    from dlt_gong import runner
    from dlt_gong.preflight import check_pipeline_name

    debug = ctx.obj["debug"]
    kw["exclude_titles"] = list(kw["exclude_titles"]) or None  # not given: dlt config's
    kw["full_reload"] = kw["full_reload"] or None
    if parallel is not None and not companies:
        click.echo(
            f"dlt-gong: --parallel {parallel} was given without --company: it says how many "
            "companies load at once; name them with --company NAME (repeated)",
            err=True,
        )
        sys.exit(EXIT_CONFIG)
    if plan_only:
        plan_kw = {"pipeline_name": kw["pipeline_name"], **_source_kwargs(kw)}

        def plans() -> None:
            check_pipeline_name(kw["pipeline_name"])
            for company in companies or [None]:
                runner.print_plan(company=company, **plan_kw)

        _run_guarded(plans, debug)
    if companies:  # one or several: each in its own process, reported alike
        _run_guarded(
            lambda: runner.run_companies_and_report(
                list(companies), parallel=parallel, debug=debug, **kw
            ),
            debug,
        )
    _run_guarded(lambda: runner.run_and_report(**kw), debug)


@cli.command()
@click.option("--base-url", metavar="URL", help=BASE_URL_HELP)
@click.option("--company", metavar="NAME", help="The company configured in [sources.gong.NAME].")
@click.pass_context
def check(ctx: click.Context, base_url: str | None, company: str | None) -> None:
    """Validate the credentials and show which tables this key can load."""
    from dlt_gong import runner

    _run_guarded(lambda: runner.check(base_url=base_url, company=company), ctx.obj["debug"])


@cli.command()
@click.option("--users", default=60, show_default=True, type=click.IntRange(min=1),
              help="Users of the sandbox company.")  # fmt: skip
@click.option("--calls", default=1200, show_default=True, type=click.IntRange(min=0),
              help="Calls in its history.")  # fmt: skip
@click.option("--days", default=45, show_default=True, type=click.IntRange(min=1),
              help="Days of history before today.")  # fmt: skip
@click.option("--seed", default=7, show_default=True,
              help="Same seed, same company.")  # fmt: skip
@click.option("--rate-limit/--no-rate-limit", default=False, show_default=True,
              help="Serve at Gong's real 3 requests/second.")  # fmt: skip
@click.option("--pipeline-name", default="gong", show_default=True,
              help="The pipeline, and the DuckDB file <name>.duckdb in this folder.")  # fmt: skip
@click.pass_context
def demo(ctx: click.Context, **kw: Any) -> None:
    """Start the sandbox, load a realistic company into gong.duckdb, print a summary."""
    from dlt_gong import runner

    _run_guarded(lambda: runner.demo(**kw), ctx.obj["debug"])


def _source_kwargs(kw: dict[str, Any]) -> dict[str, Any]:
    return {k: kw[k] for k in ("base_url", "start_date", "end_date", "resources",
                               "lookback_days", "workspace_id", "reconcile_days",
                               "reconcile_from", "reconcile_to", "exclude_titles",
                               "exclude_domains", "retention_days", "hash_personal_data",
                               "hash_names") if k in kw}  # fmt: skip


def main() -> None:
    """Console entry point: a mistake on the command line itself (an unknown option, a
    value click's own types refuse) is one line too, with the help to read."""
    run_defaults.spawn_normalize()  # this script guards its entry point
    try:
        cli.main(prog_name="dlt-gong", obj={}, standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as e:
        e.show()
        sys.exit(e.exit_code)
    except click.UsageError as e:
        command = e.ctx.command_path if e.ctx is not None else "dlt-gong"
        click.echo(f"dlt-gong: {e.format_message()} (see {command} --help)", err=True)
        sys.exit(EXIT_CONFIG)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except click.exceptions.Abort:
        click.echo(f"dlt-gong: {stopped(signal.SIGINT)}", err=True)
        sys.exit(EXIT_SIGNAL + signal.SIGINT)


try:  # the sandbox needs its extra; without it every other command still works
    from dlt_gong.sandbox.command import sandbox_command

    cli.add_command(sandbox_command)
except ImportError:  # pragma: no cover - exercised only without the extra

    @cli.command("sandbox")
    def sandbox_missing() -> None:
        """Serve a local Gong API (needs: pip install "dlt-gong[sandbox]")."""
        click.echo(
            'dlt-gong: the sandbox needs its extra: pip install "dlt-gong[sandbox]"', err=True
        )
        sys.exit(EXIT_CONFIG)
