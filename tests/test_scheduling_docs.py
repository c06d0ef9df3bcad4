"""docs/scheduling.md's Airflow and Dagster examples are the files the orchestrator tests
run (`make test-orchestrators`), character for character."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_scheduling_examples_are_the_tested_files() -> None:
    text = (ROOT / "docs" / "scheduling.md").read_text()
    blocks = re.findall(r"<!-- (examples/\S+) -->\n```py\n(.*?)```", text, flags=re.S)
    assert [path for path, _ in blocks] == [
        "examples/airflow_gong.py",
        "examples/dagster_gong.py",
        "examples/dagster_companies.py",
    ]
    for path, code in blocks:
        assert code == (ROOT / path).read_text(), path
    for path, _ in blocks:
        stem = Path(path).stem  # dagster_companies: test_dagster_companies.py; else test_dagster.py
        tests = ROOT / "tests" / "orchestrators"
        test = tests / f"test_{stem}.py"
        if not test.exists():
            test = tests / f"test_{stem.split('_')[0]}.py"
        assert f'"{Path(path).stem}' in test.read_text(), test  # the test loads that file
