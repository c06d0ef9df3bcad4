"""The `dlt-gong` command: run a load, check a key, plan a backfill, try the sandbox.

Exit codes: 0 success; 2 a configuration or credential problem, told in one line (no
traceback unless --debug); 1 anything else, including a load stopped by Gong's daily
quota. Credentials are never taken on the command line: they belong in
`.dlt/secrets.toml` or `SOURCES__GONG__CREDENTIALS__*` environment variables.

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
import sys
from collections.abc import Callable
from typing import Any, NoReturn

import click

from dlt_gong.errors import GongAuthError, GongConfigError, GongError

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2

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
    from dlt.common.configuration.exceptions import ConfigFieldMissingException
    from dlt.pipeline.exceptions import PipelineStepFailed

    causes = _causes(exc)
    for e in causes:
        if isinstance(e, UserFacingFailure):
            return e
        if isinstance(e, (GongConfigError, GongAuthError)):
            return UserFacingFailure(str(e), EXIT_CONFIG)
        if isinstance(e, ConfigFieldMissingException):
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
            return UserFacingFailure(
                f"could not open the {name} destination, so nothing was requested from Gong: "
                f"{text}",
                EXIT_FAILED,
            )
        return UserFacingFailure(
            f"the {name} destination refused the load: {text} (what this run extracted is "
            "kept and loaded first by the next run)",
            EXIT_FAILED,
        )
    return UserFacingFailure(f"{type(last).__name__}: {text}", EXIT_FAILED)


def _run_guarded(fn: Callable[[], None], debug: bool) -> NoReturn:
    try:
        fn()
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(EXIT_FAILED)
    except Exception as exc:
        failure = classify(exc)
        if debug:
            import traceback

            traceback.print_exception(exc)
        click.echo(f"dlt-gong: {failure}", err=True)
        sys.exit(failure.code)
    sys.exit(EXIT_OK)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Load everything your company keeps in Gong into any warehouse dlt can load."""
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
                     help="Any dlt destination (duckdb, postgres, bigquery, snowflake, ...)."),
        click.option("--dataset-name", default="gong_data", show_default=True),
        click.option("--pipeline-name", default="gong", show_default=True),
        click.option("--start-date", help="First day to load (YYYY-MM-DD); default a year ago."),
        click.option("--end-date", help="End of a backfill window (exclusive); resumable."),
        click.option("--resources", help="Comma-separated table names; default: the default set."),
        click.option("--lookback-days", type=float, help="Re-read this many days for late calls."),
        click.option("--workspace-id", help="Only this Gong workspace."),
        click.option("--reconcile-days", type=float,
                     help="Remove loaded calls of this many last days that Gong deleted or "
                          "made private (default 30; 0: off)."),
        click.option("--reconcile-from",
                     help="Instead, reconcile the calls started from this date (YYYY-MM-DD)."),
        click.option("--reconcile-to", help="End (exclusive) of --reconcile-from; default now."),
        click.option("--progress", default="log", show_default=True,
                     type=click.Choice(["log", "tqdm", "enlighten", "alive_progress", "none"])),
    ]  # fmt: skip
    for option in reversed(options):
        f = option(f)
    return f


@cli.command()
@load_options
@click.option("--base-url", help="Gong API base URL (default from config, else api.gong.io).")
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

    debug = ctx.obj["debug"]
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
@click.option("--base-url", help="Gong API base URL (default from config, else api.gong.io).")
@click.option("--company", metavar="NAME", help="The company configured in [sources.gong.NAME].")
@click.pass_context
def check(ctx: click.Context, base_url: str | None, company: str | None) -> None:
    """Validate the credentials and show which tables this key can load."""
    from dlt_gong import runner

    _run_guarded(lambda: runner.check(base_url=base_url, company=company), ctx.obj["debug"])


@cli.command()
@click.option("--users", default=60, show_default=True)
@click.option("--calls", default=1200, show_default=True)
@click.option("--days", default=45, show_default=True)
@click.option("--seed", default=7, show_default=True)
@click.option("--rate-limit/--no-rate-limit", default=False, show_default=True,
              help="Serve at Gong's real 3 requests/second.")  # fmt: skip
@click.option("--pipeline-name", default="gong", show_default=True)
@click.pass_context
def demo(ctx: click.Context, **kw: Any) -> None:
    """Start the sandbox, load a realistic company into gong.duckdb, print a summary."""
    from dlt_gong import runner

    _run_guarded(lambda: runner.demo(**kw), ctx.obj["debug"])


def _source_kwargs(kw: dict[str, Any]) -> dict[str, Any]:
    return {k: kw[k] for k in ("base_url", "start_date", "end_date", "resources",
                               "lookback_days", "workspace_id", "reconcile_days",
                               "reconcile_from", "reconcile_to") if k in kw}  # fmt: skip


def main() -> None:
    """Console entry point."""
    cli(obj={})


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
