"""``dlt-gong sandbox`` as a real process: it announces its URL, serves, and stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

import pytest
import requests
from click.testing import CliRunner

from dlt_gong.sandbox.command import sandbox_command

LAUNCH = "from dlt_gong.sandbox.command import sandbox_command; sandbox_command()"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_cli_announces_serves_and_stops(stop):
    port = _free_port()
    env = {
        **os.environ,
        "GONG_SANDBOX_ACCESS_KEY": "env-key",
        "GONG_SANDBOX_ACCESS_KEY_SECRET": "env-secret-do-not-print",
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", LAUNCH, "--port", str(port), "--users", "5", "--calls", "50",
         "--faults", "500=0.0,seed=1", "--daily-quota", "100"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line == f"Gong sandbox listening on http://127.0.0.1:{port}\n"
        url = f"http://127.0.0.1:{port}"
        r = requests.get(f"{url}/v2/users", auth=("env-key", "env-secret-do-not-print"), timeout=10)
        assert r.status_code == 200
        assert r.json()["records"]["totalRecords"] == 5
        default = ("sandbox-access-key", "sandbox-access-key-secret")
        assert requests.get(f"{url}/v2/users", auth=default, timeout=10).status_code == 401
        assert requests.get(f"{url}/_sandbox/quota", timeout=10).json()["daily_quota"] == 100
        proc.send_signal(stop)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0
    assert "env-secret-do-not-print" not in line + out + err
    assert "Traceback" not in err


def test_cli_rejects_bad_options():
    result = CliRunner().invoke(sandbox_command, ["--faults", "500=3", "--port", "0"])
    assert result.exit_code == 2
    assert "between 0 and 1" in result.output
    result = CliRunner().invoke(sandbox_command, ["--time-zone", "Mars/Olympus", "--port", "0"])
    assert result.exit_code == 2


def test_cli_help_shows_the_public_default_secret_never_ones_own():
    """The default secret is as public as the sandbox's data (a newcomer needs it to load
    from `dlt-gong sandbox`); a secret set in the environment is never shown."""
    result = CliRunner().invoke(
        sandbox_command, ["--help"], env={"GONG_SANDBOX_ACCESS_KEY_SECRET": "own-secret-31"}
    )
    assert result.exit_code == 0
    assert "[default: sandbox-access-key-secret]" in " ".join(result.output.split())
    assert "own-secret-31" not in result.output


def test_a_port_in_use_is_one_line_exit_2():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = subprocess.run(
            [sys.executable, "-c", LAUNCH, "--port", str(port), "--users", "2", "--calls", "5"],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        f"dlt-gong: port {port} on 127.0.0.1 is in use (Address already in use): pick another "
        "with --port, or --port 0 for a free one"
    ]
    assert proc.stdout == ""


def test_registered_in_the_dlt_gong_command():
    import click

    cli_module = pytest.importorskip("dlt_gong.cli")
    groups = [g for g in vars(cli_module).values() if isinstance(g, click.Group)]
    assert any(g.commands.get("sandbox") is sandbox_command for g in groups)
