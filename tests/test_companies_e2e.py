"""Three Gong companies loaded side by side from one call, each from its own sandbox (its
own seed, so its own calls): each company's data is exactly its sandbox's and only its
own, and one company's quota stop or revoked key is reported while the other two load.
The Python API (`dlt_gong.run_companies`) and the CLI (`dlt-gong run --company ...`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

import dlt_gong
from dlt_gong.companies import company_arguments, in_company_section
from dlt_gong.errors import GongConfigError
from dlt_gong.options import ALL_CONTENT
from dlt_gong.sandbox import RunningSandbox
from instants import NOW

CLI = str(Path(sys.executable).with_name("dlt-gong"))
START = (NOW - timedelta(days=5)).replace(hour=0, minute=0, second=0, microsecond=0)
RESOURCES = ["users", "calls", "call_transcripts"]
COMPANIES = {"acme": 41, "globex": 42, "initech": 43}  # name: the seed of its sandbox


def _company(make_sandbox: Callable[..., RunningSandbox], name: str, **config: Any) -> Any:
    defaults: dict[str, Any] = dict(
        seed=COMPANIES[name], users=6, calls=40, days=5, access_key=f"{name}-key",
        access_key_secret=f"{name}-secret", rate_limit_per_second=3,
    )  # fmt: skip
    return make_sandbox(**{**defaults, **config})


def _env(
    companies: dict[str, RunningSandbox], secrets: dict[str, str] | None = None
) -> dict[str, str]:
    """Each company's own section (SOURCES__GONG__<COMPANY>__...); the options they share
    in the shared one, as a user would set them once."""
    env = {
        "SOURCES__GONG__RESOURCES": json.dumps(RESOURCES),
        "SOURCES__GONG__START_DATE": START.isoformat(),
        "SOURCES__GONG__NOW": NOW.isoformat(),
        "SOURCES__GONG__MAX_RETRY_AFTER_SECONDS": "60",
    }
    for name, sb in companies.items():
        section = f"SOURCES__GONG__{name.upper()}"
        env[f"{section}__BASE_URL"] = sb.url
        env[f"{section}__CREDENTIALS__ACCESS_KEY"] = f"{name}-key"
        env[f"{section}__CREDENTIALS__ACCESS_KEY_SECRET"] = (secrets or {}).get(
            name, f"{name}-secret"
        )
    return env


def _loaded(tmp: Path, company: str, table: str, column: str) -> list[str]:
    with duckdb.connect(str(tmp / f"gong_{company}.duckdb"), read_only=True) as con:
        found = con.execute(f"select {column} from gong_data_{company}.{table}").fetchall()
    return sorted(str(r[0]) for r in found)


def _truth(sb: RunningSandbox) -> dict[str, list[str]]:
    calls = [
        c
        for c in sb.company.calls(START, None, content_selector=ALL_CONTENT)
        if not c["metaData"]["isPrivate"]
    ]
    public = [c["metaData"]["id"] for c in calls]
    return {
        "calls": sorted(public),
        "call_transcripts": sorted(t["callId"] for t in sb.company.transcripts(call_ids=public)),
        "users": sorted(u["id"] for u in sb.company.users()),
    }


KEYS = {"users": "id", "calls": "id", "call_transcripts": "call_id"}


def _assert_exact_and_apart(tmp: Path, companies: dict[str, RunningSandbox]) -> None:
    truths = {name: _truth(sb) for name, sb in companies.items()}
    for name in companies:
        for table, column in KEYS.items():
            assert _loaded(tmp, name, table, column) == truths[name][table], (name, table)
    names = list(companies)
    for i, one in enumerate(names):  # different seeds, different ids: apart means no overlap
        for other in names[i + 1 :]:
            assert not set(truths[one]["calls"]) & set(truths[other]["calls"])
            assert truths[one]["calls"] and truths[other]["calls"]


def test_three_companies_side_by_side_one_stopped_by_its_quota(
    make_sandbox: Callable[..., RunningSandbox],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    acme, globex = _company(make_sandbox, "acme"), _company(make_sandbox, "globex")
    initech = _company(make_sandbox, "initech", daily_quota=1)  # users, then the quota's spent
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DLT_DATA_DIR", str(tmp_path / ".dlt-data"))
    for key, value in _env({"acme": acme, "globex": globex, "initech": initech}).items():
        monkeypatch.setenv(key, value)

    outcomes = dlt_gong.run_companies(
        ["acme", "globex", "initech"], progress="none", pipelines_dir=str(tmp_path / "pipelines")
    )

    assert [(o.company, o.pipeline_name, o.dataset_name) for o in outcomes] == [
        ("acme", "gong_acme", "gong_data_acme"),
        ("globex", "gong_globex", "gong_data_globex"),
        ("initech", "gong_initech", "gong_data_initech"),
    ]
    assert [o.code for o in outcomes] == [0, 0, 1]
    _assert_exact_and_apart(tmp_path, {"acme": acme, "globex": globex})
    for outcome, sb in zip(outcomes[:2], (acme, globex), strict=True):
        served = sb.stats()
        assert outcome.requests_sent == served["requests"]
        assert served["by_status"] == {"200": served["requests"]}  # its own 3/s: no 429
    stopped = outcomes[2]
    assert stopped.resets_at is not None
    midnight = (NOW + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    wait = int((midnight - NOW).total_seconds())  # the sandbox's day ends at UTC midnight
    assert stopped.message == (
        f"Gong's daily API quota is spent (429 with Retry-After {wait} s); it resets at "
        f"{stopped.resets_at.isoformat(timespec='seconds')}. What was extracted so far is "
        "kept; run again after that time to continue."
    )
    # what the quota left it loaded is its own: its users, none of the others'
    assert _loaded(tmp_path, "initech", "users", "id") == _truth(initech)["users"]
    assert stopped.requests_sent == 2 and initech.stats()["by_status"] == {"200": 1, "429": 1}


def test_the_cli_reports_a_revoked_key_and_loads_the_other_two(
    make_sandbox: Callable[..., RunningSandbox], tmp_path: Path
) -> None:
    companies = {name: _company(make_sandbox, name) for name in COMPANIES}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOURCES__", "DESTINATION"))}
    env.update(_env(companies, secrets={"globex": "revoked-secret"}))
    env["DLT_DATA_DIR"] = str(tmp_path / ".dlt-data")
    args = ["run", "--progress", "none", "--company", "acme", "--company", "globex",
            "--company", "initech", "--parallel", "3"]  # fmt: skip
    r = subprocess.run([CLI, *args], cwd=tmp_path, env=env, capture_output=True, text=True,
                       timeout=300)  # fmt: skip

    assert r.returncode == 2, r.stderr
    refused = (
        "Gong rejected access key 'globex-key' and its access_key_secret with 401 on GET "
        "/v2/users (Gong: Validate credentials failed. Please check your credentials and try "
        "again.). Check sources.gong.globex.credentials and sources.gong.globex.base_url."
    )
    assert r.stderr.splitlines()[-1] == (
        "dlt-gong: 1 of 3 companies did not load (globex); the others did, and each "
        "continues from its own positions on the next run"
    )
    assert f"[globex] dlt-gong: {refused}" in r.stderr.splitlines(), r.stderr
    report = r.stdout.splitlines()
    start = report.index("dlt-gong: 3 companies, each in its own pipeline and dataset")
    lines = report[start + 1 :]
    assert lines[1].split() == [
        "globex",
        "gong_data_globex",
        "failed",
        "(exit",
        "2):",
        *refused.split(),
    ]
    assert lines[0].startswith("  acme            gong_data_acme              loaded ")
    assert lines[2].startswith("  initech         gong_data_initech           loaded ")
    # each company's own summary, prefixed with its name, names its own dataset
    assert any(line.startswith("[acme]   data: duckdb dataset 'gong_data_acme'") for line in report)
    _assert_exact_and_apart(tmp_path, {"acme": companies["acme"], "initech": companies["initech"]})
    assert companies["globex"].stats()["by_status"] == {"401": 1}
    # refused before anything was created: no database
    assert not (tmp_path / "gong_globex.duckdb").exists()


def test_a_company_without_credentials_of_its_own_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the shared credentials are another company's: never used for a named company
    monkeypatch.setenv("SOURCES__GONG__CREDENTIALS__ACCESS_KEY", "shared-key")
    monkeypatch.setenv("SOURCES__GONG__CREDENTIALS__ACCESS_KEY_SECRET", "shared-secret")
    with pytest.raises(GongConfigError) as refused:
        dlt_gong.company_source("globex")
    assert str(refused.value) == (
        "company 'globex' has no Gong credentials of its own: set "
        "sources.gong.globex.credentials.access_key and access_key_secret in "
        ".dlt/secrets.toml (or SOURCES__GONG__GLOBEX__CREDENTIALS__ACCESS_KEY and "
        "SOURCES__GONG__GLOBEX__CREDENTIALS__ACCESS_KEY_SECRET; for OAuth, access_token, or "
        "client_id, client_secret and refresh_token); a named company never uses "
        "sources.gong.credentials, which would load another company's data"
    )


def test_two_companies_with_one_key_are_refused_before_any_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("acme", "globex"):
        monkeypatch.setenv(f"SOURCES__GONG__{name.upper()}__CREDENTIALS__ACCESS_KEY", "one-key")
        monkeypatch.setenv(f"SOURCES__GONG__{name.upper()}__CREDENTIALS__ACCESS_KEY_SECRET", "s")
    with pytest.raises(GongConfigError) as refused:
        dlt_gong.run_companies(["acme", "globex"])
    assert str(refused.value) == (
        "companies 'acme' and 'globex' are configured with the same Gong credentials "
        "(access key): give each company its own in sources.gong.<company>.credentials"
    )


def test_a_company_name_that_cannot_name_a_section_is_refused() -> None:
    with pytest.raises(GongConfigError) as refused:
        dlt_gong.run_companies(["Acme Corp"])
    assert str(refused.value) == (
        "the company name 'Acme Corp' is not a company name: use lower-case letters, digits "
        "and underscores, starting with a letter (it names the config section "
        "sources.gong.<company>, the pipeline and the dataset)"
    )


def test_each_company_reads_its_own_section_and_shares_the_rest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOURCES__GONG__ACME__CREDENTIALS__ACCESS_KEY", "acme-key")
    monkeypatch.setenv("SOURCES__GONG__ACME__CREDENTIALS__ACCESS_KEY_SECRET", "acme-secret")
    monkeypatch.setenv("SOURCES__GONG__ACME__BASE_URL", "https://acme.gong.example")
    monkeypatch.setenv("SOURCES__GONG__ACME__REQUESTS_PER_SECOND", "5")
    monkeypatch.setenv("SOURCES__GONG__BASE_URL", "https://shared.gong.example")
    monkeypatch.setenv("SOURCES__GONG__LOOKBACK_DAYS", "7")
    args = company_arguments("acme")
    assert args["credentials"].access_key == "acme-key"
    assert (args["base_url"], args["requests_per_second"], args["lookback_days"]) == (
        "https://acme.gong.example", 5, 7.0,
    )  # fmt: skip
    # an option given in the call (a CLI flag) wins over the section
    assert company_arguments("acme", lookback_days=1)["lookback_days"] == 1


def test_a_companys_failure_names_its_own_section() -> None:
    assert in_company_section(
        "Gong rejected access key 'k' (401). Check sources.gong.credentials and "
        "sources.gong.base_url; sources.gong.resources is fine",
        "acme",
    ) == (
        "Gong rejected access key 'k' (401). Check sources.gong.acme.credentials and "
        "sources.gong.acme.base_url; sources.gong.resources is fine"
    )


def test_a_company_cannot_be_named_like_an_option() -> None:
    with pytest.raises(GongConfigError) as refused:
        dlt_gong.run_companies(["acme", "resources"])
    assert str(refused.value) == (
        "the company name 'resources' cannot name a company: sources.gong.resources is "
        "already a dlt-gong option; name the company otherwise"
    )


def test_two_companies_with_one_token_store_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("acme", "globex"):
        section = f"SOURCES__GONG__{name.upper()}__CREDENTIALS"
        monkeypatch.setenv(f"{section}__CLIENT_ID", "one-app")
        monkeypatch.setenv(f"{section}__CLIENT_SECRET", "app-secret")
        monkeypatch.setenv(f"{section}__REFRESH_TOKEN", f"{name}-refresh")
    # shared by both: each would overwrite the other's rotated refresh token
    monkeypatch.setenv("SOURCES__GONG__CREDENTIALS__TOKEN_STORE", "/srv/gong/tokens.json")
    with pytest.raises(GongConfigError) as refused:
        dlt_gong.run_companies(["acme", "globex"])
    assert str(refused.value) == (
        "companies 'acme' and 'globex' keep their OAuth tokens in the same token_store "
        "/srv/gong/tokens.json: each would overwrite the other's refresh token; set "
        "sources.gong.<company>.credentials.token_store per company"
    )


def test_parallel_without_a_company_is_one_line_exit_2(tmp_path: Path) -> None:
    r = subprocess.run(
        [CLI, "run", "--parallel", "2"], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 2
    assert r.stderr.splitlines() == [
        "dlt-gong: --parallel 2 was given without --company: it says how many companies load "
        "at once; name them with --company NAME (repeated)"
    ]


def test_plan_for_each_company_counts_its_own_sandbox(
    make_sandbox: Callable[..., RunningSandbox], tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from dlt_gong.cli import cli

    companies = {  # different sizes: each plan counts its own
        "acme": _company(make_sandbox, "acme", calls=40),
        "globex": _company(make_sandbox, "globex", calls=90),
    }
    env = _env(companies)
    env["SOURCES__GONG__REQUESTS_PER_SECOND"] = "0"
    env["DLT_DATA_DIR"] = str(tmp_path / ".dlt-data")
    result = CliRunner().invoke(
        cli, ["run", "--plan", "--company", "acme", "--company", "globex"], env=env, obj={}
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    headers = [line for line in lines if line.startswith("company ")]
    assert headers == [
        "company 'acme' (pipeline gong_acme):",
        "company 'globex' (pipeline gong_globex):",
    ]
    plans = [line for line in lines if line.startswith("Plan for a first run")]
    for plan, sb in zip(plans, companies.values(), strict=True):
        calls = len(sb.company.calls(START, NOW))
        assert f": 6 users, {calls:,} calls in the calls window" in plan, plan
    assert [sb.stats()["by_status"].get("401", 0) for sb in companies.values()] == [0, 0]
