"""The orchestrator tests run in their own virtual environments (`make test-orchestrators`
installs Dagster, Airflow and LanceDB there), never in `make test`: tests/conftest.py and
its contract checks are not loaded here (`--confcutdir`), only tests/ is put on the path
for the shared helpers."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
