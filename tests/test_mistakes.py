"""Every mistake a user can make, through the real `dlt-gong` process against the sandbox:
one line naming the value as the user wrote it and where, and what is allowed; exit 2
(Ctrl-C: 130); the number of requests Gong received; and nothing created (no DuckDB
file, no pipeline folder under a fresh DLT_DATA_DIR). Valid spellings load."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from dlt_gong.sandbox import RunningSandbox, SandboxConfig, run_sandbox
from dlt_gong.tables import TABLES
from instants import NOW, days_before
from reliability.cli_runs import FakeProxy

CLI = str(Path(sys.executable).with_name("dlt-gong"))
KEY, SECRET = "mistakes-key", "mistakes-secret-4b7e"
START = days_before(NOW, 4).isoformat()
CHOICES = ", ".join(t.name for t in TABLES)
DAYS = "is not a number of days from 0 to 36,500 (e.g. 3 or 0.5)"
RATE = (
    "is not a whole number of requests a second: your company's Gong limit (3 unless Gong "
    "raised it, at most 1,000), or 0 for no pacing"
)


@pytest.fixture(scope="module")
def sb() -> Iterator[RunningSandbox]:
    config = SandboxConfig(
        seed=23, users=8, calls=60, days=4, now=NOW, freeze_clock=True, workspaces=2,
        rate_limit_per_second=None, daily_quota=None, access_key=KEY, access_key_secret=SECRET,
    )  # fmt: skip
    with run_sandbox(config) as running:
        yield running


def env_of(sb: RunningSandbox, **extra: str) -> dict[str, str]:
    return {
        "SOURCES__GONG__BASE_URL": sb.url,
        "SOURCES__GONG__CREDENTIALS__ACCESS_KEY": KEY,
        "SOURCES__GONG__CREDENTIALS__ACCESS_KEY_SECRET": SECRET,
        "SOURCES__GONG__REQUESTS_PER_SECOND": "0",
        "SOURCES__GONG__NOW": NOW.isoformat(),
        **extra,
    }


def dlt_gong(
    args: list[str], cwd: Path, env: dict[str, str], files: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`dlt-gong *args` in `cwd`, configured only by `env` and `files` (.dlt/*.toml)."""
    for name, text in (files or {}).items():
        (cwd / name).parent.mkdir(parents=True, exist_ok=True)
        (cwd / name).write_text(text)
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SOURCES__", "DESTINATION", "RUNTIME__", "DLT_", "NORMALIZE__"))
    }
    clean.update({"DLT_DATA_DIR": str(cwd / ".dlt-data"), "RUNTIME__DLTHUB_TELEMETRY": "false"})
    clean.update(env)
    return subprocess.run(
        [CLI, *args], cwd=cwd, env=clean, capture_output=True, text=True, timeout=240
    )


def only_line(r: subprocess.CompletedProcess[str]) -> str:
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    return lines[0]


def assert_nothing_created(cwd: Path) -> None:
    """No DuckDB file, no pipeline folder, no dlt data folder: only the config we wrote."""
    assert sorted(p.name for p in cwd.iterdir()) in ([], [".dlt"]), list(cwd.iterdir())
    if (cwd / ".dlt").exists():
        assert {p.name for p in (cwd / ".dlt").iterdir()} <= {"config.toml", "secrets.toml"}


def public_calls(sb: RunningSandbox) -> int:
    calls = sb.company.calls(f"{START}T00:00:00Z", None)
    return sum(1 for c in calls if not c["metaData"]["isPrivate"])


# -- refused before the first request ----------------------------------------------------

CONFIG = ".dlt/config.toml"
SECRETS = ".dlt/secrets.toml"

REFUSED = [
    # (id, args, environment, files, the line after "dlt-gong: " ({cwd}: the run's folder))
    ("lookback 1e9", ["--lookback-days", "1e9"], {}, {}, f"--lookback-days 1e9 {DAYS}"),
    ("lookback nan", ["--lookback-days", "nan"], {}, {}, f"--lookback-days nan {DAYS}"),
    ("lookback negative", ["--lookback-days=-1"], {}, {}, f"--lookback-days -1 {DAYS}"),
    ("reconcile days", ["--reconcile-days", "many"], {}, {}, f"--reconcile-days many {DAYS}"),
    ("pipeline name with a dot", ["--pipeline-name", "gong.prod"], {}, {},
     "--pipeline-name gong.prod is not a pipeline name: dlt keeps a pipeline in a folder of "
     "that name, which takes letters, digits, - and _ (no . % { } / or spaces), e.g. gong_prod"),
    ("empty pipeline name", ["--pipeline-name", ""], {}, {},
     "--pipeline-name '' is empty: name the pipeline, e.g. gong (the default)"),
    ("empty dataset name", ["--dataset-name", ""], {}, {},
     "--dataset-name '' is empty: name the dataset, e.g. gong_data (the default)"),
    ("unknown destination", ["--destination", "nosuchdest"], {}, {},
     "--destination nosuchdest is not a dlt destination: use one of postgres, snowflake, "
     "filesystem, duckdb, ducklake, dummy, mssql, fabric, bigquery, athena, redshift, qdrant, "
     "lancedb, lance, motherduck, weaviate, synapse, databricks, dremio, clickhouse, "
     "sqlalchemy, or the name of one configured under [destination.<name>] with its "
     "destination_type"),
    ("start date in the future", ["--start-date", "2026-06-16"], {}, {},
     "--start-date 2026-06-16 is not before now (2026-06-15 17:30 UTC): Gong has nothing to "
     "load from then; leave it out to load the last year"),
    ("start date not a date", ["--start-date", "2026-13-01"], {}, {},
     "--start-date 2026-13-01 is not a date: use YYYY-MM-DD or an ISO-8601 date-time"),
    ("end date not a date", ["--end-date", "soon"], {}, {},
     "--end-date soon is not a date: use YYYY-MM-DD or an ISO-8601 date-time"),
    ("reconcile from not a date", ["--reconcile-from", "01/02/2024"], {}, {},
     "--reconcile-from 01/02/2024 is not a date: use YYYY-MM-DD or an ISO-8601 date-time"),
    ("unknown table", ["--resources", "users,emails"], {}, {},
     f"--resources users,emails names no table 'emails': choose from {CHOICES}"),
    ("no table", ["--resources", ","], {}, {},
     f"--resources , names no table: name one or more of {CHOICES}"),
    ("base url ending in /v2", ["--base-url", "http://127.0.0.1:9/v2"], {}, {},
     "--base-url http://127.0.0.1:9/v2 ends in /v2, which every request's path begins with: "
     "use http://127.0.0.1:9"),
    ("base url not a url", ["--base-url", "api.gong.io"], {}, {},
     "--base-url api.gong.io is not an http(s) URL; Gong's is https://api.gong.io"),
    ("progress", ["--progress", "bar"], {}, {},
     "Invalid value for '--progress': 'bar' is not one of 'log', 'tqdm', 'enlighten', "
     "'alive_progress', 'none'. (see dlt-gong run --help)"),
    ("rate 2.5 in the environment", [], {"SOURCES__GONG__REQUESTS_PER_SECOND": "2.5"}, {},
     f"SOURCES__GONG__REQUESTS_PER_SECOND=2.5 {RATE}"),
    ("rate not a number", [], {"SOURCES__GONG__REQUESTS_PER_SECOND": "fast"}, {},
     f"SOURCES__GONG__REQUESTS_PER_SECOND=fast {RATE}"),
    ("unknown table in the environment", [], {"SOURCES__GONG__RESOURCES": "users,emails"}, {},
     f"SOURCES__GONG__RESOURCES=users,emails names no table 'emails': choose from {CHOICES}"),
    ("unknown table in config.toml", [], {}, {CONFIG: '[sources.gong]\nresources = "users,emails"\n'},
     '[sources.gong] resources = "users,emails" in {cwd}/.dlt/config.toml names no table '
     f"'emails': choose from {CHOICES}"),
    ("unknown table in a toml list", [], {}, {CONFIG: '[sources.gong]\nresources = ["emails"]\n'},
     '[sources.gong] resources = ["emails"] in {cwd}/.dlt/config.toml names no table '
     f"'emails': choose from {CHOICES}"),
    ("start date in config.toml", [], {}, {CONFIG: '[sources.gong]\nstart_date = "2026-02-30"\n'},
     '[sources.gong] start_date = "2026-02-30" in {cwd}/.dlt/config.toml is not a date: use '
     "YYYY-MM-DD or an ISO-8601 date-time"),
    ("future TOML date", [], {}, {CONFIG: "[sources.gong]\nstart_date = 2027-01-01\n"},
     "[sources.gong] start_date = 2027-01-01 in {cwd}/.dlt/config.toml is not before now "
     "(2026-06-15 17:30 UTC): Gong has nothing to load from then; leave it out to load the "
     "last year"),
    ("lookback in secrets.toml", [], {}, {SECRETS: "[sources.gong]\nlookback_days = -2\n"},
     f"[sources.gong] lookback_days = -2 in {{cwd}}/.dlt/secrets.toml {DAYS}"),
    ("stats lookback 2.5", [], {"SOURCES__GONG__STATS_LOOKBACK_DAYS": "2.5"}, {},
     "SOURCES__GONG__STATS_LOOKBACK_DAYS=2.5 is not a whole number of days from 0 to 36,500"),
    ("chunk tokens", [], {}, {CONFIG: "[sources.gong]\nchunk_tokens = 10\n"},
     "[sources.gong] chunk_tokens = 10 in {cwd}/.dlt/config.toml is not a whole number of "
     "tokens from 64 (the call's title and a line) to 1,000,000"),
    ("aggregation period", [], {"SOURCES__GONG__AGGREGATION_PERIOD": "fortnight"}, {},
     "SOURCES__GONG__AGGREGATION_PERIOD=fortnight is not one of DAY, WEEK, MONTH, QUARTER, YEAR"),
    ("interaction stats period", [], {}, {CONFIG: '[sources.gong]\ninteraction_stats_period = "YEAR"\n'},
     '[sources.gong] interaction_stats_period = "YEAR" in {cwd}/.dlt/config.toml is not one of '
     "DAY, WEEK, MONTH"),
    ("retry after", [], {"SOURCES__GONG__MAX_RETRY_AFTER_SECONDS": "-5"}, {},
     "SOURCES__GONG__MAX_RETRY_AFTER_SECONDS=-5 is not a number of seconds, 0 or more (e.g. 300)"),
    ("include private calls", [], {"SOURCES__GONG__INCLUDE_PRIVATE_CALLS": "sometimes"}, {},
     "SOURCES__GONG__INCLUDE_PRIVATE_CALLS=sometimes is not true or false"),
    ("content selector", [], {"SOURCES__GONG__CONTENT_SELECTOR": "all"}, {},
     "SOURCES__GONG__CONTENT_SELECTOR=all is not Gong's contentSelector: a table (a JSON object)"),
    ("user ids", [], {"SOURCES__GONG__USER_IDS": "[1, "}, {},
     "SOURCES__GONG__USER_IDS='[1, ' is not a list of Gong user ids: a comma-separated string or "
     "a list"),
    ("now", [], {"SOURCES__GONG__NOW": "yesterday"}, {},
     "SOURCES__GONG__NOW=yesterday is not a date: use YYYY-MM-DD or an ISO-8601 date-time"),
    ("base url in the environment", [], {"SOURCES__GONG__BASE_URL": "https://api.gong.io/v2/"}, {},
     "SOURCES__GONG__BASE_URL=https://api.gong.io/v2/ ends in /v2, which every request's path "
     "begins with: use https://api.gong.io"),
    ("workspace id with a space", ["--workspace-id", "12 34"], {}, {},
     "--workspace-id '12 34' is not a Gong workspace id"),
    ("package megabytes", [], {}, {CONFIG: "[sources.gong]\npackage_megabytes = -1\n"},
     "[sources.gong] package_megabytes = -1 in {cwd}/.dlt/config.toml is not a number of "
     "megabytes, 0 (one package) or more (e.g. 16)"),
    ("exclude titles not a regex", ["--exclude-titles", "1:1", "--exclude-titles", "(interview"],
     {}, {},
     "--exclude-titles '(interview' is not a regular expression (missing ), unterminated "
     "subpattern at position 0): e.g. ^interview or 1:1, searched in the title, "
     "case-insensitive"),
    ("exclude domains in the environment", [], {"SOURCES__GONG__EXCLUDE_DOMAINS": "gmail"}, {},
     "SOURCES__GONG__EXCLUDE_DOMAINS=gmail is not a list of email domains or addresses: e.g. "
     "gmail.com,ceo@example.com (a comma-separated string or a list)"),
    ("exclude domains without parties", [],
     {"SOURCES__GONG__EXCLUDE_DOMAINS": "gmail.com",
      "SOURCES__GONG__CONTENT_SELECTOR": '{"exposedFields": {"content": {"brief": true}}}'}, {},
     "exclude_domains needs the calls' parties, which content_selector leaves out: set "
     "exposedFields.parties to true in it, or leave content_selector out"),
    ("retention days", [], {}, {CONFIG: "[sources.gong]\nretention_days = -30\n"},
     "[sources.gong] retention_days = -30 in {cwd}/.dlt/config.toml is not a number of days "
     "from 0 to 36,500: calls that started longer ago are neither loaded nor kept (e.g. 365; "
     "0: keep every call)"),
    ("backfill older than the retention",
     ["--retention-days", "2", "--end-date", days_before(NOW, 1).isoformat()], {}, {},
     f"--start-date {START} is older than retention_days 2 keeps (calls from 2026-06-13 17:30 "
     "UTC on): a backfill starts from then, or the retention is raised"),
    ("hash without a key", ["--hash-personal-data"], {}, {},
     "hash_personal_data is true but no key is configured: set sources.gong.personal_data_key "
     "in .dlt/secrets.toml (or SOURCES__GONG__PERSONAL_DATA_KEY) to a random string of 16 "
     "characters or more, and keep it: another key gives other hashes, which no longer join "
     "the rows already loaded"),
    ("hash with a short key", [], {"SOURCES__GONG__HASH_PERSONAL_DATA": "true"},
     {SECRETS: '[sources.gong]\npersonal_data_key = "secret"\n'},
     "sources.gong.personal_data_key has 6 characters, too few to keep the hashes from being "
     "reversed by guessing it: set sources.gong.personal_data_key in .dlt/secrets.toml (or "
     "SOURCES__GONG__PERSONAL_DATA_KEY) to a random string of 16 characters or more, and "
     "keep it: another key gives other hashes, which no longer join the rows already loaded"),
    ("hash names alone", ["--hash-names"], {}, {},
     "hash_names is true but hash_personal_data is not: names are hashed with the email "
     "addresses and phone numbers; set hash_personal_data = true too"),
    ("hash flag in the environment", [], {"SOURCES__GONG__HASH_PERSONAL_DATA": "sometimes"}, {},
     "SOURCES__GONG__HASH_PERSONAL_DATA=sometimes is not true or false"),
    ("postgres without credentials", ["--destination", "postgres"], {}, {},
     "the postgres destination is not configured: its credentials are missing (database, "
     "password, username, host): set them under [destination.postgres.credentials] in "
     ".dlt/secrets.toml or as DESTINATION__POSTGRES__CREDENTIALS__<FIELD> environment "
     "variables, or the whole connection string as destination.postgres.credentials / "
     "DESTINATION__POSTGRES__CREDENTIALS"),
    ("filesystem without a bucket", ["--destination", "filesystem"], {}, {},
     "the filesystem destination is not configured: its bucket_url is missing: set "
     "destination.filesystem.bucket_url in .dlt/config.toml or DESTINATION__FILESYSTEM__BUCKET_URL"),
    ("motherduck without a token", ["--destination", "motherduck"], {}, {},
     "the motherduck destination is not configured: its credentials are missing (password): "
     "set them under [destination.motherduck.credentials] in .dlt/secrets.toml or as "
     "DESTINATION__MOTHERDUCK__CREDENTIALS__<FIELD> environment variables, or the whole "
     "connection string as destination.motherduck.credentials / "
     "DESTINATION__MOTHERDUCK__CREDENTIALS"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "env", "files", "line"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED]
)
def test_refused_in_one_line_before_any_request_and_nothing_created(
    sb: RunningSandbox, tmp_path: Path, args: list[str], env: dict[str, str],
    files: dict[str, str], line: str,
) -> None:  # fmt: skip
    sb.reset_stats()
    start = [] if "start_date" in "".join(files.values()) else ["--start-date", START]
    r = dlt_gong(["run", *start, *args], tmp_path, env_of(sb, **env), files)
    assert (r.returncode, only_line(r)) == (2, "dlt-gong: " + line.replace("{cwd}", str(tmp_path)))
    assert sb.stats()["requests"] == 0
    assert r.stdout == ""
    assert_nothing_created(tmp_path)


def test_gong_credentials_missing_are_gongs_not_the_destinations(tmp_path: Path) -> None:
    from dlt_gong.cli import MISSING_CREDENTIALS

    r = dlt_gong(["run", "--destination", "postgres"], tmp_path,
                 {"DESTINATION__POSTGRES__CREDENTIALS": "postgresql://u:p@127.0.0.1:9/db"})  # fmt: skip
    assert (r.returncode, only_line(r)) == (2, f"dlt-gong: {MISSING_CREDENTIALS}")
    assert_nothing_created(tmp_path)


# -- refused at Gong's first answer -------------------------------------------------------


def test_a_wrong_secret_creates_nothing(sb: RunningSandbox, tmp_path: Path) -> None:
    """The key is proven by one request before a pipeline, its state or a DuckDB file
    exists; a later good run from another folder is not pinned to this one."""
    sb.reset_stats()
    env = env_of(sb, SOURCES__GONG__CREDENTIALS__ACCESS_KEY_SECRET="not-the-secret")
    r = dlt_gong(["run", "--start-date", START], tmp_path, env)
    assert (r.returncode, only_line(r)) == (
        2,
        f"dlt-gong: Gong rejected access key '{KEY}' and its access_key_secret with 401 on GET "
        "/v2/users (Gong: Validate credentials failed. Please check your credentials and try "
        "again.). Check sources.gong.credentials and sources.gong.base_url.",
    )
    assert sb.stats()["by_endpoint"] == {"GET /v2/users": 1}
    assert_nothing_created(tmp_path)
    assert "not-the-secret" not in r.stdout + r.stderr


@pytest.mark.parametrize("plan", [False, True], ids=["run", "plan"])
def test_an_unknown_workspace_is_refused_after_one_request(
    sb: RunningSandbox, tmp_path: Path, plan: bool
) -> None:
    sb.reset_stats()
    args = ["run", "--start-date", START, "--workspace-id", "999", *(["--plan"] if plan else [])]
    r = dlt_gong(args, tmp_path, env_of(sb))
    listed = ", ".join(f"{w['id']} ({w['name']})" for w in sb.company.workspaces())
    assert (r.returncode, only_line(r)) == (
        2, f"dlt-gong: --workspace-id 999 is not a workspace of this company: its workspaces "
        f"are {listed}",
    )  # fmt: skip
    assert sb.stats()["by_endpoint"] == {"GET /v2/workspaces": 1}
    assert_nothing_created(tmp_path)


def test_a_known_workspace_loads_and_its_proof_is_the_workspaces_request(
    sb: RunningSandbox, tmp_path: Path
) -> None:
    """The proof's answer is the load's own first workspaces request: not asked twice."""
    workspace = sb.company.workspaces()[0]["id"]
    sb.reset_stats()
    r = dlt_gong(["run", "--start-date", START, "--resources", "workspaces,users",
                  "--workspace-id", workspace, "--progress", "none"], tmp_path, env_of(sb))  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert sb.stats()["by_endpoint"] == {"GET /v2/workspaces": 1, "GET /v2/users": 1}


# -- valid spellings load ----------------------------------------------------------------

SPELLINGS = [
    ("env comma-separated", {"SOURCES__GONG__RESOURCES": "users,calls"}, {}),
    ("toml string", {}, {CONFIG: '[sources.gong]\nresources = "users,calls"\n'}),
    ("toml list", {}, {CONFIG: '[sources.gong]\nresources = ["users", "calls"]\n'}),
    ("toml date", {"SOURCES__GONG__RESOURCES": "users,calls"},
     {CONFIG: f"[sources.gong]\nstart_date = {START}\n"}),
    ("toml date string", {"SOURCES__GONG__RESOURCES": "users,calls"},
     {CONFIG: f'[sources.gong]\nstart_date = "{START}"\n'}),
    ("whole rate as a float string", {"SOURCES__GONG__RESOURCES": "users,calls",
                                      "SOURCES__GONG__REQUESTS_PER_SECOND": "3.0"}, {}),
    ("toml numbers as strings", {}, {CONFIG: '[sources.gong]\nresources = "users,calls"\n'
                                             'lookback_days = "0.5"\nreconcile_days = "0"\n'
                                             'stats_lookback_days = 2.0\n'}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("env", "files"), [c[1:] for c in SPELLINGS], ids=[c[0] for c in SPELLINGS]
)
def test_valid_spellings_load(
    sb: RunningSandbox, tmp_path: Path, env: dict[str, str], files: dict[str, str]
) -> None:
    sb.reset_stats()
    base = env_of(sb, **env)
    if "start_date" not in "".join(files.values()):
        base["SOURCES__GONG__START_DATE"] = START
    r = dlt_gong(["run", "--progress", "none"], tmp_path, base, files)
    assert r.returncode == 0, r.stderr
    # users and one page of calls; the credentials' proof is the users request itself
    assert sb.stats()["by_endpoint"] == {"GET /v2/users": 1, "POST /v2/calls/extensive": 1}
    with duckdb.connect(str(tmp_path / "gong.duckdb"), read_only=True) as db:
        (calls,) = db.execute("select count(*) from gong_data.calls").fetchone() or (0,)
    assert calls == public_calls(sb) > 0


# -- names printed as stored --------------------------------------------------------------


def test_a_dataset_name_is_printed_as_stored_and_try_runs_as_printed(
    sb: RunningSandbox, tmp_path: Path
) -> None:
    r = dlt_gong(["run", "--start-date", START, "--resources", "users,calls", "--dataset-name",
                  "x-y z", "--progress", "none"], tmp_path, env_of(sb))  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert f"  data: duckdb dataset 'x_y_z' in {tmp_path / 'gong.duckdb'}" in r.stdout
    tries = [line.split("try:  ", 1)[1] for line in r.stdout.splitlines() if "try:  " in line]
    assert len(tries) == 2 and r"FROM \"x_y_z\".calls" in tries[1]
    for command in tries:
        shown = subprocess.run(command, shell=True, cwd=tmp_path, capture_output=True, text=True,
                               timeout=120, env={**os.environ, "DLT_DATA_DIR": str(tmp_path / ".dlt-data")})  # fmt: skip
        assert shown.returncode == 0, (command, shown.stderr)
    assert (
        sb.company.calls(f"{START}T00:00:00Z", None)[-1]["metaData"]["title"][:20] in shown.stdout
    )


# -- a base URL that is not Gong: fast, one line ------------------------------------------


@pytest.mark.parametrize("command", ["run", "check"])
def test_tls_against_plain_http_fails_at_once(
    sb: RunningSandbox, tmp_path: Path, command: str
) -> None:
    sb.reset_stats()
    tls = sb.url.replace("http://", "https://")
    r = dlt_gong([command], tmp_path, env_of(sb, SOURCES__GONG__BASE_URL=tls))
    assert (r.returncode, only_line(r)) == (
        1, f"dlt-gong: {tls} does not speak TLS (https): the server there answers plain HTTP; "
        f"use {sb.url} in sources.gong.base_url if that is the server you mean",
    )  # fmt: skip
    assert sb.stats()["requests"] == 0  # a TLS hello is not a request
    assert_nothing_created(tmp_path)


@pytest.mark.parametrize("command", ["run", "check"])
def test_an_html_5xx_before_gong_ever_answered_is_not_retried(tmp_path: Path, command: str) -> None:
    page = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
    with FakeProxy(502, page).running() as proxy:
        env = {
            "SOURCES__GONG__BASE_URL": proxy.url,
            "SOURCES__GONG__CREDENTIALS__ACCESS_KEY": KEY,
            "SOURCES__GONG__CREDENTIALS__ACCESS_KEY_SECRET": SECRET,
        }
        r = dlt_gong([command], tmp_path, env)
    assert (r.returncode, only_line(r)) == (
        1, f"dlt-gong: GET /v2/users at {proxy.url} answered 502 with a page that is not "
        "Gong's JSON (text/html; charset=utf-8): check sources.gong.base_url",
    )  # fmt: skip
    assert proxy.served == 1
    assert_nothing_created(tmp_path)


# -- Ctrl-C -------------------------------------------------------------------------------


def test_ctrl_c_is_one_line_exit_130_and_the_next_run_resumes(
    sb: RunningSandbox, tmp_path: Path
) -> None:
    """Paced at one request a second, so that the run is surely in progress when the
    signal comes (after its third request); the next run completes the load exactly."""
    args = ["run", "--start-date", START, "--resources", "users,calls,call_transcripts",
            "--progress", "none"]  # fmt: skip
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SOURCES__", "DLT_"))}
    env = {**clean, **env_of(sb, SOURCES__GONG__REQUESTS_PER_SECOND="1",
                             SOURCES__GONG__PACKAGE_MEGABYTES="0.05"),
           "DLT_DATA_DIR": str(tmp_path / ".dlt-data"), "RUNTIME__DLTHUB_TELEMETRY": "false"}  # fmt: skip
    sb.reset_stats()
    proc = subprocess.Popen([CLI, *args], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        for _ in range(1200):  # polled, not timed: at most 120 s
            if sb.stats()["requests"] >= 3:
                break
            time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err
    assert err.strip().splitlines() == [
        "dlt-gong: stopped (Ctrl-C): what was loaded stays, and the next run resumes from the "
        "saved positions"
    ]
    again = dlt_gong(args, tmp_path, env_of(sb))
    assert again.returncode == 0, again.stderr
    with duckdb.connect(str(tmp_path / "gong.duckdb"), read_only=True) as db:
        calls, distinct = db.execute(
            "select count(*), count(distinct id) from gong_data.calls"
        ).fetchone() or (0, 0)
    assert calls == distinct == public_calls(sb)


# -- help a newcomer can act on -----------------------------------------------------------


def test_help_names_every_default_and_what_workspace_id_does_not_narrow(tmp_path: Path) -> None:
    r = dlt_gong(["run", "--help"], tmp_path, {})
    assert r.returncode == 0
    text = " ".join(r.stdout.split())
    from dlt_gong.tables import DEFAULT_TABLES

    assert f"[default: {', '.join(DEFAULT_TABLES)}]" in text
    assert "for calls Gong processed late (0 to 36,500; 0.5 is half a day). [default: 3]" in text
    assert "The dataset (schema) the tables load into, stored as the destination names it" in text
    assert "How a run shows its progress:" in text
    assert "it does not narrow users, workspaces, aggregated_activity," in text
    for line in r.stdout.split("\n  --")[1:]:  # every option says what it does
        name = line.split()[0]
        assert len(line.split()) > 2, f"--{name} has no help"
    version = dlt_gong(["--version"], tmp_path, {})
    assert (version.returncode, version.stdout) == (0, "dlt-gong, version 0.1.0\n")


# -- a destination's refused login is the destination's -----------------------------------


@pytest.mark.postgres
@pytest.mark.parametrize("login", ["nologin", "missing"])
def test_a_destination_refusing_its_login_is_named_as_the_destinations(
    sb: RunningSandbox, tmp_path: Path, login: str
) -> None:
    """PostgreSQL refuses a role that may not log in, or does not exist (the test server
    trusts every password, so these are the refusals it can give): exit 2, one line naming
    the destination's credentials, never Gong's; Gong got only the credentials' proof."""
    dsn = os.environ.get("DLT_GONG_TEST_POSTGRES")
    if not dsn:
        pytest.skip("no PostgreSQL server (make test starts one)")
    import psycopg2

    role = f"gong_{login}_{uuid.uuid4().hex[:8]}"
    if login == "nologin":
        with psycopg2.connect(dsn) as admin, admin.cursor() as cur:
            cur.execute(f"CREATE ROLE {role} NOLOGIN")
    host = dsn.split("@", 1)[1]
    sb.reset_stats()
    r = dlt_gong(
        ["run", "--start-date", START, "--resources", "users", "--destination", "postgres"],
        tmp_path,
        env_of(sb, DESTINATION__POSTGRES__CREDENTIALS=f"postgresql://{role}:pw-9d1c@{host}"),
    )
    address, port = host.split("/")[0].rsplit(":", 1)
    refusal = (
        f'role "{role}" is not permitted to log in'
        if login == "nologin"
        else f'role "{role}" does not exist'
    )
    assert (r.returncode, only_line(r)) == (
        2,
        "dlt-gong: the postgres destination refused its credentials, so nothing was loaded: "
        f'connection to server at "{address}", port {port} failed: FATAL:  {refusal} (check '
        "destination.postgres.credentials in .dlt/secrets.toml or "
        "DESTINATION__POSTGRES__CREDENTIALS)",
    )
    assert "pw-9d1c" not in r.stdout + r.stderr
    assert sb.stats()["by_endpoint"] == {"GET /v2/users": 1}
