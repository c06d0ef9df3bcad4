"""OAuth that refreshes, end to end against the sandbox's token endpoint: an access token
that expires mid-load, refresh tokens rotated across runs, a revoked refresh token.

The configured base URL is a closed loopback port: a load only works if the client calls
the `api_base_url_for_customer` of Gong's token answer, as Gong requires.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import dlt
import duckdb
import pytest

from dlt_gong import (
    GongAuthError,
    GongConfigError,
    GongOAuthCredentials,
    GongUnavailableError,
    gong_source,
)
from dlt_gong.oauth import BucketTokenStore, HookTokenStore, OAuthSession, TokenStore, open_store
from dlt_gong.sandbox import Exchange, RunningSandbox, SandboxConfig, run_sandbox

CLI = str(Path(sys.executable).with_name("dlt-gong"))
NOW = datetime(2026, 4, 14, 17, 0, tzinfo=timezone.utc)
START = (NOW - timedelta(days=5)).date().isoformat()
CLIENT_ID = SandboxConfig().oauth_client_id
CLOSED = "http://127.0.0.1:9"  # nothing listens: only Gong's token answer says where to go
REFRESH = {
    name: f"rt-{name}-5d1c0e"
    for name in (
        "midload",
        "generic",
        "cli",
        "due",
        "shared",
        "kept",
        "revoked",
        "runners",
        "bucket",
        "lease",
        "hook",
    )
}


def sandbox(expired_text: str) -> Iterator[RunningSandbox]:
    config = SandboxConfig(
        seed=23, users=5, calls=70, days=5, now=NOW, freeze_clock=True, page_size=10,
        rate_limit_per_second=None, daily_quota=None,
        oauth_refresh_tokens=tuple(v for k, v in REFRESH.items() if k != "revoked"),
        oauth_expired_token_text=expired_text,
    )  # fmt: skip
    with run_sandbox(config) as running:
        yield running


@pytest.fixture(scope="module")
def sb() -> Iterator[RunningSandbox]:
    yield from sandbox("expired")


@pytest.fixture(scope="module")
def sb_generic() -> Iterator[RunningSandbox]:
    yield from sandbox("generic")


def oauth(sb: RunningSandbox, refresh_token: str, store: Path) -> GongOAuthCredentials:
    return GongOAuthCredentials(
        client_id=sb.config.oauth_client_id, client_secret=sb.config.oauth_client_secret,
        refresh_token=refresh_token, token_url=sb.token_url, token_store=str(store),
    )  # fmt: skip


def expire_after_calls_pages(sb: RunningSandbox, pages: int) -> list[str]:
    """Expires every access token once, when `pages` pages of calls were served (not again
    on the exchanges after it: requests run on several threads); returns the statuses of
    every /v2 exchange."""
    seen: list[str] = []
    expired: list[bool] = []

    def watch(exchange: Exchange) -> None:
        seen.append(f"{exchange.status} {exchange.path}")
        if not expired and sum(s.startswith("200 /v2/calls/extensive") for s in seen) == pages:
            expired.append(True)
            sb.oauth.expire_access_tokens()

    sb.on_exchange.append(watch)
    return seen


@pytest.mark.parametrize("fixture", ["sb", "sb_generic"])
def test_an_access_token_expiring_mid_load_is_refreshed_and_the_data_is_exact(
    fixture: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Gong's 401 text for an expired token is unrecorded: the sandbox says "expired" or
    sends its generic invalid-credentials text, and both must end in a refresh."""
    sb: RunningSandbox = request.getfixturevalue(fixture)
    name = "midload" if fixture == "sb" else "generic"
    seen = expire_after_calls_pages(sb, 3)
    refreshes = sb.oauth.refreshes
    try:
        pipeline = dlt.pipeline(
            pipeline_name="gong_oauth", dataset_name="gong_data", pipelines_dir=str(tmp_path / "p"),
            destination=dlt.destinations.duckdb(str(tmp_path / "gong.duckdb")),
        )  # fmt: skip
        source = gong_source(
            credentials=oauth(sb, REFRESH[name], tmp_path / "tokens.json"), base_url=CLOSED,
            start_date=START, resources=["users", "calls", "call_transcripts"],
            requests_per_second=None, now=NOW,
        )  # fmt: skip
        pipeline.run(source, loader_file_format="jsonl")
    finally:
        sb.on_exchange.clear()
    rejected = [s for s in seen if s.startswith("401")]
    # refused: the requests in flight as the token expired (pages of calls, the transcripts
    # asked ahead as a page is read), as many as the threads had out; all of them sent
    # again with the one token refreshed after expiry (below), and the data exact
    assert rejected and all(
        s in ("401 /v2/calls/extensive", "401 /v2/calls/transcript") for s in rejected
    )
    assert sb.oauth.refreshes - refreshes == 2  # the first token, and the one after expiry
    truth = [
        c for c in sb.company.calls(f"{START}T00:00:00Z", NOW) if not c["metaData"]["isPrivate"]
    ]
    assert sum(s.startswith("200 /v2/calls/extensive") for s in seen) == -(-len(truth) // 10) > 3
    with pipeline.sql_client() as sql:
        calls = {r[0] for r in sql.execute_sql("select id from calls")}
        transcripts = {r[0] for r in sql.execute_sql("select call_id from call_transcripts")}
        users = sql.execute_sql("select count(*) from users")[0][0]
    assert calls == {c["metaData"]["id"] for c in truth}
    ids = [c["metaData"]["id"] for c in truth]
    expected = {t["callId"] for t in sb.company.transcripts(call_ids=ids)}
    assert transcripts == expected and len(expected) > 0
    assert users == len(sb.company.users())
    store = TokenStore(tmp_path / "tokens.json").load()
    assert store is not None and store.refresh_token == sb.oauth.issued[-1]


def env_of(sb: RunningSandbox, refresh_token: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SOURCES__", "DESTINATION"))}
    clean.update({
        "SOURCES__GONG__BASE_URL": CLOSED,
        "SOURCES__GONG__CREDENTIALS__CLIENT_ID": sb.config.oauth_client_id,
        "SOURCES__GONG__CREDENTIALS__CLIENT_SECRET": sb.config.oauth_client_secret,
        "SOURCES__GONG__CREDENTIALS__REFRESH_TOKEN": refresh_token,
        "SOURCES__GONG__CREDENTIALS__TOKEN_URL": sb.token_url,
        "SOURCES__GONG__REQUESTS_PER_SECOND": "0",
        "SOURCES__GONG__NOW": NOW.isoformat(),  # the load's now: the sandbox's
        "RUNTIME__DLTHUB_TELEMETRY": "false",
    })  # fmt: skip
    return clean


def dlt_gong(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {**env, "DLT_DATA_DIR": str(cwd / ".dlt-data")}
    return subprocess.run([CLI, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)  # fmt: skip


def test_the_next_run_authenticates_with_the_rotated_refresh_token(
    sb: RunningSandbox, tmp_path: Path
) -> None:
    args = ["run", "--start-date", START, "--resources", "users"]
    env = env_of(sb, REFRESH["cli"])
    refreshes, refused = sb.oauth.refreshes, sb.oauth.refused
    first = dlt_gong(args, tmp_path, env)
    assert first.returncode == 0, first.stderr
    stores = list((tmp_path / ".dlt-data" / "gong_oauth").glob("*.json"))
    assert len(stores) == 1  # beside dlt's pipelines folder, named by a fingerprint
    kept = json.loads(stores[0].read_text())
    assert kept["refresh_token"] == sb.oauth.issued[-1] != REFRESH["cli"]
    assert stat.S_IMODE(stores[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(stores[0].parent.stat().st_mode) == 0o700
    # the configured refresh token is spent: a run that used it again would be refused
    sb.oauth.expire_access_tokens()
    second = dlt_gong(args, tmp_path, env)
    assert second.returncode == 0, second.stderr
    assert (sb.oauth.refreshes - refreshes, sb.oauth.refused - refused) == (2, 0)
    assert json.loads(stores[0].read_text())["refresh_token"] == sb.oauth.issued[-1]
    # a third run within the access token's life refreshes nothing
    third = dlt_gong(args, tmp_path, env)
    assert third.returncode == 0, third.stderr
    assert sb.oauth.refreshes - refreshes == 2


def test_a_revoked_refresh_token_is_one_line_and_exit_2(sb: RunningSandbox, tmp_path: Path) -> None:
    sb.reset_stats()
    r = dlt_gong(["run", "--start-date", START], tmp_path, env_of(sb, REFRESH["revoked"]))
    assert r.returncode == 2
    # a revoked token and one an earlier run rotated look alike to a run with an empty store
    assert r.stderr.strip().splitlines() == [spent_line(tmp_path / ".dlt-data", "revoked")]
    assert sb.stats()["requests"] == 0  # nothing was asked of the API
    assert REFRESH["revoked"] not in r.stdout + r.stderr


def spent_line(data_dir: Path, name: str) -> str:
    fingerprint = hashlib.sha256(f"{CLIENT_ID}\0{REFRESH[name]}".encode()).hexdigest()[:24]
    return (
        "dlt-gong: Gong refused the configured OAuth refresh token (400 invalid_grant) and the "
        f"token store {data_dir / 'gong_oauth' / fingerprint}.json holds no newer one: an "
        "earlier run rotated it (refresh tokens are single use) and kept the new one in its "
        f"own token store, by default gong_oauth/{fingerprint}.json in the dlt data folder of "
        "the machine it ran on (~/.dlt, /var/dlt as root, or $DLT_DATA_DIR), gone with that "
        "machine; or it was revoked. Authorize the app again, set the new "
        "sources.gong.credentials.refresh_token, and set sources.gong.credentials.token_store "
        "to a folder or bucket URL every run reaches (s3://, gs://, az://, file://)"
    )


def test_fresh_runners_sharing_a_store_url_each_load_and_one_without_it_is_told_why(
    sb: RunningSandbox, tmp_path: Path
) -> None:
    """Three scheduled runs, each on a fresh machine (an empty DLT_DATA_DIR) with the same
    secrets and one `file://` store; each one's access token has expired, so each spends
    the refresh token the one before kept. A fourth without the store is refused."""
    store = tmp_path / "bucket" / "gong-tokens"
    env = {**env_of(sb, REFRESH["runners"]),
           "SOURCES__GONG__CREDENTIALS__TOKEN_STORE": f"file://{store}/"}  # fmt: skip
    args = ["run", "--start-date", START, "--resources", "users", "--progress", "none"]
    refreshes, refused = sb.oauth.refreshes, sb.oauth.refused
    outputs = []
    for n in range(3):
        sb.oauth.expire_access_tokens()
        runner = tmp_path / f"runner{n}"
        runner.mkdir()
        r = dlt_gong(args, runner, env)
        assert r.returncode == 0, r.stderr
        outputs.append(r.stdout + r.stderr)
        kept = list(store.glob("*.json"))
        assert (
            len(kept) == 1
            and json.loads(kept[0].read_text())["refresh_token"] == (sb.oauth.issued[-1])
        )
        assert not (runner / ".dlt-data" / "gong_oauth").exists()  # nothing kept on the machine
    assert (sb.oauth.refreshes - refreshes, sb.oauth.refused - refused) == (3, 0)
    fourth = tmp_path / "runner3"
    fourth.mkdir()
    env.pop("SOURCES__GONG__CREDENTIALS__TOKEN_STORE")
    r = dlt_gong(args, fourth, env)
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [spent_line(fourth / ".dlt-data", "runners")]
    outputs.append(r.stdout + r.stderr)
    secrets = [*sb.oauth.issued, REFRESH["runners"], sb.config.oauth_client_secret]
    assert not [t for t in secrets if any(t in out for out in outputs)]


def test_a_token_due_to_expire_is_refreshed_before_it_is_used(
    sb: RunningSandbox, tmp_path: Path
) -> None:
    """A configured access token whose expiry is within the minute: refreshed first, so
    Gong never sees it (no 401)."""
    soon = (datetime.now(timezone.utc) + timedelta(seconds=30)).isoformat()
    credentials = oauth(sb, REFRESH["due"], tmp_path / "tokens.json")
    credentials.access_token = "stale-access-token"  # type: ignore[assignment]
    credentials.access_token_expires_at = soon
    session = OAuthSession(credentials)
    assert session.authorization() == f"Bearer {sb.oauth.issued[-2]}"
    assert session.refreshes == 1 and session.api_base_url == sb.url


def test_runs_sharing_a_store_spend_a_refresh_token_once(
    sb: RunningSandbox, tmp_path: Path
) -> None:
    """Two runs started from the same configured token: the second, finding the first's
    newer tokens in the store, uses them instead of spending a dead refresh token."""
    credentials = oauth(sb, REFRESH["shared"], tmp_path / "tokens.json")
    first, second = OAuthSession(credentials), OAuthSession(credentials)
    refreshes, refused = sb.oauth.refreshes, sb.oauth.refused
    first.start()
    second.start()
    assert second.authorization() == first.authorization()
    assert (sb.oauth.refreshes - refreshes, sb.oauth.refused - refused) == (1, 0)


def test_a_refresh_that_never_reached_gong_keeps_the_token_and_a_cut_save_tears_nothing(
    sb: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The crash windows of the module's doc: the token endpoint unreachable (Gong spent
    nothing: the next run refreshes with the same token); a save cut off before its rename
    (the store keeps the whole old file, no temp file), after Gong rotated the token: the
    next run is refused with the line that says to authorize again."""
    store = tmp_path / "tokens.json"
    credentials = oauth(sb, REFRESH["kept"], store)
    credentials.token_url = "http://127.0.0.1:9/oauth2/generate-customer-token"
    monkeypatch.setattr("dlt_gong.oauth.time.sleep", lambda s: None)
    with pytest.raises(GongUnavailableError) as unreachable:
        OAuthSession(credentials).start()
    assert str(unreachable.value) == (
        f"the OAuth token endpoint {credentials.token_url} failed 3 times (ConnectionError); "
        "the refresh token was kept, run again later"
    )
    assert not store.exists()
    credentials.token_url = sb.token_url
    session = OAuthSession(credentials)
    session.start()  # the configured token was not spent
    before = store.read_bytes()

    def cut(*args: object) -> None:
        raise OSError("killed mid-save")

    sb.oauth.expire_access_tokens()
    with monkeypatch.context() as m:
        m.setattr("dlt_gong.oauth.os.replace", cut)
        with pytest.raises(OSError):
            session.renew(session.authorization())
    assert store.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"] == []
    with pytest.raises(GongAuthError, match=r"^Gong refused the OAuth refresh token"):
        OAuthSession(credentials).renew(session.authorization())


def test_a_token_store_setting_names_a_file_a_folder_a_bucket_or_a_hook(tmp_path: Path) -> None:
    fingerprint = "ab" * 32
    name = f"{fingerprint[:24]}.json"
    file = open_store(str(tmp_path / "tokens.json"), fingerprint)
    assert isinstance(file, TokenStore) and file.path == tmp_path / "tokens.json"
    folder = open_store(str(tmp_path / "kept"), fingerprint)
    assert isinstance(folder, TokenStore) and folder.path == tmp_path / "kept" / name
    local = open_store(f"file://{tmp_path}/shared/", fingerprint)
    assert isinstance(local, TokenStore) and local.path == tmp_path / "shared" / name
    bucket = open_store("memory://user:pw@gong-tokens/prod/", fingerprint)
    assert isinstance(bucket, BucketTokenStore)
    assert bucket.where == f"memory://gong-tokens/prod/{name}"  # never a password
    assert isinstance(open_store(Hook(), fingerprint), HookTokenStore)
    with pytest.raises(GongConfigError) as bad:
        open_store(42, fingerprint)
    assert str(bad.value) == (
        "token_store int is neither a folder, a URL nor an object with load() and save(): "
        "see the README's OAuth section"
    )


class Hook:
    """A secrets manager as a dict, with a lock that counts its uses."""

    def __init__(self) -> None:
        self.kept: dict[str, object] | None = None
        self.locks = 0

    def load(self) -> dict[str, object] | None:
        return self.kept

    def save(self, tokens: dict[str, object]) -> None:
        self.kept = dict(tokens)

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        self.locks += 1
        yield


def test_runs_on_fresh_machines_sharing_a_bucket_store_spend_each_token_once(
    sb: RunningSandbox, tmp_path: Path
) -> None:
    """A bucket (fsspec's in-memory filesystem here, as s3:// or gs:// would be): three
    sessions one after another, the access token expired before each, refresh with the
    token the one before kept; two at once spend one token once; the lease is gone after."""
    url = f"memory://gong-tokens/{tmp_path.name}/tokens.json"
    credentials = oauth(sb, REFRESH["bucket"], tmp_path / "unused.json")
    pauses: list[float] = []

    def store() -> BucketTokenStore:
        return BucketTokenStore(url, sleep=pauses.append)

    refreshes, refused = sb.oauth.refreshes, sb.oauth.refused
    for _ in range(3):
        sb.oauth.expire_access_tokens()
        session = OAuthSession(credentials, store=store())
        session.renew(session.authorization())
        assert store().load() is not None
        assert store().load().refresh_token == sb.oauth.issued[-1]  # type: ignore[union-attr]
    assert (sb.oauth.refreshes - refreshes, sb.oauth.refused - refused) == (4, 0)
    first, second = (
        OAuthSession(credentials, store=store()),
        OAuthSession(credentials, store=store()),
    )
    sb.oauth.expire_access_tokens()
    stale = second.authorization()
    first.renew(first.authorization())
    second.renew(stale)  # finds the first one's tokens under the lease: spends nothing
    assert second.authorization() == first.authorization()
    assert (sb.oauth.refreshes - refreshes, sb.oauth.refused - refused) == (5, 0)
    assert pauses and set(pauses) == {1.0}  # each lease read back after its pause
    assert not store()._fs.exists(url + ".lease")


def test_a_live_lease_of_another_run_is_waited_for_and_its_tokens_used(
    sb: RunningSandbox, tmp_path: Path
) -> None:
    """Another run holds the bucket's lease: this one waits, and once that run has
    written its new tokens and let go, uses them instead of spending a dead token."""
    url = f"memory://gong-tokens/{tmp_path.name}/tokens.json"
    credentials = oauth(sb, REFRESH["lease"], tmp_path / "unused.json")
    other = OAuthSession(credentials, store=BucketTokenStore(url, sleep=lambda s: None))
    other.start()
    session = OAuthSession(credentials, store=BucketTokenStore(url, sleep=lambda s: None))
    sb.oauth.expire_access_tokens()
    stale = session.authorization()
    lease = url + ".lease"
    waits: list[float] = []

    def other_run_meanwhile(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 1:  # the other run refreshes, then lets go of its lease
            other.store._fs.rm_file(lease)  # type: ignore[union-attr]
            other.renew(stale)

    other.store._fs.pipe_file(lease, json.dumps({"owner": "other", "until": 4e9}).encode())  # type: ignore[union-attr]
    session.store._sleep = other_run_meanwhile  # type: ignore[union-attr]
    refreshes, refused = sb.oauth.refreshes, sb.oauth.refused
    session.renew(stale)
    assert waits == [1.0, 1.0]  # waited for the lease, then read its own back
    assert (sb.oauth.refreshes - refreshes, sb.oauth.refused - refused) == (1, 0)
    assert session.authorization() == other.authorization() == f"Bearer {sb.oauth.issued[-2]}"


def test_a_secrets_manager_hook_keeps_the_tokens(sb: RunningSandbox, tmp_path: Path) -> None:
    hook = Hook()
    credentials = oauth(sb, REFRESH["hook"], tmp_path / "unused.json")
    refreshes, refused = sb.oauth.refreshes, sb.oauth.refused
    for _ in range(3):
        sb.oauth.expire_access_tokens()
        session = OAuthSession(credentials, token_store=hook)
        session.renew(session.authorization())
        assert hook.kept is not None and hook.kept["refresh_token"] == sb.oauth.issued[-1]
    assert (sb.oauth.refreshes - refreshes, sb.oauth.refused - refused) == (4, 0)
    assert hook.locks == 4
    assert not (tmp_path / "unused.json").exists()


NARROW_APP = frozenset({
    "api:users:read", "api:workspaces:read", "api:calls:read:extensive",
    "api:stats:user-actions", "api:stats:user-actions:detailed", "api:stats:scorecards",
    "api:settings:scorecards:read", "api:settings:trackers:read", "api:library:read",
    "api:call-outcomes:read", "api:permission-profile:read", "api:crm:integrations:read",
    "api:crm:schema", "api:ai-briefer:read",
})  # fmt: skip
"""Every scope the default tables need but the transcripts' and interaction stats'."""


@pytest.fixture(scope="module")
def sb_narrow() -> Iterator[RunningSandbox]:
    config = SandboxConfig(
        seed=23, users=5, calls=70, days=5, now=NOW, freeze_clock=True, page_size=10,
        rate_limit_per_second=None, daily_quota=None, oauth_refresh_tokens=("rt-narrow",),
        oauth_scopes=NARROW_APP,
    )  # fmt: skip
    with run_sandbox(config) as running:
        yield running


def test_a_default_run_leaves_out_the_tables_the_app_was_not_granted_with_one_warning(
    sb_narrow: RunningSandbox, tmp_path: Path
) -> None:
    """The token answer's scope says what the app may read: the default tables needing
    more are left out with one line naming them and the scopes, the rest load, and Gong
    refuses nothing. A table the user names is still asked for, and Gong's 401 says why."""
    env = env_of(sb_narrow, "rt-narrow")
    r = dlt_gong(["run", "--start-date", START, "--progress", "none"], tmp_path, env)
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip().splitlines() == [
        "WARNING dlt_gong: left out of this run, as this OAuth app was not granted their scopes: "
        "api:calls:read:transcript (call_transcripts, call_transcript_sentences, "
        "call_transcript_text, call_speaker_stats, call_interaction); "
        "api:stats:interaction (interaction_stats); to load them, add the scopes to the app "
        "in Gong and authorize it again"
    ]
    stats = sb_narrow.stats()
    assert "401" not in stats["by_status"] and stats["by_status"]["200"] == stats["requests"]
    assert not [e for e in stats["by_endpoint"] if "transcript" in e or "interaction" in e]
    store = next((tmp_path / ".dlt-data" / "gong_oauth").glob("*.json"))
    assert json.loads(store.read_text())["scope"] == " ".join(sorted(NARROW_APP))
    with duckdb.connect(str(tmp_path / "gong.duckdb"), read_only=True) as db:
        tables = {row[0] for row in db.execute(
            "select table_name from information_schema.tables where table_schema = 'gong_data'"
        ).fetchall()}  # fmt: skip
        calls = db.execute("select count(*) from gong_data.calls").fetchone()
    assert not {"call_transcripts", "call_interaction", "interaction_stats"} & tables
    assert {"users", "calls", "aggregated_activity", "scorecards", "briefs"} <= tables
    listed = sb_narrow.company.calls(f"{START}T00:00:00Z", NOW)
    assert calls == (len([c for c in listed if not c["metaData"]["isPrivate"]]),)
    named = dlt_gong(
        ["run", "--start-date", START, "--resources", "call_transcripts"], tmp_path, env
    )
    assert named.returncode == 2
    said = named.stderr.strip().splitlines()
    assert len(said) == 1 and "api:calls:read:transcript" in said[0], said


def test_unsaid_scopes_leave_every_table_and_no_granted_scope_is_one_line() -> None:
    from dlt_gong.options import build_options
    from dlt_gong.preflight import leave_out_ungranted

    options = build_options(
        start_date=START, end_date=None, lookback_days=1, stats_lookback_days=3,
        workspace_id=None, user_ids=None, resources=None, content_selector=None,
        include_private_calls=False, aggregation_period="WEEK",
        interaction_stats_period="WEEK", now=NOW,
    )  # fmt: skip
    assert leave_out_ungranted(options, None) is options
    assert leave_out_ungranted(options, NARROW_APP | {"api:calls:read:transcript",
                                                      "api:stats:interaction"}) is options  # fmt: skip
    with pytest.raises(GongConfigError) as refused:
        leave_out_ungranted(options, frozenset({"api:meetings:user:create"}))
    assert str(refused.value).startswith(
        "this OAuth app was granted none of the scopes the default tables need: "
        "api:users:read (users); api:workspaces:read (workspaces); "
    )
    assert str(refused.value).endswith("add them to the app in Gong and authorize it again")


def test_a_table_whose_calls_the_rules_ask_for_needs_the_calls_scope_too(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """With exclude rules, answered scorecards are kept or left out by their calls, which
    are asked for: an app without the calls' scope cannot load them."""
    import dataclasses
    import logging

    from dlt_gong.options import build_options
    from dlt_gong.preflight import leave_out_ungranted
    from dlt_gong.privacy import call_rules

    options = build_options(
        start_date=START, end_date=None, lookback_days=1, stats_lookback_days=3,
        workspace_id=None, user_ids=None, resources="users,answered_scorecards",
        content_selector=None, include_private_calls=False, aggregation_period="WEEK",
        interaction_stats_period="WEEK", now=NOW,
    )  # fmt: skip
    granted = frozenset({"api:users:read", "api:stats:scorecards"})
    assert leave_out_ungranted(options, granted) is options
    ruled = dataclasses.replace(options, exclude=call_rules(["^interview"], []))
    with caplog.at_level(logging.WARNING, logger="dlt_gong"):
        kept = leave_out_ungranted(ruled, granted)
    assert kept.tables == ("users",)
    assert [r.getMessage() for r in caplog.records] == [
        "left out of this run, as this OAuth app was not granted their scopes: "
        "api:calls:read:extensive (answered_scorecards); to load them, add the scopes to the "
        "app in Gong and authorize it again"
    ]
