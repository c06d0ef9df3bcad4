"""docs/reliability.md, written by the suite from what each scenario measured.

A scenario calls ``report.add(Outcome(...))`` as its last step, after its assertions, so
a row exists only for a scenario that passed. When a session has run every reliability
scenario it collected (no ``-k``, nothing failed), the table is written; a partial run
leaves the committed document alone. Under pytest-xdist each worker holds the outcomes of
its own tests: it hands them to the controller (``to_json``), which merges them and
writes the document once (``write_if_complete``), from the whole session's view.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
DOC = HERE.parents[1] / "docs" / "reliability.md"

GROUPS = (
    "fault", "quota", "page order", "crash", "deletions", "time", "forward compatibility",
    "bad input", "secrets",
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

    def to_json(self) -> dict[str, list[dict[str, object]]]:
        """The outcomes as plain data, for an xdist worker to hand to the controller."""
        return {nodeid: [asdict(o) for o in found] for nodeid, found in self.outcomes.items()}

    def merge_json(self, data: dict[str, list[dict[str, object]]]) -> None:
        for nodeid, found in data.items():
            for outcome in found:
                self.add(nodeid, Outcome(**outcome))  # type: ignore[arg-type]

    def write_if_complete(
        self, nodeids: Iterable[str], rootdir: Path, failed: int, keyword: str, marks: str
    ) -> bool:
        """Writes DOC when ``nodeids`` (the session's collected tests) hold every
        reliability test file, no ``-k`` narrowed them, nothing failed and each of them
        reported; returns whether it wrote."""
        ours = [n for n in nodeids if (rootdir / n.split("::")[0]).resolve().parent == HERE]
        files = {Path(n.split("::")[0]).name for n in ours}
        complete = (
            bool(ours)
            and files == {f.name for f in HERE.glob("test_*.py")}
            and not keyword
            and failed == 0
            and all(nodeid in self.outcomes for nodeid in ours)
        )
        if complete:
            command = f"pytest -m '{marks}'" if marks else "pytest"
            if os.environ.get("DLT_GONG_SOAK"):
                command = f"DLT_GONG_SOAK=1 {command} (make soak)"
            DOC.write_text(self.markdown(command))
        return complete

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
