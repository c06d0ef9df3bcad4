"""``dlt-gong sandbox``: serve a local Gong API with a synthetic company from the shell.

Credentials default to ``sandbox-access-key`` / ``sandbox-access-key-secret`` (shown in
``--help`` and when it starts, so the README's commands work as printed) and can come from
``GONG_SANDBOX_ACCESS_KEY`` / ``GONG_SANDBOX_ACCESS_KEY_SECRET`` so a secret need not
appear on a command line. A secret other than the default is never printed.
"""

from __future__ import annotations

import errno
import sys

import click

from dlt_gong.sandbox.config import CALLS_FILTER_TIMES, CALLS_ORDERS, FaultConfig, SandboxConfig
from dlt_gong.sandbox.server import serve_forever
from dlt_gong.sandbox.timeutil import parse_date_time

DEFAULT_SECRET = "sandbox-access-key-secret"
"""Public, like the sandbox's data: a secret of your own is never printed."""
PORT_TAKEN = (errno.EADDRINUSE, errno.EACCES, errno.EADDRNOTAVAIL)


@click.command("sandbox")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8765, show_default=True, type=int, help="0 picks a free port.")
@click.option("--seed", default=7, show_default=True, type=int, help="Same seed, same company.")
@click.option("--users", default=50, show_default=True, type=click.IntRange(min=1),
              help="Users of the company.")  # fmt: skip
@click.option("--calls", default=1000, show_default=True, type=click.IntRange(min=0),
              help="Calls in the history window.")  # fmt: skip
@click.option("--days", default=90, show_default=True, type=click.IntRange(min=1),
              help="Length of the call history before now.")  # fmt: skip
@click.option("--workspaces", default=2, show_default=True, type=click.IntRange(1, 20),
              help="Workspaces of the company.")  # fmt: skip
@click.option("--time-zone", default="America/Los_Angeles", show_default=True,
              help="The company's time zone (its days and stats periods).")  # fmt: skip
@click.option("--now", "now", default=None, help="Start the clock here (ISO-8601 with offset).")
@click.option("--access-key", envvar="GONG_SANDBOX_ACCESS_KEY", default="sandbox-access-key",
              show_default=True, help="Env: GONG_SANDBOX_ACCESS_KEY.")  # fmt: skip
@click.option("--access-key-secret", envvar="GONG_SANDBOX_ACCESS_KEY_SECRET",
              default=DEFAULT_SECRET,
              help=f"Env: GONG_SANDBOX_ACCESS_KEY_SECRET.  [default: {DEFAULT_SECRET}]",
              )  # fmt: skip
@click.option("--oauth-refresh-token", envvar="GONG_SANDBOX_OAUTH_REFRESH_TOKEN", default=None,
              help="A refresh token the OAuth app (sandbox-client-id / sandbox-client-secret) "
              "holds; the token endpoint is /oauth2/generate-customer-token. "
              "Env: GONG_SANDBOX_OAUTH_REFRESH_TOKEN.")  # fmt: skip
@click.option("--oauth-token-seconds", type=click.FloatRange(min=1), default=86_400.0,
              show_default=True, help="Lifetime of an OAuth access token.")  # fmt: skip
@click.option("--no-rate-limit", is_flag=True,
              help="No 3/s limit and no daily quota (unless --daily-quota).")  # fmt: skip
@click.option("--daily-quota", type=click.IntRange(min=1), default=None,
              help="Requests per UTC day [default: 10000; none with --no-rate-limit]")  # fmt: skip
@click.option("--faults", "faults", default="",
              help='Faults, e.g. "500=0.05,502=0.02,429=0.01,reset=0.01,seed=3".')  # fmt: skip
@click.option("--processing-delay-minutes", type=click.FloatRange(min=0), default=5.0,
              show_default=True, help="Calls appear this long after they end.")  # fmt: skip
@click.option("--late-call-rate", type=click.FloatRange(0, 1), default=0.02, show_default=True,
              help="Fraction of calls processed many hours late.")  # fmt: skip
@click.option("--calls-order", type=click.Choice(CALLS_ORDERS), default="oldest_first",
              show_default=True, help="The order pages of calls are served in.")  # fmt: skip
@click.option("--calls-filter-time", type=click.Choice(CALLS_FILTER_TIMES), default="started",
              show_default=True,
              help="Date filters compare start or web conferences' scheduled time.")  # fmt: skip
@click.option("--cursor-ttl-seconds", type=click.FloatRange(min=0.001), default=3600.0,
              show_default=True, help="How long a paging cursor lives.")  # fmt: skip
@click.option("--latency", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="Seconds from a request's arrival (when the rate limit counts it) to its "
              "answer, as from a distant Gong.")  # fmt: skip
@click.option("--latency-per-item", type=click.FloatRange(min=0), default=0.0,
              show_default=True,
              help="Seconds added per item of the answer's list (calls, transcripts, "
              "users).")  # fmt: skip
@click.option("--latency-jitter", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="Each answer's latency plus or minus up to this (uniform, from --seed; "
              "never below 0).")  # fmt: skip
@click.option("--max-concurrent", type=click.IntRange(min=1), default=None,
              help="Requests served at once; one more gets Gong's 429 (Retry-After 1), not "
              "counted against the rate limit or quota [default: no cap]")  # fmt: skip
def sandbox_command(host: str, port: int, seed: int, users: int, calls: int, days: int,
                    workspaces: int, time_zone: str, now: str | None, access_key: str,
                    access_key_secret: str, oauth_refresh_token: str | None,
                    oauth_token_seconds: float, no_rate_limit: bool, daily_quota: int | None,
                    faults: str, processing_delay_minutes: float,
                    late_call_rate: float, calls_order: str, calls_filter_time: str,
                    cursor_ttl_seconds: float, latency: float, latency_per_item: float,
                    latency_jitter: float, max_concurrent: int | None) -> None:  # fmt: skip
    """Serve a local Gong API v2 with a synthetic company until Ctrl-C.

    Load it with SOURCES__GONG__BASE_URL=http://127.0.0.1:8765,
    SOURCES__GONG__CREDENTIALS__ACCESS_KEY=sandbox-access-key and
    SOURCES__GONG__CREDENTIALS__ACCESS_KEY_SECRET=sandbox-access-key-secret (the defaults
    below) and SOURCES__GONG__REQUESTS_PER_SECOND=0 with --no-rate-limit.
    """
    try:
        config = SandboxConfig(
            host=host,
            port=port,
            seed=seed,
            users=users,
            calls=calls,
            days=days,
            workspaces=workspaces,
            time_zone=time_zone,
            now=parse_date_time(now) if now else None,
            access_key=access_key,
            access_key_secret=access_key_secret,
            oauth_refresh_tokens=(oauth_refresh_token,) if oauth_refresh_token else (),
            oauth_access_token_seconds=oauth_token_seconds,
            rate_limit_per_second=None if no_rate_limit else 3,
            daily_quota=daily_quota if daily_quota else (None if no_rate_limit else 10_000),
            faults=FaultConfig.parse(faults),
            processing_delay_minutes=processing_delay_minutes,
            late_call_rate=late_call_rate,
            calls_order=calls_order,
            calls_filter_time=calls_filter_time,
            cursor_ttl_seconds=cursor_ttl_seconds,
            latency_seconds=latency,
            latency_per_item_seconds=latency_per_item,
            latency_jitter_seconds=latency_jitter,
            max_concurrent_requests=max_concurrent,
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc

    def announce(url: str) -> None:
        click.echo(f"Gong sandbox listening on {url}")
        secret = (
            f"secret {DEFAULT_SECRET}" if config.access_key_secret == DEFAULT_SECRET
            else "secret not shown"
        )  # fmt: skip
        click.echo(f"  access key: {config.access_key} ({secret})", err=True)

    try:
        serve_forever(config, announce)
    except OSError as exc:
        if exc.errno not in PORT_TAKEN:
            raise
        cause = {errno.EADDRINUSE: "is in use", errno.EACCES: "needs privileges"}.get(
            exc.errno, "is not an address of this machine"
        )
        click.echo(
            f"dlt-gong: port {port} on {host} {cause} ({exc.strerror}): pick another with "
            "--port, or --port 0 for a free one",
            err=True,
        )
        sys.exit(2)
