"""docs/reliability.md, written by the suite from what each scenario measured.

A scenario calls ``report.add(Outcome(...))`` as its last step, after its assertions, so
a row exists only for a scenario that passed. When a session has run every reliability
scenario it collected (no ``-k``, nothing failed), the table is written; a partial run
leaves the committed document alone.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "reliability.md"

GROUPS = (
    "fault", "quota", "crash", "deletions", "time", "forward compatibility", "bad input",
    "secrets",
)  # fmt: skip


@dataclass(frozen=True)
class Outcome:
    """One scenario's row: what was injected, what the pipeline did, what it measured."""

    group: str
    scenario: str
    injected: str
    behaviour: str
    expected_rows: int | None = None
    loaded_rows: int | None = None
    duplicates: int | None = None
    retries: int | None = None
    requests: int | None = None
    exit_code: int | None = None


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value).replace("|", "\\|").replace("\n", " ")


class Report:
    """Outcomes keyed by the test that produced them."""

    def __init__(self) -> None:
        self.outcomes: dict[str, list[Outcome]] = {}

    def add(self, nodeid: str, outcome: Outcome) -> None:
        assert outcome.group in GROUPS, outcome.group
        self.outcomes.setdefault(nodeid, []).append(outcome)

    def markdown(self, command: str) -> str:
        ordered = sorted(
            (o for found in self.outcomes.values() for o in found),
            key=lambda o: (GROUPS.index(o.group), o.scenario),
        )
        head = [
            "# Reliability",
            "",
            "Written by the reliability suite (`tests/reliability/`), not by hand: each row is",
            "a scenario that passed, with what it injected into the sandbox, what the pipeline",
            "did and what the suite measured. Every scenario that loads ends with the same",
            "proof: the destination holds exactly the sandbox's data for the range, each",
            "primary key once, child tables complete (rows expected = rows loaded, 0",
            "duplicates). Retries are the client's; requests are what the sandbox served.",
            "",
            f"Produced by `{command}` on {datetime.now(timezone.utc):%Y-%m-%d} "
            f"(Python {platform.python_version()}, {platform.machine()}).",
            "",
            "| group | scenario | injected | what the pipeline did | rows expected | "
            "rows loaded | duplicates | retries | requests | exit |",
            "|---|---|---|---|--:|--:|--:|--:|--:|--:|",
        ]
        body = [
            "| "
            + " | ".join(
                _cell(v)
                for v in (
                    o.group,
                    o.scenario,
                    o.injected,
                    o.behaviour,
                    o.expected_rows,
                    o.loaded_rows,
                    o.duplicates,
                    o.retries,
                    o.requests,
                    o.exit_code,
                )
            )
            + " |"
            for o in ordered
        ]
        return "\n".join(head + body) + "\n"
