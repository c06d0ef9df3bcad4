"""Secrets never leave the process: not in output, logs, dlt's trace, load packages,
the destination, or exception messages.

The sandbox gets a recognisable access key secret and OAuth token (random hex, so a hit
cannot be a coincidence). Every kind of CLI run then happens with HOME, the working
directory, dlt's data dir, and the captured stdout and stderr all inside one directory:
good, incremental and token runs, `check`, `run --plan`, and each failure that involves
credentials (a wrong secret, a missing scope, an unreachable or non-Gong base URL, a
destination that refuses the load, the daily quota), most at `--debug` with dlt's log
level at DEBUG, which is where logs go. Afterwards every file under that directory is
read as bytes (gzip and zstd load packages decompressed, pickled traces included, DuckDB
files dumped table by table) and searched for the secret, the token, the Basic auth
header value and a wrong secret tried on purpose. The sandbox's own log records are
searched too.

In process: the errors a user or a scheduler sees (`GongAuthError`, the client's
`GongUnavailableError`, dlt's `PipelineStepFailed`, the run's trace) carry no secret in
`str()`, `repr()` or their formatted traceback. And the two rules that keep secrets off
the wire: credentials are refused on the command line, and the sandbox compares them in
constant time.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import hmac
import logging
import re
import stat
import subprocess
import traceback
import uuid
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import dlt
import duckdb
import pytest
from cli_runs import DATASET, FakeProxy, dlt_gong, key_env, token_env
from report import Outcome

from dlt_gong import GongApiKeyCredentials, GongOAuthCredentials, gong_source
from dlt_gong import endpoints as ep
from dlt_gong.client import GongClient
from dlt_gong.errors import GongAuthError, GongUnavailableError
from dlt_gong.sandbox import RunningSandbox, SandboxConfig, run_sandbox
from dlt_gong.sandbox.auth import Authenticator
from instants import NOW, days_before

KEY = "secrets-key"
SECRET = "S3CRET-" + uuid.uuid4().hex
TOKEN = "T0KEN-" + uuid.uuid4().hex  # granted everything but the stats scopes
WRONG = "WR0NG-" + uuid.uuid4().hex  # a wrong secret is still somebody's secret
BASIC = base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()
CLIENT_SECRET = "CL1ENT-" + uuid.uuid4().hex  # an OAuth app's, with refresh tokens:
REFRESH = "R3FRESH-" + uuid.uuid4().hex  # spent by the first refresh, then rotated
REVOKED = "R3VOKED-" + uuid.uuid4().hex
NEEDLES = {
    "access key secret": SECRET.split("-", 1)[1],
    "OAuth token": TOKEN.split("-", 1)[1],
    "wrong secret": WRONG.split("-", 1)[1],
    "Basic auth header": BASIC,
    "OAuth client secret": CLIENT_SECRET.split("-", 1)[1],
    "OAuth client Basic header": base64.b64encode(
        f"sandbox-client-id:{CLIENT_SECRET}".encode()
    ).decode(),
    "configured refresh token": REFRESH.split("-", 1)[1],
    "revoked refresh token": REVOKED.split("-", 1)[1],
}
"""The tokens the sandbox's token endpoint issues are added once the runs made them."""
START = days_before(NOW, 6).isoformat()
RESOURCES = "users,calls,call_transcripts,aggregated_activity"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
# dlt keeps the pipeline state zlib-compressed and base64-encoded in _dlt_pipeline_state
BASE64_RUN = re.compile(rb"[A-Za-z0-9+/]{40,}={0,2}")


@pytest.fixture(scope="module")
def sb() -> Iterator[RunningSandbox]:
    scopes = frozenset({"api:users:read", "api:calls:read:extensive",
                        "api:calls:read:transcript", "api:workspaces:read"})  # fmt: skip
    config = SandboxConfig(
        seed=43, users=6, calls=60, days=6, now=NOW, freeze_clock=True, rate_limit_per_second=None,
        daily_quota=10_000, access_key=KEY, access_key_secret=SECRET, bearer_tokens=(TOKEN,),
        scopes={TOKEN: scopes}, oauth_client_secret=CLIENT_SECRET, oauth_refresh_tokens=(REFRESH,),
    )  # fmt: skip
    with run_sandbox(config) as running:
        yield running


def leaks(data: bytes) -> list[str]:
    return [name for name, needle in NEEDLES.items() if needle.encode() in data]


def _inflated(data: bytes) -> bytes:
    """Every base64 run in `data` that decodes to zlib data (dlt's compressed state)."""
    found = b""
    for run in BASE64_RUN.findall(data):
        try:
            found += zlib.decompress(base64.b64decode(run))
        except (binascii.Error, zlib.error, ValueError):
            continue
    return found


def readable(path: Path) -> bytes:
    """The file's bytes, decompressed when it is gzip or zstd, a DuckDB file's tables as
    text besides (its storage compresses strings, so raw bytes alone could miss one), and
    any compressed pipeline state inside decoded."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw += gzip.decompress(raw)
    elif raw[:4] == ZSTD_MAGIC:
        zstandard = pytest.importorskip("zstandard", reason=f"cannot read {path}")
        raw += zstandard.ZstdDecompressor().decompressobj().decompress(raw)
    if path.suffix == ".duckdb":
        con = duckdb.connect(str(path), read_only=True)
        try:
            for schema, table in con.execute(
                "select table_schema, table_name from information_schema.tables"
            ).fetchall():
                rows = con.execute(f'select * from "{schema}"."{table}"').fetchall()
                raw += repr(rows).encode()
        finally:
            con.close()
    return raw + _inflated(raw)


@dataclass
class Run:
    name: str
    args: list[str]
    env: dict[str, str]
    exit_code: int
    workdir: str = "main"


@dataclass
class Runs:
    root: Path
    results: dict[str, subprocess.CompletedProcess[str]]
    call_id: str  # a call the runs loaded, to prove the scanner reads load packages


@pytest.fixture(scope="module")
def runs(sb: RunningSandbox, tmp_path_factory: pytest.TempPathFactory) -> Runs:
    """Every CLI scenario, once, in one directory tree."""
    root = tmp_path_factory.mktemp("secrets")
    home = root / "home"
    home.mkdir()
    debug = {"HOME": str(home), "RUNTIME__LOG_LEVEL": "DEBUG"}
    key = {**key_env(sb), **debug}
    token = {**token_env(sb, TOKEN), **debug}
    refreshing = {
        **debug,
        "SOURCES__GONG__BASE_URL": "http://127.0.0.1:9",  # Gong's token answer names the host
        "SOURCES__GONG__CREDENTIALS__CLIENT_ID": "sandbox-client-id",
        "SOURCES__GONG__CREDENTIALS__CLIENT_SECRET": CLIENT_SECRET,
        "SOURCES__GONG__CREDENTIALS__REFRESH_TOKEN": REFRESH,
        "SOURCES__GONG__CREDENTIALS__TOKEN_URL": sb.token_url,
        "SOURCES__GONG__REQUESTS_PER_SECOND": "0",
        "SOURCES__GONG__NOW": sb.clock.now().isoformat(),
    }
    run = ["run", "--start-date", START, "--resources", RESOURCES, "--progress", "log"]
    with FakeProxy(403, b"<html>Forbidden by proxy</html>").running() as proxy:
        plan: list[Run] = [
            Run("first run, --debug", ["--debug", *run], key, 0),
            Run("secrets.toml run, --debug", ["--debug", *run],
                {"SOURCES__GONG__BASE_URL": sb.url, "SOURCES__GONG__REQUESTS_PER_SECOND": "0",
                 "SOURCES__GONG__NOW": sb.clock.now().isoformat(), **debug}, 0, "toml"),
            Run("incremental run", run, {**key_env(sb), "HOME": str(home)}, 0),
            Run("OAuth token run, --debug", ["--debug", *run, "--resources", "users,calls"],
                token, 0),
            Run("check, --debug", ["--debug", "check"], key, 0),
            Run("check with the token", ["check"], token, 0),
            Run("OAuth refresh run, --debug", ["--debug", *run], refreshing, 0),
            Run("OAuth run after the token expired, --debug", ["--debug", *run], refreshing, 0),
            Run("revoked refresh token, --debug", ["--debug", *run],
                {**refreshing, "SOURCES__GONG__CREDENTIALS__REFRESH_TOKEN": REVOKED}, 2),
            Run("run --plan, --debug", ["--debug", *run, "--plan"], key, 0),
            Run("wrong secret, --debug", ["--debug", *run], {**key, **key_env(sb, WRONG)}, 2),
            Run("wrong secret", run, {**key, **key_env(sb, WRONG)}, 2),
            Run("missing scope, --debug", ["--debug", *run], token, 2),
            Run("unreachable base URL, --debug", ["--debug", *run],
                {**key, "SOURCES__GONG__BASE_URL": "http://127.0.0.1:9"}, 1, "elsewhere"),
            Run("non-Gong base URL, --debug", ["--debug", *run],
                {**key, "SOURCES__GONG__BASE_URL": proxy.url}, 1, "elsewhere"),
            Run("destination refuses the load, --debug", ["--debug", *run],
                {**key, "DESTINATION__DUCKDB__CREDENTIALS__READ_ONLY": "true"}, 1),
            Run("run after the refusal", run, key, 0),
            Run("daily quota spent, --debug", ["--debug", *run], key, 1),
        ]  # fmt: skip
        results: dict[str, subprocess.CompletedProcess[str]] = {}
        toml = root / "toml" / ".dlt" / "secrets.toml"  # the one file allowed to hold it
        toml.parent.mkdir(parents=True)
        toml.write_text(
            f'[sources.gong.credentials]\naccess_key = "{KEY}"\naccess_key_secret = "{SECRET}"\n'
        )
        for step in plan:
            workdir = root / step.workdir
            workdir.mkdir(exist_ok=True)
            if step.name.startswith("daily quota"):
                sb.limits.set_used_today(sb.config.daily_quota or 0)
            if step.name.startswith("OAuth run after the token expired"):
                sb.oauth.expire_access_tokens()
            try:
                r = dlt_gong(step.args, workdir, step.env)
            finally:
                sb.limits.set_used_today(0)
            slug = step.name.replace(" ", "_").replace(",", "").replace("-", "")
            (root / "output").mkdir(exist_ok=True)
            (root / "output" / f"{slug}.stdout").write_text(r.stdout)
            (root / "output" / f"{slug}.stderr").write_text(r.stderr)
            assert r.returncode == step.exit_code, f"{step.name}: {r.stderr[-2000:]}"
            results[step.name] = r
    public = [c for c in sb.company.calls(f"{START}T00:00:00Z", None)
              if not c["metaData"]["isPrivate"]]  # fmt: skip
    assert sb.oauth.refreshes == 2 and len(sb.oauth.issued) == 4
    for n, issued in enumerate(sb.oauth.issued):
        NEEDLES[f"issued OAuth token {n}"] = issued.rsplit("-", 1)[1]
    return Runs(root, results, public[0]["metaData"]["id"])


def test_no_secret_in_anything_the_runs_left(runs: Runs, report: Callable[[Outcome], None]) -> None:
    """Greps every byte the CLI runs produced; the runs' own stdout/stderr are files in
    the tree too. A scenario that did not really happen would make the grep hollow, so
    the failure runs are checked for their own message first."""
    root, results = runs.root, runs.results
    stderr_last = {name: r.stderr.strip().rsplit("\n", 1)[-1] for name, r in results.items()}
    assert "with 401 on GET /v2/users" in stderr_last["wrong secret"]
    assert "lack the scope 'api:stats:user-actions'" in stderr_last["missing scope, --debug"]
    assert "could not connect to http://127.0.0.1:9" in stderr_last["unreachable base URL, --debug"]
    assert "not Gong's JSON" in stderr_last["non-Gong base URL, --debug"]
    assert "destination refused the load" in stderr_last["destination refuses the load, --debug"]
    assert "daily API quota is spent" in stderr_last["daily quota spent, --debug"]
    assert "first loaded what an earlier run had left pending" in (
        results["run after the refusal"].stdout
    )
    assert "DEBUG" in results["first run, --debug"].stderr  # debug logging really was on
    assert (
        "Gong refused the configured OAuth refresh token (400 invalid_grant)"
        in (stderr_last["revoked refresh token, --debug"])
    )
    # urllib3 logged the token endpoint's URL, with the refresh token masked
    assert "refresh_token=***" in results["OAuth refresh run, --debug"].stderr
    assert "first run" in results["secrets.toml run, --debug"].stdout  # it used the file

    toml = root / "toml" / ".dlt" / "secrets.toml"
    # the OAuth token store is where the rotated refresh token must be: 0600 in 0700
    stores = list(root.glob("*/.dlt-data/gong_oauth/*.json"))
    assert len(stores) == 1
    assert stat.S_IMODE(stores[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(stores[0].parent.stat().st_mode) == 0o700
    assert leaks(stores[0].read_bytes()) == ["issued OAuth token 2", "issued OAuth token 3"]
    files = sorted(
        p for p in root.rglob("*") if p.is_file() and p != toml and p.parent != stores[0].parent
    )
    assert leaks(toml.read_bytes()) == ["access key secret"]  # it is where secrets belong
    kinds = {p.suffix or p.name for p in files}
    # trace, load packages (jsonl, uncompressed as dlt-gong run writes them), state, data
    assert {".pickle", ".jsonl", ".duckdb", ".json", ".stderr"} <= kinds
    contents = {p: readable(p) for p in files}
    # the scanner sees what it must: a call id inside the load packages, the saved
    # positions inside the DuckDB file's compressed state, the access key (no secret)
    # in the wrong-secret message on stderr
    call_id = runs.call_id.encode()
    assert any(call_id in c for p, c in contents.items() if p.suffix == ".jsonl")
    assert any(b"calls_started" in c for p, c in contents.items() if p.suffix == ".duckdb")
    assert f"access key '{KEY}'".encode() in contents[root / "output" / "wrong_secret.stderr"]
    found = [
        f"{p.relative_to(root)}: {', '.join(hit)}" for p, c in contents.items() if (hit := leaks(c))
    ]
    assert not found, "secrets found in:\n  " + "\n  ".join(found)
    report(
        Outcome(
            group="secrets", scenario="grep of everything the CLI runs produced",
            injected=f"a recognisable secret, token and wrong secret; {len(results)} runs "
            "(good, incremental, token, check, plan, and every failure), most at --debug",
            behaviour=f"0 hits in {len(files)} files (stdout, stderr, trace pickles, load "
            "packages, pipeline state, schemas, DuckDB tables)",
        )
    )  # fmt: skip


@pytest.fixture
def logs_at_debug(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


def _texts(exc: BaseException) -> str:
    return "\n".join([str(exc), repr(exc), "".join(traceback.format_exception(exc))])


def test_no_secret_in_exceptions_or_the_trace(
    sb: RunningSandbox, tmp_path: Path, logs_at_debug: pytest.LogCaptureFixture,
    report: Callable[[Outcome], None],
) -> None:  # fmt: skip
    """What a program embedding the source catches: the client's errors and dlt's
    PipelineStepFailed (which prints its step info), plus the run's trace and the
    credentials objects themselves."""
    right = GongApiKeyCredentials(access_key=KEY, access_key_secret=SECRET)
    wrong = GongApiKeyCredentials(access_key=KEY, access_key_secret=WRONG)
    token = GongOAuthCredentials(access_token=TOKEN)
    caught: list[BaseException] = []
    for creds, url in ((wrong, sb.url), (token, sb.url), (right, "http://127.0.0.1:9")):
        client = GongClient(url, creds.authorization, describe_credentials=creds.describe(),
                            requests_per_second=None, sleep=lambda s: None)  # fmt: skip
        endpoint = ep.USERS if creds is not token else ep.INTERACTION_STATS
        body = {"filter": {"fromDate": START, "toDate": START}} if creds is token else None
        with pytest.raises((GongAuthError, GongUnavailableError)) as err:
            client.request(endpoint, body=body)
        caught.append(err.value)
    assert [type(e) for e in caught] == [GongAuthError, GongAuthError, GongUnavailableError]
    traces: list[str] = []
    for creds, url in ((wrong, sb.url), (right, "http://127.0.0.1:9")):
        pipeline = dlt.pipeline(
            pipeline_name="secrets_in_process", destination=dlt.destinations.duckdb(
                str(tmp_path / "in_process.duckdb")),
            dataset_name=DATASET, pipelines_dir=str(tmp_path / "pipelines"),
        )  # fmt: skip
        source = gong_source(credentials=creds, base_url=url, start_date=START,
                             resources=["users"], requests_per_second=None, now=NOW)  # fmt: skip
        with pytest.raises(Exception) as err:
            pipeline.run(source)
        assert type(err.value).__name__ == "PipelineStepFailed"
        caught.append(err.value)
        traces.append(str(pipeline.last_trace) + repr(pipeline.last_trace))
    for creds in (right, wrong, token):
        traces.append(f"{creds!s} {creds!r}")
    logged = logs_at_debug.text
    assert "GET /v2/users -> 401" in logged  # the client's debug log was captured
    text = "\n".join([*map(_texts, caught), *traces, logged])
    assert not leaks(text.encode()), leaks(text.encode())
    report(
        Outcome(
            group="secrets", scenario="exceptions, trace and credentials in process",
            injected="wrong secret, missing scope and unreachable URL, via the client and "
            "via dlt's pipeline.run",
            behaviour=f"0 hits in str/repr/traceback of {len(caught)} exceptions, the run "
            "traces, the credentials objects and this process's debug log",
        )
    )  # fmt: skip


def test_credentials_are_refused_on_the_command_line(
    tmp_path: Path, report: Callable[[Outcome], None]
) -> None:
    """A secret on the command line ends up in shell history and `ps`: there is no option
    for it, and click's usage error does not echo the value."""
    r = dlt_gong(["run", "--access-key-secret", SECRET], tmp_path, {})
    assert r.returncode == 2
    assert r.stderr.strip().splitlines()[-1] == (
        "dlt-gong: No such option '--access-key-secret'. (see dlt-gong run --help)"
    )
    assert not leaks((r.stdout + r.stderr).encode())
    report(
        Outcome(
            group="secrets", scenario="credentials on the command line",
            injected="dlt-gong run --access-key-secret <secret>",
            behaviour="usage error, the value not echoed", requests=0, exit_code=r.returncode,
        )
    )  # fmt: skip


def test_sandbox_compares_secrets_in_constant_time(
    sb: RunningSandbox, monkeypatch: pytest.MonkeyPatch, report: Callable[[Outcome], None]
) -> None:
    """`hmac.compare_digest` does the comparing, for the key pair and for every token
    (a plain `==` would return early at the first wrong byte); counted by wrapping it,
    so a rewrite with `==` fails here."""
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def counting(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", counting)
    auth = Authenticator(sb.config)
    header = "Basic " + base64.b64encode(f"{KEY}:{WRONG}".encode()).decode()
    assert auth.authenticate(header) is None
    assert calls == [(KEY.encode(), KEY.encode()), (WRONG.encode(), SECRET.encode())]
    calls.clear()
    assert auth.authenticate("Basic " + BASIC) is not None
    assert calls == [(KEY.encode(), KEY.encode()), (SECRET.encode(), SECRET.encode())]
    calls.clear()
    assert auth.authenticate(f"Bearer {TOKEN}") is not None
    assert auth.authenticate("Bearer not-a-token") is None
    assert calls == [(TOKEN.encode(), TOKEN.encode()), (b"not-a-token", TOKEN.encode())]
    report(
        Outcome(
            group="secrets", scenario="sandbox compares secrets in constant time",
            injected="right and wrong secrets and tokens, hmac.compare_digest counted",
            behaviour="every comparison of a key, secret or token went through "
            "hmac.compare_digest",
        )
    )  # fmt: skip
